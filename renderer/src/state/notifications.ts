/**
 * When a live message deserves an OS notification, and what it says. Only didUpdateIm /
 * didUpdateRooms 'message' updates are considered: history pages come back as command answers,
 * never as these events, so they cannot notify. Archive catch-up and a room's discussion history
 * on join DO arrive as events, carrying their original (XEP-0203 delayed) time: anything older
 * than CATCH_UP_MS is treated as catch-up and stays silent.
 */
import type { ImUpdate, RoomUpdate } from '../../../shared/ipc/index';
import type { RootState } from './store';

export const BODY_MAX = 120;
export const THROTTLE_MS = 10_000;
export const CATCH_UP_MS = 60_000;

export interface NotificationRequest {
  readonly title: string;
  readonly body: string;
  readonly tag: string;
}

export interface NotifyContext {
  /** document.hasFocus(): a conversation open in a window the user is not looking at still notifies. */
  readonly focused: boolean;
  readonly now: number;
}

/** Last notification time per tag (one per conversation per THROTTLE_MS). */
export type Throttle = Map<string, number>;

type View = Pick<RootState, 'roster' | 'chats' | 'rooms'>;

const chatTag = (jid: string): string => `chat:${jid}`;
const roomTag = (jid: string): string => `room:${jid}`;

/** The tag of a clicked notification, back to what to open. */
export function parseTag(tag: string): { readonly kind: 'chat' | 'room'; readonly jid: string } | undefined {
  const m = /^(chat|room):(.+)$/.exec(tag);
  return m ? { kind: m[1] as 'chat' | 'room', jid: m[2] as string } : undefined;
}

function bodyOf(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return [...flat].slice(0, BODY_MAX).join('');
}

function isLive(at: string, now: number): boolean {
  const t = Date.parse(at);
  return Number.isNaN(t) || now - t <= CATCH_UP_MS;
}

/** Our nick as a word of the body (case-insensitive): "bob:", "@bob", "hi Bob!" but not "bobby". */
export function mentions(body: string, nick: string): boolean {
  if (nick.length === 0) return false;
  const hay = body.toLowerCase();
  const needle = nick.toLowerCase();
  const isWord = (ch: string | undefined): boolean => ch !== undefined && /[\p{L}\p{N}_]/u.test(ch);
  for (let i = hay.indexOf(needle); i >= 0; i = hay.indexOf(needle, i + 1)) {
    if (!isWord(hay[i - 1]) && !isWord(hay[i + needle.length])) return true;
  }
  return false;
}

function admit(out: NotificationRequest[], throttle: Throttle, now: number, n: NotificationRequest): void {
  const last = throttle.get(n.tag);
  if (last !== undefined && now - last < THROTTLE_MS) return;
  if (out.some((o) => o.tag === n.tag)) return;
  throttle.set(n.tag, now);
  out.push(n);
}

/** One-to-one: incoming, live, and the conversation is not in front of the user. */
export function imNotifications(state: View, updates: readonly ImUpdate[], ctx: NotifyContext, throttle: Throttle): NotificationRequest[] {
  const out: NotificationRequest[] = [];
  for (const u of updates) {
    if (u.kind !== 'message') continue;
    const m = u.message;
    if (m.direction !== 'in' || !isLive(m.at, ctx.now) || m.body.trim().length === 0) continue;
    const visible = ctx.focused && state.chats.open === m.peer && state.rooms.open === undefined;
    if (visible) continue;
    const name = state.roster.contacts[m.peer]?.name;
    admit(out, throttle, ctx.now, { title: name && name.length > 0 ? name : m.peer, body: bodyOf(m.body), tag: chatTag(m.peer) });
  }
  return out;
}

/** Rooms: someone else's live message that mentions our nick, the room not in front of the user. */
export function roomNotifications(state: View, updates: readonly RoomUpdate[], ctx: NotifyContext, throttle: Throttle): NotificationRequest[] {
  const out: NotificationRequest[] = [];
  for (const u of updates) {
    if (u.kind !== 'message') continue;
    const m = u.message;
    const room = state.rooms.rooms[m.room];
    // No nick: the room itself speaking; our own nick: our message reflected (§7.2.1).
    if (!room || m.direction !== 'in' || m.nick === undefined || m.nick === room.summary.nick) continue;
    if (!isLive(m.at, ctx.now) || !mentions(m.body, room.summary.nick)) continue;
    if (ctx.focused && state.rooms.open === m.room) continue;
    const name = room.summary.name;
    admit(out, throttle, ctx.now, { title: name && name.length > 0 ? name : m.room, body: bodyOf(m.body), tag: roomTag(m.room) });
  }
  return out;
}

/**
 * Multi-user chat rooms (XEP-0045) as the renderer shows them: the joined rooms with their
 * occupants and messages, the invitations and bookmarks. Occupants are a Map keyed by nick (a
 * nick is any string, '__proto__' included, so not a plain object); a batch copies a room's map
 * at most once, however many occupants it changes, and an occupant whose data did not change
 * keeps its object, so only the rows of occupants that changed re-render.
 */
import type { BookmarkWire, GroupMessageWire, Occupant, RoomSummary, RoomUpdate } from '../../../../shared/ipc/index';
import type { HistoryState } from './chats';
import { RoomDraft } from './room-draft';

export { entryAt, entryKey, RoomDraft, sameOccupant, sameSummary } from './room-draft';

export type GroupState = GroupMessageWire['state'];

/** One line of a room's timeline: a group message, a private message, or a line from Bastion/the room. */
export type RoomEntry =
  | { readonly kind: 'group'; readonly message: GroupMessageWire }
  | { readonly kind: 'private'; readonly id: string; readonly nick: string; readonly direction: 'in' | 'out'; readonly body: string; readonly at: string }
  | { readonly kind: 'system'; readonly id: string; readonly at: string; readonly event: SystemEvent };

/** What a system line reports; the view words it (all text goes through t()). */
export type SystemEvent =
  /** A sentence main made from a XEP-0045 status code (§15.3). */
  | { readonly type: 'status'; readonly text: string }
  /** We are out of the room. */
  | { readonly type: 'left'; readonly reason: LeftInfo['reason']; readonly actor?: string | undefined; readonly text?: string | undefined }
  /** Someone else was removed (kick, ban …) or changed nick. */
  | { readonly type: 'removed'; readonly nick: string; readonly reason: string; readonly newNick?: string | undefined; readonly actor?: string | undefined; readonly text?: string | undefined }
  | { readonly type: 'subject'; readonly subject: string; readonly by?: string | undefined }
  /** A command of ours failed (a private message that did not go out …). */
  | { readonly type: 'error'; readonly text: string };

export type EntryKey = string;

export interface LeftInfo {
  readonly reason: Extract<RoomUpdate, { kind: 'left' }>['reason'];
  readonly actor?: string | undefined;
  readonly text?: string | undefined;
}

export interface VoiceRequest {
  readonly id: string;
  readonly nick?: string | undefined;
  readonly jid?: string | undefined;
}

export interface Room {
  readonly room: string;
  readonly summary: RoomSummary;
  /** false after the room removed us (kick, ban, destruction …): the view stays to say why. */
  readonly joined: boolean;
  readonly left: LeftInfo | undefined;
  readonly occupants: ReadonlyMap<string, Occupant>;
  readonly byKey: Readonly<Record<EntryKey, RoomEntry>>;
  /** Keys, oldest first (by time, then arrival). */
  readonly order: readonly EntryKey[];
  /** Live messages from others not yet seen, oldest first. */
  readonly unread: readonly EntryKey[];
  readonly history: HistoryState;
  /** States for our messages whose sendGroupMessage answer has not arrived yet (the reflection can be first). */
  readonly pendingStates: Readonly<Record<string, GroupState>>;
  readonly voiceRequests: readonly VoiceRequest[];
}

export type Invitation = Extract<RoomUpdate, { kind: 'invitation' }>;

export interface RoomsSlice {
  readonly rooms: Readonly<Record<string, Room>>;
  /** The room shown in the main pane. */
  readonly open: string | undefined;
  readonly invitations: readonly Invitation[];
  readonly bookmarks: readonly BookmarkWire[];
  readonly bookmarksLoaded: boolean;
  /** Counter for the keys of system lines. */
  readonly seq: number;
}

export const initialRooms: RoomsSlice = { rooms: {}, open: undefined, invitations: [], bookmarks: [], bookmarksLoaded: false, seq: 0 };

const NO_OCCUPANTS: ReadonlyMap<string, Occupant> = new Map();

export const emptyRoom = (summary: RoomSummary): Room => ({
  room: summary.room,
  summary,
  joined: true,
  left: undefined,
  occupants: NO_OCCUPANTS,
  byKey: {},
  order: [],
  unread: [],
  history: { status: 'idle', complete: false },
  pendingStates: {},
  voiceRequests: [],
});

export function withRoom(s: RoomsSlice, room: string, f: (r: Room) => Room): RoomsSlice {
  const r = s.rooms[room];
  if (!r) return s;
  const next = f(r);
  return next === r ? s : { ...s, rooms: { ...s.rooms, [room]: next } };
}

export function roomOpened(s: RoomsSlice, room: string | undefined): RoomsSlice {
  return s.open === room ? s : { ...s, open: room };
}

/** The user has seen the room up to and including `key`. */
export function markRoomReadUpTo(r: Room, key: EntryKey): Room {
  const idx = r.order.indexOf(key);
  if (idx < 0 || r.unread.length === 0) return r;
  const seen = new Set(r.order.slice(0, idx + 1));
  const unread = r.unread.filter((k) => !seen.has(k));
  return unread.length === r.unread.length ? r : { ...r, unread };
}

/** Everything in the room is seen (opening it scrolls to the newest). */
export const markRoomAllRead = (r: Room): Room => (r.unread.length === 0 ? r : { ...r, unread: [] });

/** getRooms: the joined rooms as main knows them now; messages loaded so far are kept. */
export function roomsSnapshot(s: RoomsSlice, rooms: readonly { readonly room: RoomSummary; readonly occupants: readonly Occupant[] }[]): RoomsSlice {
  const next: Record<string, Room> = {};
  for (const { room, occupants } of rooms) {
    const d = new RoomDraft(s.rooms[room.room] ?? emptyRoom(room));
    d.setSummary(room);
    d.set({ joined: true, left: undefined });
    d.replaceOccupants(occupants);
    next[room.room] = d.finish();
  }
  // A room we were removed from stays until the user closes it (it says why); others main no longer has are gone.
  for (const [jid, r] of Object.entries(s.rooms)) if (!next[jid] && !r.joined) next[jid] = r;
  const open = s.open !== undefined && next[s.open] ? s.open : undefined;
  return { ...s, rooms: next, open };
}

/** The user closes a room's view after leaving it (or being removed). */
export function roomClosed(s: RoomsSlice, room: string): RoomsSlice {
  if (!s.rooms[room]) return s.open === room ? { ...s, open: undefined } : s;
  const rooms = { ...s.rooms };
  delete rooms[room];
  return { ...s, rooms, open: s.open === room ? undefined : s.open };
}

export function bookmarksLoaded(s: RoomsSlice, bookmarks: readonly BookmarkWire[]): RoomsSlice {
  return { ...s, bookmarks, bookmarksLoaded: true };
}

export function invitationAnswered(s: RoomsSlice, id: string): RoomsSlice {
  return s.invitations.some((i) => i.id === id) ? { ...s, invitations: s.invitations.filter((i) => i.id !== id) } : s;
}

export function voiceRequestAnswered(s: RoomsSlice, room: string, id: string): RoomsSlice {
  return withRoom(s, room, (r) => (r.voiceRequests.some((v) => v.id === id) ? { ...r, voiceRequests: r.voiceRequests.filter((v) => v.id !== id) } : r));
}

export interface HistoryPageOpts {
  readonly limit: number;
}

/** A page from getRoomHistory (the latest, or one older than what is loaded). */
export function roomHistoryLoaded(s: RoomsSlice, room: string, messages: readonly GroupMessageWire[], opts: HistoryPageOpts): RoomsSlice {
  return withRoom(s, room, (r) => {
    const d = new RoomDraft(r);
    for (const m of messages) d.addEntry({ kind: 'group', message: m }, { live: false });
    // A short page means nothing older exists.
    d.set({ history: { status: 'ready', complete: messages.length < opts.limit || r.history.complete } });
    return d.finish();
  });
}

export function roomHistoryLoading(s: RoomsSlice, room: string): RoomsSlice {
  return withRoom(s, room, (r) => ({ ...r, history: { ...r.history, status: 'loading', error: undefined } }));
}

export function roomHistoryFailed(s: RoomsSlice, room: string, error: string): RoomsSlice {
  return withRoom(s, room, (r) => ({ ...r, history: { ...r.history, status: 'failed', error } }));
}

/** Our message as the sendGroupMessage answer confirmed it (the room's reflection may have moved its state already). */
export function groupMessageSent(s: RoomsSlice, m: GroupMessageWire): RoomsSlice {
  return withRoom(s, m.room, (r) => {
    const d = new RoomDraft(r);
    d.addEntry({ kind: 'group', message: m }, { live: true });
    return d.finish();
  });
}

/** A line of ours (a private message we sent, a failure to explain). */
export function entryAdded(s: RoomsSlice, room: string, e: RoomEntry | ((seq: number) => RoomEntry)): RoomsSlice {
  const r = s.rooms[room];
  if (!r) return s;
  const entry = typeof e === 'function' ? e(s.seq + 1) : e;
  const d = new RoomDraft(r);
  d.addEntry(entry, { live: false });
  return { ...s, seq: typeof e === 'function' ? s.seq + 1 : s.seq, rooms: { ...s.rooms, [room]: d.finish() } };
}

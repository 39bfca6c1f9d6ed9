/**
 * Messages in rooms (XEP-0045 §7.4 group messages, §7.5 private messages, §8.1 subject, §10.2
 * configuration-change status codes). Only stanzas from rooms we are in are looked at; anything
 * else is left alone (and never believed to be a room's). Our own messages come back from the
 * room: the copy is matched by its XEP-0359 origin-id and reported as 'sent', never as a new
 * message. De-duplication uses the stanza-id the ROOM assigned (`by` = the room's JID), which is
 * also its archive id (XEP-0313 §6), so live and archive copies meet on one key.
 */
import { randomUUID } from 'node:crypto';
import type { Element } from '@xmpp/xml';
import xml from '@xmpp/xml';
import type { BareJid } from '../../../../shared/xmpp/jid';
import { isForwardingWrapper, NS, parseMessage, type ParsedMessage } from '../im/message-parse';
import { codesOf, errorOf, NS_MUC_USER, roomAddress } from './0045-muc-parse';
import { MAX_QUEUED_LIVE, remember, type MucContext, type Room } from './0045-muc-room';
import { CONFIG_CHANGE_CODES, MUC_STATUS, type MucStatusCode } from './0045-muc-status';
import type { GroupMessage } from './0045-muc-types';
import { NS_MAM } from './0313-mam';
import { readOccupantId } from './0421-occupant-id';

export interface GroupMessageOptions {
  readonly id?: string;
  /** XEP-0308: the id of our earlier message this one corrects. */
  readonly replaces?: string;
  readonly extensions?: readonly Element[];
}

/** The stanza of a group message (the outbox can persist exactly this and re-send it). */
export function buildGroupMessage(room: BareJid, body: string, o: GroupMessageOptions = {}): Element {
  const id = o.id ?? randomUUID();
  return xml(
    'message',
    { to: room, type: 'groupchat', id },
    xml('body', {}, body),
    xml('origin-id', { xmlns: NS.sid, id }),
    ...(o.replaces ? [xml('replace', { xmlns: NS.correct, id: o.replaces })] : []),
    ...(o.extensions ?? []),
  );
}

/** §7.5: a private message carries an empty muc#user `<x/>` so servers know it is one. */
export function buildPrivateMessage(occupant: string, body: string, id: string = randomUUID()): Element {
  return xml('message', { to: occupant, type: 'chat', id }, xml('body', {}, body), xml('x', { xmlns: NS_MUC_USER }), xml('origin-id', { xmlns: NS.sid, id }));
}

/** The room's own stanza-id, believed only from a room that says it assigns them (XEP-0359 §5). */
export function roomStanzaId(room: Room, m: ParsedMessage): string | undefined {
  const f = room.info?.features;
  if (!f || !(f.includes(NS.sid) || f.includes(NS_MAM))) return undefined;
  return m.stanzaIds.get(room.jid);
}

/**
 * Hands a group message to listeners: once per room stanza-id, live ones held during a catch-up.
 * False when it was a duplicate.
 */
export function deliverGroup(ctx: MucContext, room: Room, m: GroupMessage): boolean {
  if (m.stanzaId !== undefined) {
    if (room.seen.has(m.stanzaId)) return false;
    if (m.source === 'live' && room.catchingUp) {
      if (room.queued.length < MAX_QUEUED_LIVE) {
        room.queued.push(m);
        return true;
      }
      // Over the limit: deliver now; the seen-set still keeps the archive copy out.
    }
    remember(room.seen, m.stanzaId);
    room.lastArchiveId = m.stanzaId;
  }
  ctx.emit.group(m);
  return true;
}

function statusEvents(ctx: MucContext, room: Room, codes: readonly MucStatusCode[]): void {
  for (const code of codes) ctx.emit.status({ room: room.jid, code, kind: MUC_STATUS[code].kind, text: MUC_STATUS[code].text, stanza: 'message', nick: undefined, self: false });
  const config = codes.filter((c) => CONFIG_CHANGE_CODES.has(c));
  if (config.length === 0) return;
  // §10.2: the room says its configuration changed; read what it is now.
  void ctx.fetchInfo(room.jid).then((info) => {
    if (ctx.rooms.get(room.jid) !== room) return;
    if (info) ctx.applyInfo(room, info);
    ctx.emit.config({ room: room.jid, changes: config.map((c) => MUC_STATUS[c].kind), info: info ?? room.info });
  });
}

function onSubject(ctx: MucContext, room: Room, nick: string | undefined, subject: string, id: string | undefined): void {
  // §8.1: only an occupant (or the room) changes the subject; a stranger's claim is refused.
  if (nick !== undefined && nick !== room.nick && !room.occupants.get(nick)) {
    ctx.emit.refuse(`subject change in ${room.jid} from ${nick}, who is not an occupant, refused`);
    return;
  }
  const initial = !room.subjectSeen;
  room.subjectSeen = true;
  room.subject = subject;
  ctx.emit.subject({ room: room.jid, subject, by: nick, initial });
  room.onSubject?.();
  if (nick !== undefined && nick === room.nick) {
    const key = id !== undefined && room.subjectWaiters.has(id) ? id : [...room.subjectWaiters.entries()].find(([, w]) => w.subject === subject)?.[0];
    const w = key === undefined ? undefined : room.subjectWaiters.get(key);
    if (key !== undefined && w) {
      clearTimeout(w.timer);
      room.subjectWaiters.delete(key);
      w.resolve();
    }
  }
}

function onError(ctx: MucContext, room: Room, el: Element): void {
  const id = typeof el.attrs.id === 'string' ? el.attrs.id : undefined;
  const err = errorOf(el) ?? { condition: 'undefined-condition', text: undefined };
  if (id === undefined) return;
  const waiter = room.subjectWaiters.get(id);
  if (waiter) {
    clearTimeout(waiter.timer);
    room.subjectWaiters.delete(id);
    waiter.reject(new Error(`the room refused the subject change: ${err.condition}${err.text ? ` (${err.text})` : ''}`));
    return;
  }
  if (!room.pending.has(id)) return;
  room.pending.delete(id);
  ctx.emit.state({ room: room.jid, id, state: 'failed', condition: err.condition, text: err.text });
  // §7.4: not-acceptable means "you are not an occupant" — the room forgot us; check.
  if (err.condition === 'not-acceptable') ctx.verifyJoined(room);
}

/** Turns a message from room or room/nick into a GroupMessage (body required). */
export function groupMessageOf(room: Room, m: ParsedMessage, nick: string | undefined, occupantId: string | undefined, source: GroupMessage['source'], stanzaId: string | undefined): GroupMessage | undefined {
  if (m.body === undefined) return undefined;
  const trustedId = room.info?.occupantIds ? occupantId : undefined;
  const id = m.originId ?? m.id ?? stanzaId ?? randomUUID();
  const fromSelf = nick !== undefined && (nick === room.nick || (trustedId !== undefined && trustedId === room.self?.occupantId));
  return { room: room.jid, nick, occupantId: trustedId, fromSelf, id, stanzaId, body: m.body, delayedAt: m.delayedAt, source, message: m };
}

/** True when the message is the room's copy of one we sent from this client (reported as 'sent'). */
export function isReflection(ctx: MucContext, room: Room, m: ParsedMessage, nick: string | undefined, stanzaId: string | undefined): boolean {
  if (nick === undefined || nick !== room.nick) return false;
  const key = m.originId !== undefined && room.pending.get(m.originId) === 'group' ? m.originId : m.id !== undefined && room.pending.get(m.id) === 'group' ? m.id : undefined;
  if (key === undefined) return false;
  room.pending.delete(key);
  if (stanzaId !== undefined) {
    remember(room.seen, stanzaId);
    room.lastArchiveId = stanzaId;
  }
  ctx.emit.state({ room: room.jid, id: key, state: 'sent', stanzaId });
  return true;
}

/** client.onMessage handler for everything from rooms we are in. */
export function handleRoomMessage(ctx: MucContext, el: Element): void {
  if (isForwardingWrapper(el)) return; // carbons and archive results have their own modules
  const addr = roomAddress(el.attrs.from);
  const room = addr ? ctx.rooms.get(addr.room) : undefined;
  if (!addr || !room) return; // not from a room we are in: not ours to believe
  const type = (el.attrs.type as string | undefined) ?? 'normal';
  if (type === 'error') {
    onError(ctx, room, el);
    return;
  }
  const parsed = parseMessage(el);
  if (!parsed.ok) {
    ctx.emit.refuse(`message in ${room.jid}: ${parsed.reason}`);
    return;
  }
  const m = parsed.message;
  if (type === 'groupchat') {
    if (addr.nick === undefined) statusEvents(ctx, room, codesOf(el));
    // §8.1: a subject with no body (and no thread) is a subject change.
    if (m.subject !== undefined && m.body === undefined && m.thread === undefined) {
      onSubject(ctx, room, addr.nick, m.subject, m.id);
      return;
    }
    const stanzaId = roomStanzaId(room, m);
    if (isReflection(ctx, room, m, addr.nick, stanzaId)) return;
    // §7.2.14: delayed messages between our self-presence and the subject are the room's history.
    const legacy = !room.subjectSeen && m.delayedAt !== undefined;
    if (legacy && ++room.legacyHistory > ctx.maxHistory) return;
    const gm = groupMessageOf(room, m, addr.nick, readOccupantId(el), legacy ? 'history-legacy' : 'live', stanzaId);
    if (gm) deliverGroup(ctx, room, gm);
    return;
  }
  if ((type === 'chat' || type === 'normal') && addr.nick !== undefined && m.body !== undefined) {
    // §7.5: a private message from an occupant, routed by the room.
    const occupantId = room.info?.occupantIds ? readOccupantId(el) : undefined;
    ctx.emit.private({ room: room.jid, nick: addr.nick, occupantId, id: m.originId ?? m.id ?? randomUUID(), body: m.body, message: m });
    return;
  }
  if (addr.nick === undefined) statusEvents(ctx, room, codesOf(el)); // e.g. 101 out of band
}

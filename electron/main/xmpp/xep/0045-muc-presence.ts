/**
 * Presence in rooms (XEP-0045 §7.2 join, §7.6 nick change, §7.14 leave, §9 kicks and bans,
 * §10.9 destroy): each presence from room/nick is one O(1) update of the occupant store and one
 * coalesced change; our own presence (status 110) completes a join or nick change, or tells us we
 * are out and why. Presence from a room we are not in is not looked at.
 */
import type { Element } from '@xmpp/xml';
import { occupantJid, parseMucPresence, roomAddress, type MucPresence } from './0045-muc-parse';
import type { MucContext, Room } from './0045-muc-room';
import { joinRefusal, leaveReason, MUC_STATUS, MucJoinError } from './0045-muc-status';

const MAX_RENAMES = 256;

function statusEvents(ctx: MucContext, room: Room, p: MucPresence, self: boolean): void {
  for (const code of p.codes) {
    if (code === 110) continue; // a marker on every self-presence, not news
    ctx.emit.status({ room: room.jid, code, kind: MUC_STATUS[code].kind, text: MUC_STATUS[code].text, stanza: 'presence', nick: p.nick, self });
  }
}

function onError(ctx: MucContext, room: Room, nick: string | undefined, p: MucPresence | undefined, el: Element): void {
  const err = p?.error ?? { condition: el.getChild('error')?.children.find((c): c is Element => typeof c !== 'string' && c.name !== 'text')?.name ?? 'undefined-condition', text: undefined };
  if (room.join && (nick === undefined || nick === room.join.nick)) {
    const j = room.join;
    clearTimeout(j.timer);
    room.join = undefined;
    ctx.rooms.delete(room.jid);
    j.reject(new MucJoinError(joinRefusal(err.condition, j.passwordGiven), err.condition, err.text));
    return;
  }
  if (room.nickChange && nick === room.nickChange.nick) {
    const n = room.nickChange;
    clearTimeout(n.timer);
    room.nickChange = undefined;
    n.reject(new MucJoinError(joinRefusal(err.condition, false), err.condition, err.text));
    return;
  }
  // An error about our own occupant JID while joined may mean the room no longer knows us (XEP-0410 §1).
  if (room.state === 'joined' && nick === room.nick) ctx.verifyJoined(room);
}

export function handleRoomPresence(ctx: MucContext, el: Element): void {
  const addr = roomAddress(el.attrs.from);
  const room = addr ? ctx.rooms.get(addr.room) : undefined;
  if (!addr || !room) return; // not a room we are in (or joining): not ours to believe
  const type = (el.attrs.type as string | undefined) ?? 'available';
  const p = parseMucPresence(el);
  if (type === 'error') {
    onError(ctx, room, addr.nick, p, el);
    return;
  }
  if (!p) {
    if (addr.nick !== undefined) ctx.emit.refuse(`presence from ${room.jid} refused: not a room presence we understand`);
    return;
  }
  // §7.2.2: status 110 marks our own presence; a server that omits it still names our full JID.
  const self = p.codes.includes(110) || (p.item?.realJid !== undefined && p.item.realJid === ctx.client.jid);
  if (p.type === 'unavailable') onUnavailable(ctx, room, p, self);
  else onAvailable(ctx, room, p, self);
}

function onAvailable(ctx: MucContext, room: Room, p: MucPresence, self: boolean): void {
  if (room.state === 'leaving' && !self) return;
  const previousNick = room.renames.get(p.nick);
  room.renames.delete(p.nick);
  const r = room.occupants.upsert(
    {
      room: room.jid,
      nick: p.nick,
      jid: occupantJid(room.jid, p.nick),
      role: p.item?.role ?? 'none',
      affiliation: p.item?.affiliation ?? 'none',
      realJid: p.item?.realJid,
      show: p.show,
      status: p.status,
      self,
    },
    p.occupantId,
  );
  if (!r) {
    ctx.emit.refuse(`occupant ${p.nick} of ${room.jid} not kept: the room has more than the limit of occupants`);
    return;
  }
  ctx.batcher.push(room.jid, r.added ? { kind: 'added', occupant: r.occupant, ...(previousNick !== undefined ? { previousNick } : {}) } : { kind: 'changed', occupant: r.occupant });
  statusEvents(ctx, room, p, self);
  if (!self) return;
  room.self = r.occupant;
  room.nick = p.nick;
  if (room.join) {
    const j = room.join;
    clearTimeout(j.timer);
    room.join = undefined;
    room.created = p.codes.includes(201);
    j.resolve(r.occupant);
  } else if (room.nickChange && p.nick === room.nickChange.nick) {
    const n = room.nickChange;
    clearTimeout(n.timer);
    room.nickChange = undefined;
    n.resolve();
  }
}

function onUnavailable(ctx: MucContext, room: Room, p: MucPresence, self: boolean): void {
  statusEvents(ctx, room, p, self);
  const newNick = p.codes.includes(303) ? p.item?.nick : undefined;
  if (newNick !== undefined) {
    // §7.6: the old nick goes away; the same occupant comes back under the new one.
    const old = room.occupants.remove(p.nick);
    if (old) ctx.batcher.push(room.jid, { kind: 'removed', occupant: old, reason: 'nick-change', newNick });
    room.renames.set(newNick, p.nick);
    if (room.renames.size > MAX_RENAMES) room.renames.delete(room.renames.keys().next().value as string);
    if (self) room.nick = newNick;
    return;
  }
  const reason = leaveReason(p.codes, p.destroy !== undefined);
  if (self) {
    if (room.join) return; // a stale unavailable of an earlier session; the join answer is still to come
    ctx.finish(room, {
      reason,
      ...(p.item?.actor !== undefined ? { actor: p.item.actor } : {}),
      ...((p.item?.reason ?? p.destroy?.reason) !== undefined ? { text: p.item?.reason ?? p.destroy?.reason } : {}),
      ...(p.destroy?.venue !== undefined ? { venue: p.destroy.venue } : {}),
    });
    return;
  }
  const gone = room.occupants.remove(p.nick);
  if (!gone) return;
  ctx.batcher.push(room.jid, {
    kind: 'removed',
    occupant: gone,
    reason,
    ...(p.item?.actor !== undefined ? { actor: p.item.actor } : {}),
    ...(p.item?.reason !== undefined ? { text: p.item.reason } : {}),
  });
}

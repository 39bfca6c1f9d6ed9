/**
 * Applies one didUpdateRooms batch to the rooms slice as one state change. Each room the batch
 * touches is drafted once (RoomDraft copies its occupant map and timeline at most once per
 * batch, whatever the number of changes), rooms it does not touch keep their identity, and a
 * batch that changes nothing returns the slice itself.
 */
import type { RoomUpdate } from '../../../shared/ipc/index';
import { assertNever } from '../../../shared/util/assert-never';
import { emptyRoom, RoomDraft, type Invitation, type Room, type RoomEntry, type RoomsSlice, type SystemEvent, type VoiceRequest } from './slices/rooms';

/** Invitations kept at most (a flood of them must not grow the inbox without bound). */
const MAX_INVITATIONS = 50;
const MAX_VOICE_REQUESTS = 100;

/**
 * Kicks, bans, removals and nick changes are worded from the occupant and leave updates (with the
 * nick, the actor and the reason), so main's bare sentences for these XEP-0045 status codes
 * (§15.6: 301, 303, 307, 321, 322, 332, 333) would only repeat them.
 */
const WORDED_ELSEWHERE: ReadonlySet<number> = new Set([301, 303, 307, 321, 322, 332, 333]);

export function applyRoomsBatch(s: RoomsSlice, updates: readonly RoomUpdate[], now: () => string = () => new Date().toISOString()): RoomsSlice {
  const drafts = new Map<string, RoomDraft>();
  let rooms: Record<string, Room> | undefined;
  let invitations: Invitation[] | undefined;
  let bookmarks = s.bookmarks;
  let bookmarksLoaded = s.bookmarksLoaded;
  let open = s.open;
  let seq = s.seq;

  const current = (room: string): Room | undefined => (rooms ?? s.rooms)[room];
  const draft = (room: string): RoomDraft | undefined => {
    let d = drafts.get(room);
    if (!d) {
      const r = current(room);
      if (!r) return undefined;
      d = new RoomDraft(r);
      drafts.set(room, d);
    }
    return d;
  };
  const system = (d: RoomDraft, event: SystemEvent): void => {
    seq += 1;
    const e: RoomEntry = { kind: 'system', id: String(seq), at: now(), event };
    d.addEntry(e, { live: false });
  };
  const dropRoom = (room: string): void => {
    drafts.delete(room);
    rooms ??= { ...s.rooms };
    delete rooms[room];
    if (open === room) open = undefined;
  };

  for (const u of updates) {
    switch (u.kind) {
      case 'joined': {
        let d = draft(u.room.room);
        if (!d) {
          rooms ??= { ...s.rooms };
          rooms[u.room.room] = emptyRoom(u.room);
          d = draft(u.room.room) as RoomDraft;
        }
        d.setSummary(u.room);
        if (!d.joined) d.set({ joined: true, left: undefined });
        d.replaceOccupants(u.occupants);
        break;
      }
      case 'left': {
        if (u.reason === 'left') {
          // We left (here or through another command): nothing to explain, the room goes.
          if (current(u.room)) dropRoom(u.room);
          break;
        }
        const d = draft(u.room);
        if (!d) break;
        d.set({ joined: false, left: { reason: u.reason, actor: u.actor, text: u.text }, voiceRequests: [] });
        d.replaceOccupants([]);
        system(d, { type: 'left', reason: u.reason, actor: u.actor, text: u.text });
        break;
      }
      case 'occupants': {
        const d = draft(u.room);
        if (!d) break;
        for (const r of u.removed) {
          const old = d.removeOccupant(r.nick);
          // Joins and plain departures are not written into the timeline (a 2,000-occupant room
          // would drown its messages); removals by a moderator and nick changes are.
          if (old && r.reason !== 'left') system(d, { type: 'removed', nick: r.nick, reason: r.reason, newNick: r.newNick, actor: r.actor, text: r.text });
        }
        for (const o of u.set) {
          d.setOccupant(o);
          if (o.self && o.nick !== d.summary.nick) d.setSummary({ ...d.summary, nick: o.nick });
        }
        break;
      }
      case 'message': {
        const d = draft(u.message.room);
        if (d) d.addEntry({ kind: 'group', message: u.message }, { live: true });
        break;
      }
      case 'message-state':
        draft(u.room)?.applyState(u.id, u.state);
        break;
      case 'subject': {
        const d = draft(u.room);
        if (!d || d.summary.subject === u.subject) break;
        d.setSummary({ ...d.summary, subject: u.subject });
        // The subject a room sends on joining is not news; a change is.
        if (!u.initial) system(d, { type: 'subject', subject: u.subject, by: u.by });
        break;
      }
      case 'status': {
        const d = draft(u.room);
        if (d && !WORDED_ELSEWHERE.has(u.code)) system(d, { type: 'status', text: u.text });
        break;
      }
      case 'invitation': {
        const list = invitations ?? s.invitations;
        if (list.some((i) => i.id === u.id || (i.room === u.room && i.from === u.from))) break;
        invitations ??= [...s.invitations];
        invitations.push(u);
        if (invitations.length > MAX_INVITATIONS) invitations.shift();
        break;
      }
      case 'voice-request': {
        const d = draft(u.room);
        if (!d || d.voiceRequests.some((v) => v.id === u.id || (v.nick !== undefined && v.nick === u.nick))) break;
        const v: VoiceRequest = { id: u.id, nick: u.nick, jid: u.jid };
        d.set({ voiceRequests: [...d.voiceRequests, v].slice(-MAX_VOICE_REQUESTS) });
        break;
      }
      case 'private-message': {
        const d = draft(u.room);
        if (d) d.addEntry({ kind: 'private', id: u.id, nick: u.nick, direction: 'in', body: u.body, at: u.at }, { live: true });
        break;
      }
      case 'bookmarks':
        bookmarks = u.bookmarks;
        bookmarksLoaded = true;
        break;
      default:
        assertNever(u, 'room update');
    }
  }

  for (const [jid, d] of drafts) {
    const next = d.finish();
    if (next === current(jid)) continue;
    rooms ??= { ...s.rooms };
    rooms[jid] = next;
  }
  if (!rooms && !invitations && bookmarks === s.bookmarks && bookmarksLoaded === s.bookmarksLoaded && seq === s.seq && open === s.open) return s;
  return { ...s, rooms: rooms ?? s.rooms, invitations: invitations ?? s.invitations, bookmarks, bookmarksLoaded, open, seq };
}

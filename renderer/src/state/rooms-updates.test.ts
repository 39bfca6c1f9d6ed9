// The rooms part of the store: didUpdateRooms batches applied as one state change (untouched
// rooms keep their identity, a batch that changes nothing keeps the slice), the occupant map
// copied at most once per batch however many occupants change, unread counts, message states
// that only move forward, history pages with a (time, id) cursor, and what a kick leaves behind.
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { BastionApi, EventName, EventPayload, GroupMessageWire, Occupant, RoomSummary, RoomUpdate } from '../../../shared/ipc/index';
import { bootstrap } from './bootstrap';
import { loadOlderRoomHistory, ROOM_HISTORY_PAGE } from './rooms-actions';
import { applyRoomsBatch } from './rooms-updates';
import { groupMessageSent, initialRooms, markRoomReadUpTo, roomHistoryLoaded, roomsSnapshot, type Room, type RoomsSlice } from './slices/rooms';
import { resetStore, useStore } from './store';
import { manualFrames } from './testing/manual-frames';

const ROOM = 'ops@conference.example.mil';
const OTHER = 'lounge@conference.example.mil';
// System lines are stamped now; live messages here are from just before.
const NOW = () => '2025-11-22T13:00:00.000Z';

const summary = (room: string, over: Partial<RoomSummary> = {}): RoomSummary => ({
  room,
  nick: 'alice',
  membersOnly: false,
  passwordProtected: false,
  nonAnonymous: false,
  archived: true,
  ...over,
});
const occ = (nick: string, over: Partial<Occupant> = {}): Occupant => ({ nick, role: 'participant', affiliation: 'none', show: 'online', self: false, ...over });
let seq = 0;
const gm = (room: string, over: Partial<GroupMessageWire> = {}): GroupMessageWire => {
  seq += 1;
  return { room, id: `g${seq}`, nick: 'bob', direction: 'in', body: `text ${seq}`, at: new Date(Date.UTC(2025, 10, 22, 12, 0, seq)).toISOString(), state: 'received', corrected: false, ...over };
};
const joined = (room: string, occupants: readonly Occupant[] = [occ('alice', { self: true, role: 'moderator', affiliation: 'owner' })]): RoomUpdate => ({ kind: 'joined', room: summary(room), occupants });
const apply = (s: RoomsSlice, updates: readonly RoomUpdate[]): RoomsSlice => applyRoomsBatch(s, updates, NOW);
const room = (s: RoomsSlice, jid = ROOM): Room => {
  const r = s.rooms[jid];
  if (!r) throw new Error(`no room ${jid}`);
  return r;
};
const bodies = (s: RoomsSlice, jid = ROOM): string[] =>
  room(s, jid).order.map((k) => {
    const e = room(s, jid).byKey[k];
    return e?.kind === 'group' ? e.message.body : e?.kind === 'system' ? `[${e.event.type}]` : (e?.body ?? '?');
  });

afterEach(() => {
  vi.unstubAllGlobals();
  resetStore();
});

describe('applying a didUpdateRooms batch', () => {
  it('applies a mixed batch (join, messages, subject, status) in one state change', () => {
    const s = apply(initialRooms, [
      joined(ROOM, [occ('alice', { self: true }), occ('bob')]),
      { kind: 'message', message: gm(ROOM, { body: 'hello' }) },
      { kind: 'subject', room: ROOM, subject: 'Planning', by: 'bob', initial: false },
      { kind: 'status', room: ROOM, code: 170, text: 'This room is now logged', self: false },
    ]);
    expect([...room(s).occupants.keys()]).toEqual(['alice', 'bob']);
    expect(room(s).summary.subject).toBe('Planning');
    expect(bodies(s)).toEqual(['hello', '[subject]', '[status]']);
    expect(room(s).unread).toHaveLength(1);
  });

  it('a batch for one room leaves the other room the same object; a batch that changes nothing keeps the slice', () => {
    const s1 = apply(initialRooms, [joined(ROOM), joined(OTHER)]);
    const s2 = apply(s1, [{ kind: 'message', message: gm(OTHER) }]);
    expect(s2.rooms[ROOM]).toBe(s1.rooms[ROOM]);
    expect(s2.rooms[OTHER]).not.toBe(s1.rooms[OTHER]);
    // The same occupant again, a state for nothing, a room we are not in: no change at all.
    const again = apply(s2, [
      { kind: 'occupants', room: ROOM, set: [occ('alice', { self: true, role: 'moderator', affiliation: 'owner' })], removed: [] },
      { kind: 'message', message: gm('nowhere@conference.example.mil') },
      { kind: 'occupants', room: 'nowhere@conference.example.mil', set: [occ('x')], removed: [] },
    ]);
    expect(again).toBe(s2);
  });

  it('a 2,000-occupant join builds one map; a batch changing all 2,000 copies it once (O(1) per occupant); unchanged occupants keep their objects', () => {
    const many = Array.from({ length: 2000 }, (_, i) => occ(`user${i}`));
    // Counts map copies (a Map built from another) and entry writes (the constructor writes
    // through set() too): copying per change would be 2,000 copies and ~4,000,000 writes.
    let copies = 0;
    let writes = 0;
    const RealMap = Map;
    vi.stubGlobal(
      'Map',
      class CountingMap<K, V> extends RealMap<K, V> {
        constructor(entries?: Iterable<readonly [K, V]> | null) {
          super(entries);
          if (entries instanceof RealMap) copies += 1;
        }
        override set(k: K, v: V): this {
          writes += 1;
          return super.set(k, v);
        }
      },
    );
    const s1 = apply(initialRooms, [joined(ROOM, many)]);
    expect(room(s1).occupants.size).toBe(2000);
    expect(copies).toBe(0);
    expect(writes).toBeLessThan(2000 + 10);

    copies = 0;
    writes = 0;
    const changes = many.map((o, i) => ({ ...o, show: i % 2 ? 'away' : 'dnd' }) as Occupant);
    const s2 = apply(s1, [{ kind: 'occupants', room: ROOM, set: changes, removed: [] }]);
    expect(copies).toBe(1);
    expect(writes).toBeLessThan(2 * 2000 + 10);
    expect(room(s2).occupants.get('user7')?.show).toBe('away');

    // One occupant changes: the others are the very same objects (their rows do not re-render).
    copies = 0;
    const s3 = apply(s2, [{ kind: 'occupants', room: ROOM, set: [occ('user7', { show: 'xa', status: 'lunch' })], removed: [{ nick: 'user8', reason: 'left' }] }]);
    expect(copies).toBe(1);
    expect(room(s3).occupants.get('user6')).toBe(room(s2).occupants.get('user6'));
    expect(room(s3).occupants.get('user7')).toMatchObject({ show: 'xa', status: 'lunch' });
    expect(room(s3).occupants.has('user8')).toBe(false);
    // The map of the earlier state was not touched (its subscribers compare against it).
    expect(room(s2).occupants.has('user8')).toBe(true);
    // The timeline was not copied by an occupant-only batch.
    expect(room(s3).byKey).toBe(room(s2).byKey);
    // An identical occupant again: no copy at all.
    copies = 0;
    expect(apply(s3, [{ kind: 'occupants', room: ROOM, set: [occ('user9', { show: 'away' })], removed: [] }])).toBe(s3);
    expect(copies).toBe(0);
  });

  it('a 2,000-occupant join arriving as 40 events is one store commit in the next frame', () => {
    const frames = manualFrames();
    resetStore(frames);
    const fake = fakeApi();
    bootstrap(fake.api);
    fake.emit('didUpdateRooms', { updates: [joined(ROOM)] });
    for (let b = 0; b < 40; b++) {
      fake.emit('didUpdateRooms', { updates: [{ kind: 'occupants', room: ROOM, set: Array.from({ length: 50 }, (_, i) => occ(`u${b * 50 + i}`)), removed: [] }] });
    }
    let commits = 0;
    const unsub = useStore.subscribe(() => {
      commits += 1;
    });
    frames.frame();
    unsub();
    expect(commits).toBe(1);
    expect(useStore.getState().rooms.rooms[ROOM]?.occupants.size).toBe(2001);
  });

  it('a nick is any string: "__proto__" and "constructor" are occupants like others', () => {
    const s = apply(initialRooms, [joined(ROOM, [occ('__proto__'), occ('constructor'), occ('alice', { self: true })])]);
    expect([...room(s).occupants.keys()].sort()).toEqual(['__proto__', 'alice', 'constructor']);
    const s2 = apply(s, [{ kind: 'occupants', room: ROOM, set: [], removed: [{ nick: '__proto__', reason: 'kicked', actor: 'mod' }] }]);
    expect(room(s2).occupants.has('__proto__')).toBe(false);
  });

  it('our self occupant with a new nick (a nick change) updates the room’s nick', () => {
    const s1 = apply(initialRooms, [joined(ROOM, [occ('alice', { self: true })])]);
    const s2 = apply(s1, [{ kind: 'occupants', room: ROOM, set: [occ('alice2', { self: true })], removed: [{ nick: 'alice', reason: 'nick-change', newNick: 'alice2' }] }]);
    expect(room(s2).summary.nick).toBe('alice2');
    expect(room(s2).order.map((k) => room(s2).byKey[k])).toMatchObject([{ kind: 'system', event: { type: 'removed', reason: 'nick-change', newNick: 'alice2' } }]);
  });
});

describe('unread, states and removals', () => {
  it('live messages from others count as unread; ours, history, system lines and room messages do not', () => {
    let s = apply(initialRooms, [joined(ROOM)]);
    s = apply(s, [
      { kind: 'message', message: gm(ROOM) },
      { kind: 'message', message: gm(ROOM, { nick: undefined, body: 'from the room' }) },
      { kind: 'message', message: gm(ROOM, { direction: 'out', nick: 'alice', state: 'sent' }) },
      { kind: 'status', room: ROOM, code: 104, text: 'x', self: false },
      { kind: 'private-message', room: ROOM, nick: 'carol', id: 'p1', body: 'psst', at: NOW() },
    ]);
    s = roomHistoryLoaded(s, ROOM, [gm(ROOM, { at: '2025-01-01T00:00:00.000Z' })], { limit: 50 });
    expect(room(s).unread).toHaveLength(2);
    const last = room(s).order[room(s).order.length - 1] ?? '';
    const read = markRoomReadUpTo(room(s), last);
    expect(read.unread).toEqual([]);
  });

  it('our message: the room’s reflection can come before the send answer; states only move forward', () => {
    let s = apply(initialRooms, [joined(ROOM)]);
    s = apply(s, [{ kind: 'message-state', room: ROOM, id: 'mine1', state: 'sent' }]);
    s = groupMessageSent(s, gm(ROOM, { id: 'mine1', direction: 'out', nick: 'alice', state: 'queued' }));
    const key = room(s).order[0] ?? '';
    expect(room(s).byKey[key]).toMatchObject({ kind: 'group', message: { state: 'sent' } });
    expect(room(s).pendingStates).toEqual({});
    // A late 'failed' does not undo 'sent' from the room; a failure of a queued one shows.
    s = apply(s, [{ kind: 'message-state', room: ROOM, id: 'mine1', state: 'failed' }]);
    expect(room(s).byKey[key]).toMatchObject({ message: { state: 'failed' } });
    s = groupMessageSent(s, gm(ROOM, { id: 'mine2', direction: 'out', nick: 'alice', state: 'queued' }));
    s = apply(s, [{ kind: 'message-state', room: ROOM, id: 'mine2', state: 'sent' }]);
    expect(room(s).byKey['out:mine2']).toMatchObject({ message: { state: 'sent' } });
    // The same message delivered again (main re-sends it as history) is not a second line.
    s = apply(s, [{ kind: 'message', message: gm(ROOM, { id: 'mine2', direction: 'out', nick: 'alice', state: 'sent' }) }]);
    expect(room(s).order.filter((k) => k === 'out:mine2')).toHaveLength(1);
  });

  it('two occupants using the same message id are two messages', () => {
    let s = apply(initialRooms, [joined(ROOM)]);
    s = apply(s, [
      { kind: 'message', message: gm(ROOM, { id: 'same', nick: 'bob', body: 'from bob' }) },
      { kind: 'message', message: gm(ROOM, { id: 'same', nick: 'carol', body: 'from carol' }) },
    ]);
    expect(bodies(s)).toEqual(['from bob', 'from carol']);
  });

  it('kicked: the room stays (not joined, no occupants) with a line that says who and why; leaving on purpose removes it', () => {
    let s = apply(initialRooms, [joined(ROOM, [occ('alice', { self: true }), occ('bob')]), joined(OTHER)]);
    s = { ...s, open: OTHER };
    s = apply(s, [{ kind: 'left', room: ROOM, reason: 'kicked', actor: 'owner', text: 'Off topic' }]);
    expect(room(s)).toMatchObject({ joined: false, left: { reason: 'kicked', actor: 'owner', text: 'Off topic' } });
    expect(room(s).occupants.size).toBe(0);
    const line = room(s).byKey[room(s).order[0] ?? ''];
    expect(line).toMatchObject({ kind: 'system', event: { type: 'left', reason: 'kicked', actor: 'owner', text: 'Off topic' } });
    s = apply(s, [{ kind: 'left', room: OTHER, reason: 'left' }]);
    expect(s.rooms[OTHER]).toBeUndefined();
    expect(s.open).toBeUndefined();
    // Joining again brings the room back with its timeline.
    s = apply(s, [joined(ROOM)]);
    expect(room(s).joined).toBe(true);
    expect(room(s).order).toHaveLength(1);
  });

  it('someone else kicked: a system line; a plain departure: none', () => {
    let s = apply(initialRooms, [joined(ROOM, [occ('alice', { self: true }), occ('bob'), occ('carol')])]);
    s = apply(s, [
      {
        kind: 'occupants',
        room: ROOM,
        set: [],
        removed: [
          { nick: 'bob', reason: 'kicked', actor: 'alice', text: 'spam' },
          { nick: 'carol', reason: 'left' },
        ],
      },
      // main's bare sentence for status 307 (no nick): the line above says it better.
      { kind: 'status', room: ROOM, code: 307, text: 'Kicked from the room', self: false },
    ]);
    expect(room(s).order.map((k) => room(s).byKey[k])).toMatchObject([{ kind: 'system', event: { type: 'removed', nick: 'bob', reason: 'kicked', actor: 'alice', text: 'spam' } }]);
  });

  it('the subject sent on joining is no line; a change by someone is; invitations and voice requests are kept once', () => {
    let s = apply(initialRooms, [joined(ROOM), { kind: 'subject', room: ROOM, subject: 'Old', initial: true }]);
    expect(room(s).order).toHaveLength(0);
    s = apply(s, [
      { kind: 'subject', room: ROOM, subject: 'New', by: 'bob', initial: false },
      { kind: 'invitation', id: 'i1', room: OTHER, from: 'bob@example.mil', hasPassword: false, via: 'mediated' },
      { kind: 'invitation', id: 'i1', room: OTHER, from: 'bob@example.mil', hasPassword: false, via: 'mediated' },
      { kind: 'voice-request', id: 'v1', room: ROOM, nick: 'visitor1' },
      { kind: 'voice-request', id: 'v2', room: ROOM, nick: 'visitor1' },
    ]);
    expect(bodies(s)).toEqual(['[subject]']);
    expect(s.invitations.map((i) => i.id)).toEqual(['i1']);
    expect(room(s).voiceRequests.map((v) => v.id)).toEqual(['v1']);
  });

  it('getRooms replaces occupants and keeps messages; a room main no longer has goes unless it says why we left', () => {
    let s = apply(initialRooms, [joined(ROOM, [occ('alice', { self: true }), occ('bob')]), joined(OTHER), { kind: 'message', message: gm(ROOM) }]);
    s = roomsSnapshot(s, [{ room: summary(ROOM, { name: 'Operations' }), occupants: [occ('alice', { self: true }), occ('dave')] }]);
    expect(room(s).summary.name).toBe('Operations');
    expect([...room(s).occupants.keys()]).toEqual(['alice', 'dave']);
    expect(room(s).order).toHaveLength(1);
    expect(s.rooms[OTHER]).toBeUndefined();
  });
});

describe('room history pages', () => {
  it('pages merge in time order, duplicates are ignored, and a short page marks the start', () => {
    let s = apply(initialRooms, [joined(ROOM)]);
    const live = gm(ROOM, { body: 'live', at: '2025-11-22T12:30:00.000Z' });
    s = apply(s, [{ kind: 'message', message: live }]);
    const page = Array.from({ length: ROOM_HISTORY_PAGE }, (_, i) => gm(ROOM, { body: `old ${i}`, at: new Date(Date.UTC(2025, 10, 22, 11, 0, i)).toISOString() }));
    s = roomHistoryLoaded(s, ROOM, [...page, live], { limit: ROOM_HISTORY_PAGE });
    expect(bodies(s)[0]).toBe('old 0');
    expect(bodies(s).at(-1)).toBe('live');
    expect(room(s).order).toHaveLength(ROOM_HISTORY_PAGE + 1);
    expect(room(s).history).toEqual({ status: 'ready', complete: false });
    s = roomHistoryLoaded(s, ROOM, [gm(ROOM, { body: 'oldest', at: '2025-11-22T10:00:00.000Z' })], { limit: ROOM_HISTORY_PAGE });
    expect(bodies(s)[0]).toBe('oldest');
    expect(room(s).history.complete).toBe(true);
  });

  it('an older page is asked with the oldest group message’s time and id (system lines are not a cursor)', async () => {
    resetStore(manualFrames());
    const first = gm(ROOM, { id: 'first', at: '2025-11-22T11:00:00.000Z' });
    let s = apply(initialRooms, [joined(ROOM)]);
    s = roomHistoryLoaded(s, ROOM, [first, ...Array.from({ length: ROOM_HISTORY_PAGE - 1 }, () => gm(ROOM))], { limit: ROOM_HISTORY_PAGE });
    // A system line older than everything (a clock skew) must not become the cursor.
    s = { ...s, rooms: { ...s.rooms, [ROOM]: { ...room(s), order: ['sys:0', ...room(s).order], byKey: { ...room(s).byKey, 'sys:0': { kind: 'system', id: '0', at: '2020-01-01T00:00:00.000Z', event: { type: 'status', text: 'x' } } } } } };
    useStore.setState({ ...useStore.getState(), rooms: s });
    const calls: unknown[] = [];
    const api = {
      invoke: (name: string, input: unknown) => {
        calls.push({ name, input });
        return Promise.resolve({ ok: true, value: { messages: [] } });
      },
      on: () => () => undefined,
    } as unknown as BastionApi;
    await loadOlderRoomHistory(api, ROOM);
    expect(calls).toEqual([{ name: 'getRoomHistory', input: { room: ROOM, limit: ROOM_HISTORY_PAGE, before: '2025-11-22T11:00:00.000Z', beforeId: 'first' } }]);
  });
});

function fakeApi(): { api: BastionApi; emit<K extends EventName>(name: K, payload: EventPayload<K>): void } {
  const listeners = new Map<string, Set<(p: unknown) => void>>();
  const api = {
    invoke: () => new Promise(() => {}),
    on: (name: string, l: (p: unknown) => void) => {
      const set = listeners.get(name) ?? new Set();
      listeners.set(name, set.add(l));
      return () => void set.delete(l);
    },
  } as unknown as BastionApi;
  return { api, emit: (name, payload) => listeners.get(name)?.forEach((l) => l(payload)) };
}


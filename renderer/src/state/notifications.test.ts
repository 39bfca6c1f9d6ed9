// When the renderer asks main for an OS notification: live incoming one-to-one messages and room
// mentions of our nick, never our own, never catch-up, never what the user is looking at, and at
// most one per conversation per 10 s.
import { describe, expect, it } from 'vitest';
import type { ChatMessage, GroupMessageWire, ImUpdate, RoomSummary, RoomUpdate } from '../../../shared/ipc/index';
import { CATCH_UP_MS, imNotifications, mentions, parseTag, roomNotifications, THROTTLE_MS, type Throttle } from './notifications';
import { emptyRoom } from './slices/rooms';
import { initialState, type RootState } from './store';

const NOW = Date.UTC(2026, 0, 5, 12, 0, 0);
const iso = (ms: number): string => new Date(ms).toISOString();
let seq = 0;
const chat = (over: Partial<ChatMessage> = {}): ImUpdate => {
  seq += 1;
  return { kind: 'message', message: { peer: 'bob@example.mil', direction: 'in', id: `m${seq}`, sender: 'bob@example.mil/pc', body: 'hello', at: iso(NOW - 1000), state: 'received', corrected: false, ...over } };
};
const summary: RoomSummary = { room: 'ops@conference.example.mil', nick: 'alice', name: 'Ops room', membersOnly: false, passwordProtected: false, nonAnonymous: false, archived: true };
const gm = (over: Partial<GroupMessageWire> = {}): RoomUpdate => {
  seq += 1;
  return { kind: 'message', message: { room: summary.room, id: `g${seq}`, nick: 'bob', direction: 'in', body: 'alice: ping', at: iso(NOW - 1000), state: 'received', corrected: false, ...over } };
};

function state(over: { chatOpen?: string; roomOpen?: string } = {}): RootState {
  return {
    ...initialState,
    roster: { ...initialState.roster, contacts: { 'bob@example.mil': { jid: 'bob@example.mil', name: 'Bob Jones', subscription: 'both', pendingOut: false, groups: [] } } },
    chats: { ...initialState.chats, open: over.chatOpen },
    rooms: { ...initialState.rooms, rooms: { [summary.room]: emptyRoom(summary) }, open: over.roomOpen },
  };
}
const away = { focused: false, now: NOW };
const front = { focused: true, now: NOW };

describe('one-to-one notifications', () => {
  it('a live incoming message while the window is unfocused: contact name, body, chat tag', () => {
    expect(imNotifications(state(), [chat({ body: 'x'.repeat(300) })], away, new Map())).toEqual([{ title: 'Bob Jones', body: 'x'.repeat(120), tag: 'chat:bob@example.mil' }]);
  });

  it('focused but another conversation (or a room) open: notifies; that conversation open and focused: silent', () => {
    expect(imNotifications(state({ chatOpen: 'carol@example.mil' }), [chat()], front, new Map())).toHaveLength(1);
    expect(imNotifications(state({ chatOpen: 'bob@example.mil', roomOpen: summary.room }), [chat()], front, new Map())).toHaveLength(1);
    expect(imNotifications(state({ chatOpen: 'bob@example.mil' }), [chat()], front, new Map())).toEqual([]);
    expect(imNotifications(state({ chatOpen: 'bob@example.mil' }), [chat()], away, new Map())).toHaveLength(1);
  });

  it('never for our own messages (carbons), catch-up older than the window, or non-message updates', () => {
    const updates: ImUpdate[] = [
      chat({ direction: 'out' }),
      chat({ at: iso(NOW - CATCH_UP_MS - 1) }),
      { kind: 'chat-state', peer: 'bob@example.mil', state: 'composing' },
      { kind: 'message-corrected', peer: 'bob@example.mil', direction: 'in', id: 'm1', body: 'fixed' },
    ];
    expect(imNotifications(state(), updates, away, new Map())).toEqual([]);
  });

  it('an unknown sender is titled with the JID', () => {
    expect(imNotifications(state(), [chat({ peer: 'eve@example.mil' })], away, new Map())[0]?.title).toBe('eve@example.mil');
  });

  it('at most one per conversation per 10 s; other conversations are not held back', () => {
    const throttle: Throttle = new Map();
    expect(imNotifications(state(), [chat(), chat(), chat({ peer: 'carol@example.mil' })], away, throttle)).toHaveLength(2);
    expect(imNotifications(state(), [chat()], { focused: false, now: NOW + THROTTLE_MS - 1 }, throttle)).toEqual([]);
    expect(imNotifications(state(), [chat()], { focused: false, now: NOW + THROTTLE_MS }, throttle)).toHaveLength(1);
  });
});

describe('room notifications', () => {
  it('a live mention of our nick in a room not in front: room name, body, room tag', () => {
    expect(roomNotifications(state(), [gm()], away, new Map())).toEqual([{ title: 'Ops room', body: 'alice: ping', tag: `room:${summary.room}` }]);
  });

  it('no mention, our own reflected message, the room speaking, catch-up, the room open and focused: silent', () => {
    const updates: RoomUpdate[] = [gm({ body: 'hello all' }), gm({ nick: 'alice', direction: 'in' }), gm({ direction: 'out' }), gm({ nick: undefined }), gm({ at: iso(NOW - CATCH_UP_MS - 1) })];
    expect(roomNotifications(state(), updates, away, new Map())).toEqual([]);
    expect(roomNotifications(state({ roomOpen: summary.room }), [gm()], front, new Map())).toEqual([]);
    expect(roomNotifications(state({ roomOpen: summary.room }), [gm()], away, new Map())).toHaveLength(1);
  });

  it('a room we are not in is ignored', () => {
    expect(roomNotifications(state(), [gm({ room: 'other@conference.example.mil' })], away, new Map())).toEqual([]);
  });

  it('mentions: the nick as a word, any case', () => {
    expect(mentions('Alice, look', 'alice')).toBe(true);
    expect(mentions('@alice!', 'alice')).toBe(true);
    expect(mentions('malice aforethought', 'alice')).toBe(false);
    expect(mentions('alicesmith', 'alice')).toBe(false);
  });
});

describe('notification tags', () => {
  it('round-trip to what to open', () => {
    expect(parseTag('chat:bob@example.mil')).toEqual({ kind: 'chat', jid: 'bob@example.mil' });
    expect(parseTag('room:ops@conference.example.mil')).toEqual({ kind: 'room', jid: 'ops@conference.example.mil' });
    expect(parseTag('bogus')).toBeUndefined();
  });
});

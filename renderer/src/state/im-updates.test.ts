// The IM part of the store: didUpdateIm batches applied to the roster and chats slices (one
// state change per batch, untouched slices keep their identity), unread counts, message states
// that only move forward, corrections that are never attributed by guesswork, history paging.
import { afterEach, describe, expect, it } from 'vitest';
import type { BastionApi, ChatMessage, Contact, ContactPresence, EventName, EventPayload, ImUpdate } from '../../../shared/ipc/index';
import { bootstrap } from './bootstrap';
import { applyImBatch, type ImState } from './im-updates';
import { selectRoute } from './selectors';
import { historyLoaded, initialChats, markReadUpTo, messageKey, nextState, outgoingAdded, type Conversation } from './slices/chats';
import { initialRoster, rosterSnapshot } from './slices/roster';
import { initialState, resetStore, useStore } from './store';
import { manualFrames } from './testing/manual-frames';

const BOB = 'bob@example.mil';
const CAROL = 'carol@example.mil';
const start: ImState = { roster: initialRoster, chats: initialChats };

const contact = (jid: string, over: Partial<Contact> = {}): Contact => ({ jid, subscription: 'both', pendingOut: false, groups: [], ...over });
const presence = (jid: string, show: ContactPresence['show'], status?: string): ContactPresence => ({
  jid,
  show,
  ...(status ? { status } : {}),
  resources: show === 'offline' ? [] : [{ resource: 'desk', show, ...(status ? { status } : {}), priority: 0 }],
});
let seq = 0;
const msg = (peer: string, direction: 'in' | 'out', over: Partial<ChatMessage> = {}): ChatMessage => {
  seq += 1;
  return {
    peer,
    direction,
    id: `m${seq}`,
    sender: direction === 'in' ? `${peer}/desk` : 'alice@example.mil',
    body: `text ${seq}`,
    at: new Date(Date.UTC(2025, 10, 22, 12, 0, seq)).toISOString(),
    state: direction === 'in' ? 'received' : 'sent',
    corrected: false,
    ...over,
  };
};
const conv = (s: ImState, peer: string): Conversation => {
  const c = s.chats.conversations[peer];
  if (!c) throw new Error(`no conversation with ${peer}`);
  return c;
};
const bodies = (s: ImState, peer: string): string[] => conv(s, peer).order.map((k) => conv(s, peer).byKey[k]?.body ?? '?');

describe('applying a didUpdateIm batch', () => {
  it('applies a mixed batch in one state change; superseded presence updates end with the last one', () => {
    const updates: ImUpdate[] = [
      { kind: 'contact', contact: contact(BOB, { name: 'Bob', groups: ['Ops'] }) },
      ...Array.from({ length: 50 }, (_, i): ImUpdate => ({ kind: 'presence', presence: presence(BOB, i % 2 ? 'away' : 'dnd', `s${i}`) })),
      { kind: 'message', message: msg(BOB, 'in', { body: 'hello' }) },
      { kind: 'chat-state', peer: CAROL, state: 'composing' },
    ];
    const s = applyImBatch(start, updates);
    expect(s.roster.contacts[BOB]?.name).toBe('Bob');
    expect(s.roster.presence[BOB]).toMatchObject({ show: 'away', status: 's49' });
    expect(bodies(s, BOB)).toEqual(['hello']);
    expect(conv(s, CAROL).peerState).toBe('composing');
  });

  it('a presence-only batch leaves the chats slice as it was, and an unchanged presence leaves everything as it was', () => {
    const s1 = applyImBatch(start, [{ kind: 'contact', contact: contact(BOB) }, { kind: 'message', message: msg(BOB, 'in') }]);
    const s2 = applyImBatch(s1, [{ kind: 'presence', presence: presence(BOB, 'online', 'here') }]);
    expect(s2.chats).toBe(s1.chats);
    expect(s2.roster.contacts).toBe(s1.roster.contacts);
    expect(s2.roster.presence).not.toBe(s1.roster.presence);
    const s3 = applyImBatch(s2, [{ kind: 'presence', presence: presence(BOB, 'online', 'here') }, { kind: 'contact', contact: contact(BOB) }]);
    expect(s3).toBe(s2);
  });

  it('a batch that only touches Carol leaves the conversation with Bob the same object', () => {
    const s1 = applyImBatch(start, [{ kind: 'message', message: msg(BOB, 'in') }]);
    const s2 = applyImBatch(s1, [{ kind: 'message', message: msg(CAROL, 'in') }]);
    expect(s2.chats.conversations[BOB]).toBe(s1.chats.conversations[BOB]);
  });

  it('removing a contact drops their presence too', () => {
    const s1 = applyImBatch(start, [{ kind: 'contact', contact: contact(BOB) }, { kind: 'presence', presence: presence(BOB, 'online') }]);
    const s2 = applyImBatch(s1, [{ kind: 'contact-removed', jid: BOB }]);
    expect(s2.roster.contacts[BOB]).toBeUndefined();
    expect(s2.roster.presence[BOB]).toBeUndefined();
  });
});

describe('subscription requests [IMPP-P1]', () => {
  it('a request waits until it is answered, here or by a roster push that shows the contact already sees us', () => {
    let s = applyImBatch(start, [
      { kind: 'subscription-request', from: BOB, status: 'It is Bob' },
      { kind: 'subscription-request', from: CAROL },
      { kind: 'subscription-request', from: BOB, status: 'Bob again' },
    ]);
    expect(s.roster.requests).toEqual([
      { from: BOB, status: 'Bob again' },
      { from: CAROL, status: undefined },
    ]);
    s = applyImBatch(s, [{ kind: 'subscription-answered', from: CAROL }]);
    expect(s.roster.requests.map((r) => r.from)).toEqual([BOB]);
    s = applyImBatch(s, [{ kind: 'contact', contact: contact(BOB, { subscription: 'to' }) }]);
    expect(s.roster.requests).toHaveLength(1); // 'to': we see them, they still do not see us
    s = applyImBatch(s, [{ kind: 'contact', contact: contact(BOB, { subscription: 'from' }) }]);
    expect(s.roster.requests).toEqual([]);
  });

  it('the getRoster snapshot replaces contacts and presence and keeps the texts of requests it still lists', () => {
    const s = applyImBatch(start, [
      { kind: 'contact', contact: contact('gone@example.mil') },
      { kind: 'subscription-request', from: BOB, status: 'hi' },
    ]);
    const r = rosterSnapshot(s.roster, { contacts: [contact(CAROL)], presence: [presence(CAROL, 'dnd')], requests: [BOB, 'dave@example.mil'] });
    expect(Object.keys(r.contacts)).toEqual([CAROL]);
    expect(r.presence[CAROL]?.show).toBe('dnd');
    expect(r.requests).toEqual([{ from: BOB, status: 'hi' }, { from: 'dave@example.mil' }]);
    expect(r.loaded).toBe(true);
  });
});

describe('messages and unread counts', () => {
  it('live incoming messages count as unread, once each; ours and history pages do not', () => {
    const m1 = msg(BOB, 'in');
    const m2 = msg(BOB, 'in');
    let s = applyImBatch(start, [{ kind: 'message', message: m1 }, { kind: 'message', message: m1 }, { kind: 'message', message: m2 }, { kind: 'message', message: msg(BOB, 'out') }]);
    expect(conv(s, BOB).unread).toHaveLength(2);
    expect(conv(s, BOB).order).toHaveLength(3);
    s = { ...s, chats: historyLoaded(s.chats, BOB, [msg(BOB, 'in'), msg(BOB, 'in')], { limit: 50, page: 'older' }) };
    expect(conv(s, BOB).unread).toHaveLength(2);
    expect(conv(s, BOB).order).toHaveLength(5);
  });

  it('marking a message displayed clears it and everything before it, not what came after', () => {
    const [a, b, c] = [msg(BOB, 'in'), msg(BOB, 'in'), msg(BOB, 'in')];
    const s = applyImBatch(start, [a, b, c].map((message): ImUpdate => ({ kind: 'message', message })));
    const read = markReadUpTo(conv(s, BOB), messageKey('in', b.id));
    expect(read.unread).toEqual([messageKey('in', c.id)]);
    expect(markReadUpTo(read, messageKey('in', b.id))).toBe(read);
  });

  it('messages are ordered by time: an archived message from earlier goes before newer ones', () => {
    const late = msg(BOB, 'in', { body: 'late' });
    const early = msg(BOB, 'in', { body: 'early', at: '2025-11-22T11:00:00.000Z' });
    const s = applyImBatch(start, [{ kind: 'message', message: late }, { kind: 'message', message: early }]);
    expect(bodies(s, BOB)).toEqual(['early', 'late']);
  });

  it("a peer's message ends their typing state", () => {
    let s = applyImBatch(start, [{ kind: 'chat-state', peer: BOB, state: 'composing' }]);
    s = applyImBatch(s, [{ kind: 'message', message: msg(BOB, 'in') }]);
    expect(conv(s, BOB).peerState).toBe('active');
  });
});

describe('message states', () => {
  it('only move forward; failure replaces an unconfirmed state; a failed message that goes out moves on', () => {
    expect(nextState('queued', 'sent')).toBe('sent');
    expect(nextState('displayed', 'delivered')).toBe('displayed');
    expect(nextState('delivered', 'sent')).toBe('delivered');
    expect(nextState('sent', 'failed')).toBe('failed');
    expect(nextState('delivered', 'failed')).toBe('delivered');
    expect(nextState('failed', 'sent')).toBe('sent');
    expect(nextState('received', 'displayed')).toBe('received');
  });

  it('a state that arrives before the sendMessage answer is applied when the message is added', () => {
    const m = msg(BOB, 'out', { state: 'queued' });
    let s = applyImBatch(start, [{ kind: 'message-state', peer: BOB, id: m.id, state: 'sent' }]);
    s = { ...s, chats: outgoingAdded(s.chats, m) };
    expect(conv(s, BOB).byKey[messageKey('out', m.id)]?.state).toBe('sent');
    expect(conv(s, BOB).pendingStates).toEqual({});
    s = applyImBatch(s, [
      { kind: 'message-state', peer: BOB, id: m.id, state: 'displayed' },
      { kind: 'message-state', peer: BOB, id: m.id, state: 'delivered' },
    ]);
    expect(conv(s, BOB).byKey[messageKey('out', m.id)]?.state).toBe('displayed');
  });

  it("a state update names our message only: a peer's message with the same id is untouched", () => {
    const theirs = msg(BOB, 'in', { id: 'same' });
    const s = applyImBatch(start, [
      { kind: 'message', message: theirs },
      { kind: 'message-state', peer: BOB, id: 'same', state: 'failed' },
    ]);
    expect(conv(s, BOB).byKey[messageKey('in', 'same')]?.state).toBe('received');
  });
});

describe('corrections (XEP-0308)', () => {
  it('replace the body and mark the message edited', () => {
    const m = msg(BOB, 'in', { body: 'helo' });
    const s = applyImBatch(start, [{ kind: 'message', message: m }, { kind: 'message-corrected', peer: BOB, direction: 'in', id: m.id, body: 'hello' }]);
    expect(conv(s, BOB).byKey[messageKey('in', m.id)]).toMatchObject({ body: 'hello', corrected: true });
  });

  it('when ours and theirs share the id, only the message of the direction main names is corrected', () => {
    const mine = msg(BOB, 'out', { id: 'dup', body: 'mine' });
    const theirs = msg(BOB, 'in', { id: 'dup', body: 'theirs' });
    const s = applyImBatch(start, [
      { kind: 'message', message: mine },
      { kind: 'message', message: theirs },
      { kind: 'message-corrected', peer: BOB, direction: 'in', id: 'dup', body: 'corrected by them' },
    ]);
    expect(conv(s, BOB).byKey[messageKey('in', 'dup')]?.body).toBe('corrected by them');
    expect(conv(s, BOB).byKey[messageKey('out', 'dup')]?.body).toBe('mine');
  });
});

describe('history pages', () => {
  it('a full page leaves more to load; a short one marks the start of the conversation', () => {
    const page = (n: number) => Array.from({ length: n }, () => msg(BOB, 'in'));
    let c = historyLoaded(initialChats, BOB, page(3), { limit: 3, page: 'latest' });
    expect(c.conversations[BOB]?.history).toEqual({ status: 'ready', complete: false, latest: true, generation: 0 });
    c = historyLoaded(c, BOB, page(2), { limit: 3, page: 'older' });
    expect(c.conversations[BOB]?.history.complete).toBe(true);
    expect(c.conversations[BOB]?.order).toHaveLength(5);
  });
});


describe('through bootstrap and the store', () => {
  afterEach(() => resetStore());

  function fakeApi() {
    const listeners = new Map<string, Set<(p: unknown) => void>>();
    const invoked: string[] = [];
    const api = {
      invoke: (name: string) => {
        invoked.push(name);
        return new Promise(() => {});
      },
      on: (name: string, l: (p: unknown) => void) => {
        const set = listeners.get(name) ?? new Set();
        listeners.set(name, set.add(l));
        return () => void set.delete(l);
      },
    } as unknown as BastionApi;
    const emit = <K extends EventName>(name: K, payload: EventPayload<K>): void => listeners.get(name)?.forEach((l) => l(payload));
    return { api, emit, invoked };
  }

  it('three IM batches in one frame are one store commit', () => {
    const frames = manualFrames();
    resetStore(frames);
    const fake = fakeApi();
    bootstrap(fake.api);
    let commits = 0;
    const off = useStore.subscribe(() => void commits++);
    for (let i = 0; i < 3; i++) fake.emit('didUpdateIm', { updates: [{ kind: 'presence', presence: presence(BOB, 'away', `n${i}`) }, { kind: 'message', message: msg(BOB, 'in') }] });
    frames.frame();
    expect(commits).toBe(1);
    expect(useStore.getState().roster.presence[BOB]?.status).toBe('n2');
    expect(useStore.getState().chats.conversations[BOB]?.unread).toHaveLength(3);
    off();
  });

  it('reconnecting keeps the main window; the link loss forgets presence; the end of the session forgets the account’s IM state', () => {
    const frames = manualFrames();
    resetStore(frames);
    const fake = fakeApi();
    bootstrap(fake.api);
    useStore.setState({ ...initialState, consent: { ...initialState.consent, status: 'ready', acknowledged: true }, app: { ...initialState.app, link: { state: 'ready', info: { name: 'B', version: '0', runtime: 'cli', platform: 'x', versions: {} } } } });
    fake.emit('didChangeConnectionState', { state: 'connected', account: 'alice@example.mil', jid: 'alice@example.mil/r' });
    fake.emit('didUpdateIm', { updates: [{ kind: 'contact', contact: contact(BOB) }, { kind: 'presence', presence: presence(BOB, 'online') }, { kind: 'message', message: msg(BOB, 'in') }] });
    frames.frame();
    expect(fake.invoked).toContain('getRoster');
    expect(selectRoute(useStore.getState())).toBe('connected');
    fake.emit('didChangeConnectionState', { state: 'reconnecting', account: 'alice@example.mil', retryAt: new Date().toISOString(), queued: 2 });
    frames.frame();
    expect(selectRoute(useStore.getState())).toBe('connected');
    expect(useStore.getState().roster.presence).toEqual({});
    expect(useStore.getState().roster.contacts[BOB]).toBeDefined();
    fake.emit('didChangeConnectionState', { state: 'connecting', account: 'alice@example.mil' });
    frames.frame();
    expect(selectRoute(useStore.getState())).toBe('connected');
    fake.emit('didChangeConnectionState', { state: 'failed', account: 'alice@example.mil', error: { stage: 'sasl', message: 'not authorized' } });
    frames.frame();
    const s = useStore.getState();
    expect(selectRoute(s)).toBe('login');
    expect(s.connection.alert?.code).toBe('connection-lost');
    expect(s.roster).toEqual(initialRoster);
    expect(s.chats).toEqual(initialChats);
  });
});

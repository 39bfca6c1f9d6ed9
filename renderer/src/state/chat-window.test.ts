// The bounded history window of a conversation: paging back drops the newest messages, paging
// forward again drops the oldest; live messages that arrive while older history is shown wait in
// the store (incoming ones count as unread) and come with the pages after the window; leaving a
// conversation that shows older history lets its window go.
import { afterEach, describe, expect, it } from 'vitest';
import type { BastionApi, ChatMessage } from '../../../shared/ipc/index';
import { applyImBatch, type ImState } from './im-updates';
import { HISTORY_PAGE, loadLatestHistory, loadNewerHistory, sendMessage } from './im-actions';
import { chatOpened, historyLoaded, initialChats, markReadUpTo, MAX_WINDOW, messageKey, outgoingAdded, type ChatsSlice, type Conversation } from './slices/chats';
import { initialRoster } from './slices/roster';
import { resetStore, useStore } from './store';

const BOB = 'bob@example.mil';
const T0 = Date.UTC(2025, 10, 22, 12, 0, 0);

/** Message number n of a long conversation with Bob, one a second; even ones are his. */
const nth = (n: number, over: Partial<ChatMessage> = {}): ChatMessage => ({
  peer: BOB,
  direction: n % 2 === 0 ? 'in' : 'out',
  id: `m${n}`,
  sender: n % 2 === 0 ? `${BOB}/desk` : 'alice@example.mil',
  body: `text ${n}`,
  at: new Date(T0 + n * 1000).toISOString(),
  state: n % 2 === 0 ? 'received' : 'delivered',
  corrected: false,
  ...over,
});
/** Messages from..to-1, oldest first (what getHistory answers). */
const range = (from: number, to: number): ChatMessage[] => Array.from({ length: Math.max(0, to - from) }, (_, i) => nth(from + i));

/** A store of `total` messages and the window the way the view would page through it. */
function history(total: number) {
  const page = (q: { before?: number; after?: number }): ChatMessage[] =>
    q.before !== undefined ? range(Math.max(0, q.before - HISTORY_PAGE), q.before) : q.after !== undefined ? range(q.after + 1, Math.min(total, q.after + 1 + HISTORY_PAGE)) : range(Math.max(0, total - HISTORY_PAGE), total);
  return { page };
}

const conv = (s: ChatsSlice): Conversation => s.conversations[BOB] as Conversation;
const first = (c: Conversation): number => Number(c.order[0]?.split(':m')[1]);
const last = (c: Conversation): number => Number(c.order[c.order.length - 1]?.split(':m')[1]);
const opts = (page: 'latest' | 'older' | 'newer') => ({ limit: HISTORY_PAGE, page });

/** Pages back until the window's oldest message is `until` or older. */
function pageBack(s: ChatsSlice, store: ReturnType<typeof history>, until: number): ChatsSlice {
  while (first(conv(s)) > until) s = historyLoaded(s, BOB, store.page({ before: first(conv(s)) }), opts('older'));
  return s;
}

describe('history window', () => {
  it('paging back through 5,000 messages holds at most MAX_WINDOW, dropping the newest; paging forward drops the oldest and reaches the newest again', () => {
    const store = history(5000);
    let s = historyLoaded(initialChats, BOB, store.page({}), opts('latest'));
    expect(conv(s).history).toMatchObject({ latest: true, complete: false });
    s = pageBack(s, store, 1000);
    const c = conv(s);
    expect(c.order).toHaveLength(MAX_WINDOW);
    expect(Object.keys(c.byKey)).toHaveLength(MAX_WINDOW);
    expect(first(c)).toBe(1000);
    expect(last(c)).toBe(1000 + MAX_WINDOW - 1);
    expect(c.history).toMatchObject({ latest: false, complete: false });
    // Back to the newest, one page at a time: contiguous, no gaps, no repeats.
    while (!conv(s).history.latest) {
      const before = conv(s);
      s = historyLoaded(s, BOB, store.page({ after: last(before) }), opts('newer'));
      const after = conv(s);
      expect(after.order.length).toBeLessThanOrEqual(MAX_WINDOW);
      expect(last(after) - first(after) + 1).toBe(after.order.length);
    }
    expect(last(conv(s))).toBe(4999);
    expect(conv(s).history.complete).toBe(false);
    // And all the way back to the start: complete, the newest dropped.
    s = pageBack(s, store, 0);
    s = historyLoaded(s, BOB, store.page({ before: 0 }), opts('older'));
    expect(conv(s).history).toMatchObject({ complete: true, latest: false });
    expect(first(conv(s))).toBe(0);
  });

  it('a live message while older history is shown stays out of the window but counts as unread; the page after the window brings it in, still unread', () => {
    const store = history(2000);
    let s = historyLoaded(initialChats, BOB, store.page({}), opts('latest'));
    s = pageBack(s, store, 500);
    const shown = conv(s).order;
    const live = nth(2000, { body: 'new while reading old history' });
    const carbon = nth(2001, { body: 'sent from my phone' });
    let st: ImState = { roster: initialRoster, chats: s };
    st = applyImBatch(st, [
      { kind: 'message', message: live },
      { kind: 'message', message: carbon },
    ]);
    const c = conv(st.chats);
    expect(c.order).toEqual(shown);
    expect(c.unread).toEqual([messageKey('in', 'm2000')]);
    expect(c.unreadOutside).toEqual({ [messageKey('in', 'm2000')]: live.at });
    expect(c.byKey[messageKey('out', 'm2001')]).toBeUndefined();
    // Our own message confirmed by sendMessage is not added either (the view reloads the newest page).
    expect(conv(outgoingAdded(st.chats, nth(2003)))).toBe(c);
    // Reading older messages does not clear it.
    expect(markReadUpTo(c, c.order[c.order.length - 1] as string).unread).toHaveLength(1);
    // Paging forward brings both in, in order; the incoming one is still unread until seen.
    const later = history(2002);
    let chats = st.chats;
    while (!conv(chats).history.latest) chats = historyLoaded(chats, BOB, later.page({ after: last(conv(chats)) }), opts('newer'));
    const end = conv(chats);
    expect(end.order.slice(-2)).toEqual([messageKey('in', 'm2000'), messageKey('out', 'm2001')]);
    expect(end.unread).toEqual([messageKey('in', 'm2000')]);
    expect(end.unreadOutside).toEqual({});
    expect(markReadUpTo(end, messageKey('out', 'm2001')).unread).toEqual([]);
  });

  it('a read marker on a newer message covers unread messages that fell out of the window', () => {
    const store = history(1000);
    let s = historyLoaded(initialChats, BOB, store.page({}), opts('latest'));
    let st: ImState = { roster: initialRoster, chats: s };
    st = applyImBatch(st, [{ kind: 'message', message: nth(1000) }]);
    // Scrolled far back without seeing it: it falls out of the window.
    s = pageBack(st.chats, history(1001), 100);
    expect(conv(s).unreadOutside).toHaveProperty(messageKey('in', 'm1000'));
    // Meanwhile 60 more came; "jump to newest" loads a page that starts after it.
    s = historyLoaded(s, BOB, history(1061).page({}), { ...opts('latest'), authoritative: true });
    const c = conv(s);
    expect(c.history).toMatchObject({ generation: 1, latest: true });
    expect(c.order).not.toContain(messageKey('in', 'm1000'));
    expect(c.unread).toEqual([messageKey('in', 'm1000')]);
    const read = markReadUpTo(c, messageKey('in', 'm1060'));
    expect(read.unread).toEqual([]);
    expect(read.unreadOutside).toEqual({});
  });

  it('leaving a conversation that shows older history lets the window go and keeps the unread count; one at the newest keeps its window', () => {
    const store = history(3000);
    let s: ChatsSlice = chatOpened(historyLoaded(initialChats, BOB, store.page({}), opts('latest')), BOB);
    expect(conv(chatOpened(s, 'carol@example.mil'))).toBe(conv(s));
    s = pageBack(s, store, 1000);
    s = applyImBatch({ roster: initialRoster, chats: s }, [{ kind: 'message', message: nth(3000) }]).chats;
    const left = conv(chatOpened(s, 'carol@example.mil'));
    expect(left.order).toEqual([]);
    expect(left.byKey).toEqual({});
    expect(left.unread).toEqual([messageKey('in', 'm3000')]);
    expect(left.history).toMatchObject({ status: 'idle', latest: true });
  });
});

describe('history window actions', () => {
  // Updates commit asynchronously, as at an animation frame: the actions must not read back what they just dispatched.
  const frames = { requestFrame: (cb: () => void) => (clearTimeout.bind(null, setTimeout(cb, 0)) as () => void), setTimer: () => () => undefined };
  afterEach(() => resetStore());

  /** getHistory over a store that can grow while a page is on its way. */
  function fakeApi(total: { n: number }) {
    const calls: Record<string, unknown>[] = [];
    const store = () => history(total.n);
    const api = {
      invoke: (name: string, input: Record<string, unknown>) => {
        calls.push({ name, ...input });
        if (name === 'sendMessage') {
          // Main stores it before it answers: the next newest page has it.
          total.n += 2;
          return Promise.resolve({ ok: true, value: { id: `m${total.n - 1}`, at: nth(total.n - 1).at, state: 'queued' } });
        }
        const id = (k: string) => Number(String(input[k]).slice(1));
        const page =
          input['afterId'] !== undefined ? store().page({ after: id('afterId') }) : input['beforeId'] !== undefined ? store().page({ before: id('beforeId') }) : store().page({});
        return Promise.resolve({ ok: true, value: { messages: page } });
      },
      on: () => () => undefined,
    } as unknown as BastionApi;
    return { api, calls };
  }

  it('paging forward to the newest message asks once more after it: what arrived while the last page was on its way is not lost', async () => {
    resetStore(frames);
    const total = { n: 1000 };
    const { api, calls } = fakeApi(total);
    let s = historyLoaded(initialChats, BOB, history(1000).page({}), opts('latest'));
    s = pageBack(s, history(1000), 0);
    s = historyLoaded(s, BOB, history(1000).page({ after: last(conv(s)) }), opts('newer'));
    useStore.setState({ ...useStore.getState(), chats: s });
    const settle = () => new Promise((r) => setTimeout(r, 5));
    // Forward until the next page is the last one (short).
    while (999 - last(conv(useStore.getState().chats)) >= HISTORY_PAGE) {
      await loadNewerHistory(api, BOB);
      await settle();
    }
    // The last page is read; two messages arrive before it is applied (live, so left to the store).
    const realInvoke = api.invoke.bind(api);
    (api as { invoke: unknown }).invoke = async (name: string, input: Record<string, unknown>) => {
      const r = await realInvoke(name as never, input as never);
      if (total.n === 1000) {
        total.n = 1002;
        useStore.setState({ ...useStore.getState(), chats: applyImBatch({ roster: initialRoster, chats: useStore.getState().chats }, [{ kind: 'message', message: nth(1000) }, { kind: 'message', message: nth(1001) }]).chats });
      }
      return r;
    };
    calls.length = 0;
    const from = last(conv(useStore.getState().chats));
    await loadNewerHistory(api, BOB);
    await settle();
    const c = conv(useStore.getState().chats);
    expect(c.history.latest).toBe(true);
    expect(last(c)).toBe(1001);
    expect(calls.map((x) => x['afterId'])).toEqual([`m${from}`, 'm999']);
  });

  it('sending while older history is shown goes back to the newest page, which has the message', async () => {
    resetStore(frames);
    const { api, calls } = fakeApi({ n: 600 });
    let s = historyLoaded(initialChats, BOB, history(600).page({}), opts('latest'));
    s = pageBack(s, history(600), 0);
    useStore.setState({ ...useStore.getState(), chats: s });
    expect(conv(s).history.latest).toBe(false);
    await sendMessage(api, BOB, 'hello');
    await new Promise((r) => setTimeout(r, 10));
    const c = conv(useStore.getState().chats);
    expect(calls.map((x) => x['name'])).toEqual(['sendMessage', 'getHistory', 'getHistory']);
    expect(c.history).toMatchObject({ latest: true, generation: 1 });
    expect(last(c)).toBe(601);
    expect(c.byKey[messageKey('out', 'm601')]).toMatchObject({ body: 'text 601' });
    // Reopened at the newest page already: a plain reload merges, the window stays where it is.
    await loadLatestHistory(api, BOB);
    await new Promise((r) => setTimeout(r, 10));
    expect(conv(useStore.getState().chats).history.generation).toBe(1);
  });
});

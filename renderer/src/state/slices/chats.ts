import type { ChatMessage, MessageStateName } from '../../../../shared/ipc/index';

export type ChatStateName = 'active' | 'composing' | 'paused' | 'inactive' | 'gone';

/**
 * A message's key inside its conversation. Direction is part of it: ids are chosen by senders,
 * so an incoming message may carry the id of one of ours (the store keys on the same triple).
 */
export type MessageKey = string;
export const messageKey = (direction: ChatMessage['direction'], id: string): MessageKey => `${direction}:${id}`;

export interface HistoryState {
  readonly status: 'idle' | 'loading' | 'ready' | 'failed';
  /** Nothing older than what is loaded exists in the store. */
  readonly complete: boolean;
  readonly error?: string | undefined;
}

/**
 * How much of a conversation's history the renderer holds: a window of at most `MAX_WINDOW`
 * messages. Scrolling up loads older pages and drops the newest ones, scrolling back down loads
 * them again, so a page costs the same (copying, ordering, measuring rows) in a conversation of
 * 100 or 100,000 messages.
 */
export interface ChatHistoryState extends HistoryState {
  /** The window ends at the newest message: live messages join it (otherwise they wait in the store). */
  readonly latest: boolean;
  /** Counts the times the window was replaced by the newest page: the view then starts again at the end. */
  readonly generation: number;
  /** While loading: which page is on its way (what the view says meanwhile). */
  readonly loading?: HistoryPage | undefined;
}

/** The most messages of one conversation the renderer holds (10 pages). */
export const MAX_WINDOW = 500;

/** One-to-one conversation with a peer (bare JID): messages normalised by key, ordered by time. */
export interface Conversation {
  readonly peer: string;
  readonly byKey: Readonly<Record<MessageKey, ChatMessage>>;
  /** Keys, oldest first (by `at`, then arrival). */
  readonly order: readonly MessageKey[];
  /** Incoming messages not yet displayed to the user, oldest first (in the window or not). */
  readonly unread: readonly MessageKey[];
  /** Unread messages outside the window (not in `order`): their times, to know when a read marker covers them. */
  readonly unreadOutside: Readonly<Record<MessageKey, string>>;
  /** The peer's last chat state (XEP-0085). */
  readonly peerState: ChatStateName | undefined;
  readonly history: ChatHistoryState;
  /** State updates that arrived before the sendMessage answer that creates the message. */
  readonly pendingStates: Readonly<Record<string, MessageStateName>>;
}

export interface ChatsSlice {
  readonly conversations: Readonly<Record<string, Conversation>>;
  /** The conversation shown in the chat pane. */
  readonly open: string | undefined;
}

export const initialChats: ChatsSlice = { conversations: {}, open: undefined };

export const emptyConversation = (peer: string): Conversation => ({
  peer,
  byKey: {},
  order: [],
  unread: [],
  unreadOutside: {},
  peerState: undefined,
  history: { status: 'idle', complete: false, latest: true, generation: 0 },
  pendingStates: {},
});

/** A conversation being changed by one batch: copied once, then mutated in place. */
export interface ConversationDraft {
  peer: string;
  byKey: Record<MessageKey, ChatMessage>;
  order: MessageKey[];
  unread: MessageKey[];
  unreadOutside: Record<MessageKey, string>;
  peerState: ChatStateName | undefined;
  history: ChatHistoryState;
  pendingStates: Record<string, MessageStateName>;
}

/** Copies are O(window), never O(history): the window is bounded by `MAX_WINDOW`. */
export function draftOf(c: Conversation): ConversationDraft {
  return {
    ...c,
    byKey: { ...c.byKey },
    order: [...c.order],
    unread: [...c.unread],
    unreadOutside: { ...c.unreadOutside },
    pendingStates: { ...c.pendingStates },
  };
}

const RANK: Readonly<Record<MessageStateName, number>> = { queued: 0, sent: 1, delivered: 2, displayed: 3, failed: -1, received: -2 };

/**
 * The state an outgoing message moves to. Receipts and markers can arrive in any order (a
 * receipt after the displayed marker), so states only move forward; 'failed' replaces a state
 * the server has not confirmed beyond, and a failed message that goes out after all moves on.
 */
export function nextState(current: MessageStateName, update: MessageStateName): MessageStateName {
  if (update === 'received' || current === 'received') return current;
  if (update === 'failed') return current === 'queued' || current === 'sent' ? 'failed' : current;
  if (current === 'failed') return update;
  return RANK[update] > RANK[current] ? update : current;
}

/** Inserts a key keeping `order` sorted by time; equal times keep arrival order. */
function insertOrdered(d: ConversationDraft, key: MessageKey, at: string): void {
  let lo = 0;
  let hi = d.order.length;
  // Most messages are the newest: check the end first.
  const last = d.order[hi - 1];
  if (last === undefined || (d.byKey[last]?.at ?? '') <= at) {
    d.order.push(key);
    return;
  }
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const k = d.order[mid] as MessageKey;
    if ((d.byKey[k]?.at ?? '') <= at) lo = mid + 1;
    else hi = mid;
  }
  d.order.splice(lo, 0, key);
}

const MAX_PENDING_STATES = 256;

/**
 * Adds a message (a live one, one of ours the sendMessage answer confirmed, or one from the
 * store's history). An existing key is kept: live updates since it arrived are newer than any
 * history page, and main never sends the same message twice.
 */
export function addMessage(d: ConversationDraft, m: ChatMessage, opts: { readonly live: boolean; readonly replace?: boolean }): boolean {
  const key = messageKey(m.direction, m.id);
  const existing = d.byKey[key];
  if (existing && !opts.replace) return false;
  if (opts.live && !existing && !d.history.latest) {
    // The window shows older history: the message stays in the store and comes with the pages
    // after the window; an incoming one counts as unread meanwhile.
    if (m.direction !== 'in' || key in d.unreadOutside) return false;
    d.unreadOutside[key] = m.at;
    d.unread.push(key);
    d.peerState = 'active';
    return true;
  }
  let msg = m;
  const pending = m.direction === 'out' ? d.pendingStates[m.id] : undefined;
  if (pending) {
    msg = { ...m, state: nextState(m.state, pending) };
    delete d.pendingStates[m.id];
  }
  d.byKey[key] = msg;
  const outside = key in d.unreadOutside;
  if (!existing) insertOrdered(d, key, msg.at);
  if (outside) delete d.unreadOutside[key];
  if (opts.live && m.direction === 'in') {
    if (!existing && !outside) d.unread.push(key);
    // A message is the end of typing (XEP-0085 §5.1: messages carry <active/>).
    d.peerState = 'active';
  }
  return true;
}

export function applyMessageState(d: ConversationDraft, id: string, state: MessageStateName): void {
  const key = messageKey('out', id);
  const m = d.byKey[key];
  if (!m) {
    const ids = Object.keys(d.pendingStates);
    if (ids.length >= MAX_PENDING_STATES && ids[0] !== undefined) delete d.pendingStates[ids[0]];
    d.pendingStates[id] = nextState(d.pendingStates[id] ?? 'queued', state);
    return;
  }
  const next = nextState(m.state, state);
  if (next !== m.state) d.byKey[key] = { ...m, state: next };
}

/** XEP-0308: main says whose message it was, so an id both sides happened to use is not confused. */
export function applyCorrection(d: ConversationDraft, direction: 'in' | 'out', id: string, body: string): void {
  const key = messageKey(direction, id);
  const m = d.byKey[key];
  if (m) d.byKey[key] = { ...m, body, corrected: true };
}

/** The user has seen everything up to and including `key` (XEP-0333: a marker covers the earlier ones). */
export function markReadUpTo(c: Conversation, key: MessageKey): Conversation {
  const idx = c.order.indexOf(key);
  const at = c.byKey[key]?.at;
  if (idx < 0 || at === undefined || c.unread.length === 0) return c;
  const seen = new Set(c.order.slice(0, idx + 1));
  // An unread message outside the window is covered when it is older than the one seen.
  const covered = (k: MessageKey): boolean => seen.has(k) || (c.unreadOutside[k] ?? at) < at;
  const unread = c.unread.filter((k) => !covered(k));
  if (unread.length === c.unread.length) return c;
  const unreadOutside: Record<MessageKey, string> = {};
  for (const k of unread) if (c.unreadOutside[k] !== undefined) unreadOutside[k] = c.unreadOutside[k];
  return { ...c, unread, unreadOutside };
}

export function withConversation(s: ChatsSlice, peer: string, f: (c: Conversation) => Conversation): ChatsSlice {
  const c = s.conversations[peer] ?? emptyConversation(peer);
  const next = f(c);
  return next === c && s.conversations[peer] ? s : { ...s, conversations: { ...s.conversations, [peer]: next } };
}

/**
 * Opens a conversation. The one left behind, if it was showing older history, lets its window go
 * (keeping what is unread): it opens again at the newest messages, and memory stays bounded.
 */
export function chatOpened(s: ChatsSlice, peer: string | undefined): ChatsSlice {
  if (s.open === peer) return s;
  const left = s.open === undefined ? undefined : s.conversations[s.open];
  if (!left || left.history.latest) return { ...s, open: peer };
  const emptied: Conversation = { ...withoutWindow(left), history: emptyConversation(left.peer).history };
  return { ...s, open: peer, conversations: { ...s.conversations, [left.peer]: emptied } };
}

/** The conversation with no message loaded; unread messages keep their place in the count. */
function withoutWindow(c: Conversation): ConversationDraft {
  const unreadOutside: Record<MessageKey, string> = { ...c.unreadOutside };
  for (const k of c.unread) {
    const m = c.byKey[k];
    if (m) unreadOutside[k] = m.at;
  }
  return { ...draftOf(c), byKey: {}, order: [], unreadOutside };
}

/** Which page of the store getHistory answered: the newest, or the one before/after the window. */
export type HistoryPage = 'latest' | 'older' | 'newer';

/**
 * Adds a page from the store (getHistory). 'latest' merges the newest page into what is held, or
 * with `authoritative` replaces the window with it (a reload, "jump to newest"); 'older' and
 * 'newer' extend the window and drop what falls out of `MAX_WINDOW` at the other end.
 */
export function historyLoaded(
  s: ChatsSlice,
  peer: string,
  messages: readonly ChatMessage[],
  opts: { readonly limit: number; readonly page: HistoryPage; readonly authoritative?: boolean },
): ChatsSlice {
  return withConversation(s, peer, (c) => {
    // A short page means the store has nothing further in that direction.
    const short = messages.length < opts.limit;
    if (opts.page === 'latest' && (opts.authoritative || !c.history.latest)) {
      const d = withoutWindow(c);
      d.history = { status: 'ready', complete: short, latest: true, generation: c.history.generation + 1 };
      for (const m of messages) addMessage(d, m, { live: false, replace: true });
      return d;
    }
    const d = draftOf(c);
    for (const m of messages) addMessage(d, m, { live: false, replace: opts.authoritative === true });
    let { complete, latest } = c.history;
    if (opts.page === 'older') complete ||= short;
    if (opts.page === 'newer') latest = short;
    if (opts.page === 'latest') complete ||= short && d.order.length <= messages.length;
    const excess = d.order.length - MAX_WINDOW;
    if (excess > 0) {
      // Drop the end the user is moving away from (the oldest, unless paging back in time).
      const older = opts.page === 'older';
      const dropped = older ? d.order.splice(MAX_WINDOW) : d.order.splice(0, excess);
      if (older) latest = false;
      else complete = false;
      const unread = new Set(d.unread);
      for (const k of dropped) {
        const m = d.byKey[k];
        if (m && unread.has(k)) d.unreadOutside[k] = m.at;
        delete d.byKey[k];
      }
    }
    return { ...d, history: { status: 'ready', complete, latest, generation: c.history.generation } };
  });
}

export function historyLoading(s: ChatsSlice, peer: string, page: HistoryPage): ChatsSlice {
  return withConversation(s, peer, (c) => ({ ...c, history: { ...c.history, status: 'loading', loading: page, error: undefined } }));
}

export function historyFailed(s: ChatsSlice, peer: string, error: string): ChatsSlice {
  return withConversation(s, peer, (c) => ({ ...c, history: { ...c.history, status: 'failed', error } }));
}

/**
 * Our message as the sendMessage answer confirmed it (main sends no 'message' update for it).
 * While the window shows older history it is not added: the view goes back to the newest page.
 */
export function outgoingAdded(s: ChatsSlice, m: ChatMessage): ChatsSlice {
  return withConversation(s, m.peer, (c) => {
    if (!c.history.latest) return c;
    const d = draftOf(c);
    return addMessage(d, m, { live: true }) ? d : c;
  });
}

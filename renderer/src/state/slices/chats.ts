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

/** One-to-one conversation with a peer (bare JID): messages normalised by key, ordered by time. */
export interface Conversation {
  readonly peer: string;
  readonly byKey: Readonly<Record<MessageKey, ChatMessage>>;
  /** Keys, oldest first (by `at`, then arrival). */
  readonly order: readonly MessageKey[];
  /** Incoming messages not yet displayed to the user, oldest first. */
  readonly unread: readonly MessageKey[];
  /** The peer's last chat state (XEP-0085). */
  readonly peerState: ChatStateName | undefined;
  readonly history: HistoryState;
  /** State updates that arrived before the sendMessage answer that creates the message. */
  readonly pendingStates: Readonly<Record<string, MessageStateName>>;
  /** An update could not be attributed safely: the view reloads the conversation from the store. */
  readonly stale: boolean;
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
  peerState: undefined,
  history: { status: 'idle', complete: false },
  pendingStates: {},
  stale: false,
});

/** A conversation being changed by one batch: copied once, then mutated in place. */
export interface ConversationDraft {
  peer: string;
  byKey: Record<MessageKey, ChatMessage>;
  order: MessageKey[];
  unread: MessageKey[];
  peerState: ChatStateName | undefined;
  history: HistoryState;
  pendingStates: Record<string, MessageStateName>;
  stale: boolean;
}

export function draftOf(c: Conversation): ConversationDraft {
  return { ...c, byKey: { ...c.byKey }, order: [...c.order], unread: [...c.unread], pendingStates: { ...c.pendingStates } };
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
  let msg = m;
  const pending = m.direction === 'out' ? d.pendingStates[m.id] : undefined;
  if (pending) {
    msg = { ...m, state: nextState(m.state, pending) };
    delete d.pendingStates[m.id];
  }
  d.byKey[key] = msg;
  if (!existing) insertOrdered(d, key, msg.at);
  if (opts.live && m.direction === 'in') {
    if (!existing) d.unread.push(key);
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

/**
 * XEP-0308 correction. The update names the peer and the id, not the direction: when both one
 * of ours and one of theirs carry that id, guessing could show the peer's words as ours, so the
 * conversation is reloaded from the store instead (which knows).
 */
/** XEP-0308: main says whose message it was, so an id both sides happened to use is not confused. */
export function applyCorrection(d: ConversationDraft, direction: 'in' | 'out', id: string, body: string): void {
  const key = messageKey(direction, id);
  const m = d.byKey[key];
  if (m) d.byKey[key] = { ...m, body, corrected: true };
}

/** The user has seen everything up to and including `key` (XEP-0333: a marker covers the earlier ones). */
export function markReadUpTo(c: Conversation, key: MessageKey): Conversation {
  const idx = c.order.indexOf(key);
  if (idx < 0 || c.unread.length === 0) return c;
  const seen = new Set(c.order.slice(0, idx + 1));
  const unread = c.unread.filter((k) => !seen.has(k));
  return unread.length === c.unread.length ? c : { ...c, unread };
}

export function withConversation(s: ChatsSlice, peer: string, f: (c: Conversation) => Conversation): ChatsSlice {
  const c = s.conversations[peer] ?? emptyConversation(peer);
  const next = f(c);
  return next === c && s.conversations[peer] ? s : { ...s, conversations: { ...s.conversations, [peer]: next } };
}

export function chatOpened(s: ChatsSlice, peer: string | undefined): ChatsSlice {
  return s.open === peer ? s : { ...s, open: peer };
}

/** Adds messages from the store (getHistory): an older page, or the latest one (authoritative). */
export function historyLoaded(
  s: ChatsSlice,
  peer: string,
  messages: readonly ChatMessage[],
  opts: { readonly limit: number; readonly older: boolean; readonly authoritative?: boolean },
): ChatsSlice {
  return withConversation(s, peer, (c) => {
    const d = draftOf(c);
    for (const m of messages) addMessage(d, m, { live: false, replace: opts.authoritative === true });
    // A short page means the store has nothing older.
    const complete = messages.length < opts.limit || c.history.complete;
    return { ...d, history: { status: 'ready', complete }, stale: opts.authoritative ? false : d.stale };
  });
}

export function historyLoading(s: ChatsSlice, peer: string): ChatsSlice {
  return withConversation(s, peer, (c) => ({ ...c, history: { ...c.history, status: 'loading', error: undefined } }));
}

export function historyFailed(s: ChatsSlice, peer: string, error: string): ChatsSlice {
  return withConversation(s, peer, (c) => ({ ...c, history: { ...c.history, status: 'failed', error } }));
}

/** Our message as the sendMessage answer confirmed it (main sends no 'message' update for it). */
export function outgoingAdded(s: ChatsSlice, m: ChatMessage): ChatsSlice {
  return withConversation(s, m.peer, (c) => {
    const d = draftOf(c);
    return addMessage(d, m, { live: true }) ? d : c;
  });
}

/**
 * The IM commands the user triggers: each calls one command of the contract and records what
 * the renderer needs to show; everything the core pushes comes through didUpdateIm (bootstrap).
 */
import type { BastionApi, ChatMessage, IpcError, Result } from '../../../shared/ipc/index';
import { chatOpened, historyFailed, historyLoaded, historyLoading, markReadUpTo, outgoingAdded, withConversation, type MessageKey } from './slices/chats';
import { roomOpened } from './slices/rooms';
import { followsTheirPresence, ownPresenceSet, rosterSnapshot, type OwnShow } from './slices/roster';
import { dispatch, flushUpdates, on, useStore } from './store';

export const HISTORY_PAGE = 50;

const errorOf = <T>(r: Result<T>): IpcError | undefined => (r.ok ? undefined : r.error);

export async function loadRoster(api: BastionApi): Promise<void> {
  const r = await api.invoke('getRoster', {});
  if (r.ok) dispatch(on('roster', (s) => rosterSnapshot(s, r.value)));
}

const conversationOf = (peer: string) => useStore.getState().chats.conversations[peer];

/**
 * The latest page of a conversation; `authoritative` (or a window showing older history)
 * replaces what is loaded with the store's copy.
 */
export async function loadLatestHistory(api: BastionApi, peer: string, authoritative = false): Promise<void> {
  const detached = conversationOf(peer)?.history.latest === false;
  dispatch(on('chats', (s) => historyLoading(s, peer, 'latest')));
  const r = await api.invoke('getHistory', { peer, limit: HISTORY_PAGE });
  dispatch(
    on('chats', (s) => (r.ok ? historyLoaded(s, peer, r.value.messages, { limit: HISTORY_PAGE, page: 'latest', authoritative }) : historyFailed(s, peer, r.error.message))),
  );
  // The user is waiting for this conversation to appear: commit now rather than at the next
  // frame (the frame batching is there for floods of events, not for the answer to a click).
  flushUpdates();
  const newest = r.ok ? r.value.messages[r.value.messages.length - 1] : undefined;
  if (detached && newest) await catchUp(api, peer, newest);
}

/** One page older than the oldest message loaded (the chat view asks when scrolled to the top). */
export async function loadOlderHistory(api: BastionApi, peer: string): Promise<void> {
  const c = useStore.getState().chats.conversations[peer];
  if (!c || c.history.status === 'loading' || c.history.complete) return;
  const oldestKey = c.order[0];
  const oldest = oldestKey ? c.byKey[oldestKey] : undefined;
  const before = oldest?.at;
  dispatch(on('chats', (s) => historyLoading(s, peer, 'older')));
  // (time, id) cursor: messages sharing the oldest one's millisecond are not skipped.
  const r = await api.invoke('getHistory', { peer, limit: HISTORY_PAGE, ...(before ? { before } : {}), ...(oldest ? { beforeId: oldest.id } : {}) });
  dispatch(on('chats', (s) => (r.ok ? historyLoaded(s, peer, r.value.messages, { limit: HISTORY_PAGE, page: 'older' }) : historyFailed(s, peer, r.error.message))));
}

/** One page newer than the newest message loaded (the window was moved up into older history). */
export async function loadNewerHistory(api: BastionApi, peer: string): Promise<void> {
  const c = conversationOf(peer);
  if (!c || c.history.status === 'loading' || c.history.latest) return;
  const newestKey = c.order[c.order.length - 1];
  const newest = newestKey ? c.byKey[newestKey] : undefined;
  if (!newest) return;
  const page = await pageAfter(api, peer, newest);
  // A short page: the window now reaches the newest message.
  if (page && page.length < HISTORY_PAGE) await catchUp(api, peer, page[page.length - 1] ?? newest);
}

/** Loads the page after `newest` into the window; the page, or undefined when it failed. */
async function pageAfter(api: BastionApi, peer: string, newest: ChatMessage): Promise<readonly ChatMessage[] | undefined> {
  dispatch(on('chats', (s) => historyLoading(s, peer, 'newer')));
  const r = await api.invoke('getHistory', { peer, limit: HISTORY_PAGE, after: newest.at, afterId: newest.id });
  dispatch(on('chats', (s) => (r.ok ? historyLoaded(s, peer, r.value.messages, { limit: HISTORY_PAGE, page: 'newer' }) : historyFailed(s, peer, r.error.message))));
  return r.ok ? r.value.messages : undefined;
}

/**
 * The window has just reached the newest message again. Live messages that arrived while its
 * last page was on the way were left to the store (the window did not hold the newest message
 * then), so one more page after the newest message fetches them; from now on they come live.
 * (The cursor is the page's own newest message: the store commits the page at the next frame.)
 */
async function catchUp(api: BastionApi, peer: string, newest: ChatMessage): Promise<void> {
  await pageAfter(api, peer, newest);
}

export function openChat(api: BastionApi, peer: string | undefined): void {
  // A conversation replaces the room in the main pane.
  dispatch((s) => ({ ...s, chats: chatOpened(s.chats, peer), rooms: peer === undefined ? s.rooms : roomOpened(s.rooms, undefined) }));
  if (!peer) return;
  const c = conversationOf(peer);
  if (!c || c.history.status === 'idle' || (c.history.status === 'failed' && c.order.length === 0)) void loadLatestHistory(api, peer);
}

/**
 * Sends (or, offline, queues) a message. Main answers with the id and 'queued' and sends no
 * 'message' update for our own message, so it is added here; state updates follow as events.
 */
export async function sendMessage(api: BastionApi, peer: string, body: string): Promise<Result<{ readonly id: string }>> {
  const r = await api.invoke('sendMessage', { to: peer, body });
  if (!r.ok) return r;
  // Written while older history was shown: the view goes back to the newest page, which has it.
  if (useStore.getState().chats.conversations[peer]?.history.latest === false) void loadLatestHistory(api, peer, true);
  const account = useStore.getState().connection.current.account ?? '';
  const m: ChatMessage = { peer, direction: 'out', id: r.value.id, sender: account, body, at: r.value.at, state: r.value.state, corrected: false };
  dispatch(on('chats', (s) => outgoingAdded(s, m)));
  return { ok: true, value: { id: r.value.id } };
}

/** XEP-0308: corrects our last message; main answers with a message-corrected update. */
export async function correctMessage(api: BastionApi, peer: string, id: string, body: string): Promise<IpcError | undefined> {
  return errorOf(await api.invoke('sendMessage', { to: peer, body, replaces: id }));
}

/** The user saw the conversation up to this incoming message: tell the sender (XEP-0333) and clear the unread count. */
export function markDisplayed(api: BastionApi, peer: string, key: MessageKey, id: string): void {
  dispatch(on('chats', (s) => withConversation(s, peer, (c) => markReadUpTo(c, key))));
  // Offline there is nobody to tell: the count still goes down.
  void api.invoke('markDisplayed', { peer, id });
}

export async function setOwnPresence(api: BastionApi, show: OwnShow, status: string): Promise<IpcError | undefined> {
  const text = status.trim();
  const r = await api.invoke('setPresence', { show, ...(text ? { status: text } : {}) });
  if (r.ok) dispatch(on('roster', (s) => ownPresenceSet(s, show, text)));
  return errorOf(r);
}

export async function addContact(api: BastionApi, jid: string, name: string, group: string): Promise<IpcError | undefined> {
  const n = name.trim();
  const g = group.trim();
  return errorOf(await api.invoke('addContact', { jid, ...(n ? { name: n } : {}), ...(g ? { groups: [g] } : {}) }));
}

export async function removeContact(api: BastionApi, jid: string): Promise<IpcError | undefined> {
  const r = await api.invoke('removeContact', { jid });
  if (r.ok && useStore.getState().chats.open === jid) dispatch(on('chats', (s) => chatOpened(s, undefined)));
  return errorOf(r);
}

/**
 * Answers a subscription request [IMPP-P1]. Approving someone we do not follow yet also asks to
 * see their presence (the dialog says so): a one-way subscription is rarely what the user means.
 */
export async function answerSubscription(api: BastionApi, jid: string, approve: boolean): Promise<IpcError | undefined> {
  const r = await api.invoke('answerSubscription', { jid, approve });
  if (!r.ok) return r.error;
  if (approve && !followsTheirPresence(useStore.getState().roster.contacts[jid])) {
    return errorOf(await api.invoke('addContact', { jid }));
  }
  return undefined;
}

/**
 * Applies one didUpdateIm batch to the roster and chats slices as one state change. Maps and
 * conversations are copied at most once per batch (the first time the batch touches them) and
 * only when something really changes, so a batch of presence updates leaves `chats` — and every
 * component that selects from it — exactly as it was, and an identical presence leaves even
 * `roster` as it was.
 */
import type { Contact, ContactPresence, ImUpdate } from '../../../shared/ipc/index';
import { assertNever } from '../../../shared/util/assert-never';
import {
  addMessage,
  applyCorrection,
  applyMessageState,
  draftOf,
  emptyConversation,
  type ChatsSlice,
  type Conversation,
  type ConversationDraft,
} from './slices/chats';
import { seesOurPresence, type RosterSlice, type SubscriptionRequest } from './slices/roster';

export interface ImState {
  readonly roster: RosterSlice;
  readonly chats: ChatsSlice;
}

function samePresence(a: ContactPresence | undefined, b: ContactPresence): boolean {
  if (!a || a.show !== b.show || a.status !== b.status || a.resources.length !== b.resources.length) return false;
  return a.resources.every((r, i) => {
    const o = b.resources[i];
    return o !== undefined && r.resource === o.resource && r.show === o.show && r.status === o.status && r.priority === o.priority;
  });
}

function sameContact(a: Contact | undefined, b: Contact): boolean {
  return (
    a !== undefined &&
    a.name === b.name &&
    a.subscription === b.subscription &&
    a.pendingOut === b.pendingOut &&
    a.groups.length === b.groups.length &&
    a.groups.every((g, i) => g === b.groups[i])
  );
}

export function applyImBatch<S extends ImState>(state: S, updates: readonly ImUpdate[]): S {
  let contacts: Record<string, Contact> | undefined;
  let presence: Record<string, ContactPresence> | undefined;
  let requests: SubscriptionRequest[] | undefined;
  const drafts = new Map<string, ConversationDraft>();
  const r = state.roster;

  const getContacts = (): Record<string, Contact> => (contacts ??= { ...r.contacts });
  const getPresence = (): Record<string, ContactPresence> => (presence ??= { ...r.presence });
  const getRequests = (): SubscriptionRequest[] => (requests ??= [...r.requests]);
  const curContacts = (): Readonly<Record<string, Contact>> => contacts ?? r.contacts;
  const curPresence = (): Readonly<Record<string, ContactPresence>> => presence ?? r.presence;
  const curRequests = (): readonly SubscriptionRequest[] => requests ?? r.requests;
  const conv = (peer: string): ConversationDraft => {
    let d = drafts.get(peer);
    if (!d) {
      d = draftOf(state.chats.conversations[peer] ?? emptyConversation(peer));
      drafts.set(peer, d);
    }
    return d;
  };
  const dropRequest = (from: string): void => {
    if (curRequests().some((q) => q.from === from)) requests = getRequests().filter((q) => q.from !== from);
  };

  for (const u of updates) {
    switch (u.kind) {
      case 'contact':
        if (!sameContact(curContacts()[u.contact.jid], u.contact)) getContacts()[u.contact.jid] = u.contact;
        // Approved here or on another device: nothing left to answer.
        if (seesOurPresence(u.contact)) dropRequest(u.contact.jid);
        break;
      case 'contact-removed':
        if (u.jid in curContacts()) delete getContacts()[u.jid];
        if (u.jid in curPresence()) delete getPresence()[u.jid];
        break;
      case 'presence':
        if (!samePresence(curPresence()[u.presence.jid], u.presence)) getPresence()[u.presence.jid] = u.presence;
        break;
      case 'subscription-request': {
        const list = curRequests();
        const i = list.findIndex((q) => q.from === u.from);
        if (i < 0) getRequests().push({ from: u.from, status: u.status });
        else if (list[i]?.status !== u.status) getRequests()[i] = { from: u.from, status: u.status };
        break;
      }
      case 'subscription-answered':
        dropRequest(u.from);
        break;
      case 'message':
        addMessage(conv(u.message.peer), u.message, { live: true });
        break;
      case 'message-state':
        applyMessageState(conv(u.peer), u.id, u.state);
        break;
      case 'message-corrected':
        applyCorrection(conv(u.peer), u.direction, u.id, u.body);
        break;
      case 'chat-state':
        conv(u.peer).peerState = u.state;
        break;
      default:
        assertNever(u, 'IM update');
    }
  }

  let roster = r;
  if (contacts || presence || requests) {
    roster = { ...r, contacts: contacts ?? r.contacts, presence: presence ?? r.presence, requests: requests ?? r.requests };
  }
  let chats = state.chats;
  for (const [peer, d] of drafts) {
    const before = state.chats.conversations[peer];
    if (before && unchanged(before, d)) continue;
    if (chats === state.chats) chats = { ...chats, conversations: { ...chats.conversations } };
    (chats.conversations as Record<string, Conversation>)[peer] = d;
  }
  return roster === r && chats === state.chats ? state : { ...state, roster, chats };
}

/** A draft that ended up equal to what it was copied from (no-op updates): keep the old object. */
function unchanged(c: Conversation, d: ConversationDraft): boolean {
  if (c.peerState !== d.peerState || c.order.length !== d.order.length || c.unread.length !== d.unread.length) return false;
  const keys = Object.keys(d.byKey);
  if (keys.length !== Object.keys(c.byKey).length || keys.some((k) => c.byKey[k] !== d.byKey[k])) return false;
  const pa = Object.keys(c.pendingStates);
  const pb = Object.keys(d.pendingStates);
  return pa.length === pb.length && pb.every((k) => c.pendingStates[k] === d.pendingStates[k]) && d.order.every((k, i) => c.order[i] === k);
}

/**
 * Narrow hooks for the roster and chat components. Each returns a value that keeps its identity
 * while what it shows is unchanged, so a presence flood re-renders the affected roster rows and
 * nothing in the chat pane, and a new message re-renders the list and its own row only.
 */
import type { Contact, ContactPresence } from '../../../shared/ipc/index';
import { useShallow } from 'zustand/react/shallow';
import type { Conversation, MessageKey } from './slices/chats';
import { useStore, type RootState } from './store';

const NO_KEYS: readonly MessageKey[] = [];

const conversation = (s: RootState, peer: string | undefined): Conversation | undefined => (peer === undefined ? undefined : s.chats.conversations[peer]);

export const useRosterLoaded = (): boolean => useStore((s) => s.roster.loaded);
export const useContacts = (): Readonly<Record<string, Contact>> => useStore((s) => s.roster.contacts);
export const useContact = (jid: string | undefined): Contact | undefined => useStore((s) => (jid === undefined ? undefined : s.roster.contacts[jid]));
export const usePresence = (jid: string): ContactPresence | undefined => useStore((s) => s.roster.presence[jid]);
export const useRequests = () => useStore((s) => s.roster.requests);
export const useOwnPresence = () => useStore((s) => s.roster.own);
export const useOpenChat = (): string | undefined => useStore((s) => s.chats.open);
export const useUnreadKeys = (peer: string): readonly MessageKey[] => useStore((s) => conversation(s, peer)?.unread ?? NO_KEYS);
export const useMessageOrder = (peer: string): readonly MessageKey[] => useStore((s) => conversation(s, peer)?.order ?? NO_KEYS);
export const useMessage = (peer: string, key: MessageKey) => useStore((s) => conversation(s, peer)?.byKey[key]);
export const usePeerChatState = (peer: string) => useStore((s) => conversation(s, peer)?.peerState);
export const useHistoryState = (peer: string) => useStore((s) => conversation(s, peer)?.history);
export const useAccount = (): string => useStore((s) => s.connection.current.account ?? '');
export const useIsOnline = (): boolean => useStore((s) => s.connection.current.state === 'connected');
/** Everything a roster row shows besides the contact itself, in one subscription compared field by field. */
export const useRosterRow = (jid: string) =>
  useStore(
    useShallow((s: RootState) => ({
      presence: s.roster.presence[jid],
      unread: s.chats.conversations[jid]?.unread.length ?? 0,
      selected: s.chats.open === jid,
      online: s.connection.current.state === 'connected',
    })),
  );
export const useLinkState = () =>
  useStore(
    useShallow((s: RootState) => ({
      state: s.connection.current.state,
      retryAt: s.connection.current.retryAt,
      queued: s.connection.current.queued ?? 0,
      error: s.connection.current.error?.message,
    })),
  );

/** What a contact is called in the UI: their roster name, else their JID. */
export function displayName(jid: string, contact: Contact | undefined): string {
  const name = contact?.name?.trim();
  return name ? name : jid;
}

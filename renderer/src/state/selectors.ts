/**
 * Narrow hooks over the store: each component subscribes to the few values it shows, so an
 * update elsewhere does not re-render it.
 */
import { useShallow } from 'zustand/react/shallow';
import { useStore, type RootState } from './store';

export type Route = 'starting' | 'core-unavailable' | 'consent' | 'login' | 'connected';

/** Which screen the app shows. Login is unreachable until the consent was acknowledged [UCR-G3]. */
export function selectRoute(s: RootState): Route {
  if (s.app.link.state === 'failed') return 'core-unavailable';
  if (s.app.link.state === 'connecting' || s.consent.status === 'loading') return 'starting';
  if (!s.consent.acknowledged) return 'consent';
  // Reconnecting keeps the roster and chats on screen (with the banner); an ended session goes to login.
  return s.connection.established ? 'connected' : 'login';
}

export const useRoute = (): Route => useStore(selectRoute);
export const useLink = () => useStore((s) => s.app.link);
export const useLastPing = () => useStore((s) => s.app.lastPing);
export const useConsent = () => useStore((s) => s.consent);
export const useConnectionState = () => useStore((s) => s.connection.current);
export const useConnecting = () => useStore((s) => s.connection.connecting);
export const useDisconnecting = () => useStore((s) => s.connection.disconnecting);
export const useConnectionAlert = () => useStore((s) => s.connection.alert);
export const useLastLogin = () => useStore((s) => s.connection.lastLogin);
export const useSecurityReport = () => useStore((s) => s.security.report);
export const usePendingCertificateChange = () => useStore((s) => s.security.pendingChange);
export const useCertificateDecisionState = () => useStore(useShallow((s: RootState) => ({ deciding: s.security.deciding, error: s.security.decisionError })));
export const useCards = () => useStore((s) => s.cards);

import type { ConnectionState, IpcError, IpcErrorCode } from '../../../../shared/ipc/index';
import { t } from '../../i18n/en';

/** What the login screen announces in its alert region. */
export interface ConnectionAlert {
  /** The core's error code, or what the renderer saw happen to an established session. */
  readonly code: IpcErrorCode | 'connection-lost' | 'card-removed';
  readonly message: string;
}

export type LoginMethod = 'password' | 'card' | 'pkcs12';

/** What the login form had at the last attempt, without any secret: the form starts from it again. */
export interface LastLogin {
  readonly account: string;
  readonly method: LoginMethod;
  readonly card?: { readonly slot: string; readonly certificateId: string } | undefined;
}

export interface ConnectionSlice {
  /** The core's last didChangeConnectionState. */
  readonly current: ConnectionState;
  /**
   * A session was established and the user has not left it: true from 'connected' until
   * 'disconnected', 'failed' or 'locked', so the roster and chats stay on screen while the core
   * reconnects ('reconnecting' and its 'connecting' attempts).
   */
  readonly established: boolean;
  /** A connect command is in flight. */
  readonly connecting: boolean;
  readonly disconnecting: boolean;
  readonly alert: ConnectionAlert | undefined;
  readonly lastLogin: LastLogin | undefined;
}

export const initialConnection: ConnectionSlice = {
  current: { state: 'disconnected' },
  established: false,
  connecting: false,
  disconnecting: false,
  alert: undefined,
  lastLogin: undefined,
};

export function connectionStateChanged(s: ConnectionSlice, next: ConnectionState): ConnectionSlice {
  let alert = s.alert;
  if (next.state === 'connected') alert = undefined;
  else if (next.state === 'locked') alert = { code: 'card-removed', message: t('connected.locked') };
  else if (next.state === 'failed' && s.established) {
    // An established session ended without the user asking (reconnecting gave up too): say so on the login screen.
    alert = { code: 'connection-lost', message: t('connected.lost', { message: next.error?.message ?? '' }) };
  }
  const ended = next.state === 'disconnected' || next.state === 'failed' || next.state === 'locked';
  const established = next.state === 'connected' || next.state === 'reconnecting' ? true : ended ? false : s.established;
  const disconnecting = s.disconnecting && !ended;
  return { ...s, current: next, established, alert, disconnecting };
}

export function connectStarted(s: ConnectionSlice, lastLogin: LastLogin): ConnectionSlice {
  return { ...s, connecting: true, alert: undefined, lastLogin };
}

export function connectFinished(s: ConnectionSlice, error: IpcError | undefined): ConnectionSlice {
  return { ...s, connecting: false, alert: error ? { code: error.code, message: error.message } : undefined };
}

export function disconnectStarted(s: ConnectionSlice): ConnectionSlice {
  return { ...s, disconnecting: true };
}

export function disconnectFinished(s: ConnectionSlice, error: IpcError | undefined): ConnectionSlice {
  return { ...s, disconnecting: false, alert: error ? { code: error.code, message: error.message } : s.alert };
}

export function clearAlert(s: ConnectionSlice): ConnectionSlice {
  return s.alert ? { ...s, alert: undefined } : s;
}

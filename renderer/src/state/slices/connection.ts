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
  /** A connect command is in flight. */
  readonly connecting: boolean;
  readonly disconnecting: boolean;
  readonly alert: ConnectionAlert | undefined;
  readonly lastLogin: LastLogin | undefined;
}

export const initialConnection: ConnectionSlice = {
  current: { state: 'disconnected' },
  connecting: false,
  disconnecting: false,
  alert: undefined,
  lastLogin: undefined,
};

export function connectionStateChanged(s: ConnectionSlice, next: ConnectionState): ConnectionSlice {
  let alert = s.alert;
  if (next.state === 'connected') alert = undefined;
  else if (next.state === 'locked') alert = { code: 'card-removed', message: t('connected.locked') };
  else if (next.state === 'failed' && s.current.state === 'connected') {
    // An established session ended without the user asking: say so on the login screen.
    alert = { code: 'connection-lost', message: t('connected.lost', { message: next.error?.message ?? '' }) };
  }
  const disconnecting = s.disconnecting && next.state !== 'disconnected' && next.state !== 'failed' && next.state !== 'locked';
  return { ...s, current: next, alert, disconnecting };
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

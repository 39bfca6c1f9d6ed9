/**
 * Errors cross IPC as values, never as thrown exceptions: Electron's `ipcRenderer.invoke`
 * would otherwise turn them into an opaque `Error` with the main process's message text
 * prefixed, and the browser host would have to imitate that. A value keeps the code typed.
 */
export const ipcErrorCodes = [
  /** Arguments failed the contract's schema. */
  'invalid-argument',
  /** The command name is not in the contract. */
  'unknown-command',
  /** The call came from a frame or connection that main does not trust. */
  'forbidden-sender',
  /** The operation is not possible in the current state (e.g. not connected). */
  'invalid-state',
  /** A session could not be established; the message says at which stage and why. */
  'connection-failed',
  /** The card refused the PIN (the message says how many tries are left, or that it is locked). */
  'pin-rejected',
  /** The smart card or its reader could not be used (no module, card removed, card error). */
  'card-unavailable',
  /** The DoD Notice and Consent banner has not been acknowledged yet [UCR-G3]. */
  'consent-required',
  /** The transport between renderer and main failed (browser host only). */
  'transport',
  /** A bug in main; the message is generic, details are in the main-process log. */
  'internal',
] as const;

export type IpcErrorCode = (typeof ipcErrorCodes)[number];

export interface IpcError {
  readonly code: IpcErrorCode;
  readonly message: string;
}

export type Result<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: IpcError };

export function ok<T>(value: T): Result<T> {
  return { ok: true, value };
}

export function fail<T = never>(code: IpcErrorCode, message: string): Result<T> {
  return { ok: false, error: { code, message } };
}

import type { AppInfo, IpcError } from '../../../../shared/ipc/index';

/** Is the main-process core reachable, and what is it. */
export type CoreLink =
  | { readonly state: 'connecting' }
  | { readonly state: 'ready'; readonly info: AppInfo }
  | { readonly state: 'failed'; readonly error: IpcError };

export interface PingResult {
  readonly nonce: string;
  readonly roundTripMs: number;
  readonly eventSeen: boolean;
}

export interface AppSlice {
  readonly link: CoreLink;
  readonly lastPing: PingResult | undefined;
  /** Nonce of the last didReceivePing event (the event half of the diagnostics round trip). */
  readonly lastPingEvent: string | undefined;
}

export const initialApp: AppSlice = { link: { state: 'connecting' }, lastPing: undefined, lastPingEvent: undefined };

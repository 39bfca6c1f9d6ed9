/**
 * Wire format of the browser host's WebSocket: the same contract as Electron IPC, as JSON.
 * Shared by the Node side (host.ts) and the in-page bridge (web/bridge.ts).
 */
import type { Result } from '../../shared/ipc/names-and-result';

export type ClientFrame = { readonly t: 'invoke'; readonly id: number; readonly name: string; readonly input: unknown };

export type ServerFrame =
  | { readonly t: 'result'; readonly id: number; readonly result: Result<unknown> }
  | { readonly t: 'event'; readonly name: string; readonly payload: unknown };

export const IPC_PATH = '/__bastion/ipc';
export const BRIDGE_PATH = '/__bastion/bridge.js';
/** Frames larger than this are refused; the contract has nothing near it. */
export const MAX_FRAME_BYTES = 1024 * 1024;

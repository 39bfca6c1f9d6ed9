/**
 * Sandboxed preload: exposes exactly the IPC contract on `window.bastion` and nothing else —
 * no `ipcRenderer`, no event objects, no Node. Names are checked against the contract's lists
 * here too, so a compromised renderer cannot reach a channel that is not in the contract.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import {
  commandChannel,
  eventChannel,
  fail,
  isCommandName,
  isEventName,
} from '../../shared/ipc/names-and-result';
import type { BastionApi } from '../../shared/ipc/contract';

const api: BastionApi = {
  invoke: (name, input) => {
    if (!isCommandName(name)) return Promise.resolve(fail('unknown-command', `unknown command: ${String(name)}`));
    return ipcRenderer.invoke(commandChannel(name), input);
  },
  on: (name, listener) => {
    if (!isEventName(name) || typeof listener !== 'function') return () => {};
    // Strip the IpcRendererEvent: it carries `sender`, which would leak ipcRenderer.
    const wrapped = (_event: IpcRendererEvent, payload: unknown): void => listener(payload as never);
    const channel = eventChannel(name);
    ipcRenderer.on(channel, wrapped);
    return () => {
      ipcRenderer.removeListener(channel, wrapped);
    };
  },
};

contextBridge.exposeInMainWorld('bastion', Object.freeze(api));

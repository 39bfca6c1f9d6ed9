/**
 * In-page half of the browser host (bundled as a classic script, loaded before the app):
 * defines `window.bastion` with exactly the contract's `BastionApi`, carried over the host's
 * WebSocket. The Electron preload is the other implementation of the same interface.
 */
import type { BastionApi } from '../../../shared/ipc/contract';
import { fail, isCommandName, isEventName, type Result } from '../../../shared/ipc/names-and-result';
import { IPC_PATH, type ClientFrame, type ServerFrame } from '../protocol';

type Listener = (payload: unknown) => void;

const token = new URLSearchParams(location.hash.slice(1)).get('token') ?? '';
const pending = new Map<number, (r: Result<unknown>) => void>();
const listeners = new Map<string, Set<Listener>>();
const queue: string[] = [];
let nextId = 1;
let socket: WebSocket | undefined;

function connect(): WebSocket {
  const ws = new WebSocket(`${location.origin.replace(/^http/, 'ws')}${IPC_PATH}?token=${encodeURIComponent(token)}`);
  ws.addEventListener('open', () => {
    for (const m of queue.splice(0)) ws.send(m);
  });
  ws.addEventListener('message', (ev: MessageEvent<string>) => {
    const frame = JSON.parse(ev.data) as ServerFrame;
    if (frame.t === 'result') {
      pending.get(frame.id)?.(frame.result);
      pending.delete(frame.id);
    } else {
      for (const l of listeners.get(frame.name) ?? []) l(frame.payload);
    }
  });
  ws.addEventListener('close', () => {
    socket = undefined;
    for (const [id, resolve] of pending) {
      resolve(fail('transport', 'connection to the Bastion core was lost'));
      pending.delete(id);
    }
  });
  return ws;
}

const api: BastionApi = {
  invoke: (name, input) => {
    if (!isCommandName(name)) return Promise.resolve(fail('unknown-command', `unknown command: ${String(name)}`));
    const id = nextId++;
    const frame: ClientFrame = { t: 'invoke', id, name, input };
    const text = JSON.stringify(frame);
    socket ??= connect();
    if (socket.readyState === WebSocket.OPEN) socket.send(text);
    else queue.push(text);
    return new Promise((resolve) => pending.set(id, resolve as (r: Result<unknown>) => void)) as never;
  },
  on: (name, listener) => {
    if (!isEventName(name) || typeof listener !== 'function') return () => {};
    socket ??= connect();
    const set = listeners.get(name) ?? new Set<Listener>();
    listeners.set(name, set);
    const l = listener as Listener;
    set.add(l);
    return () => {
      set.delete(l);
    };
  },
};

Object.defineProperty(window, 'bastion', { value: Object.freeze(api), writable: false, configurable: false });

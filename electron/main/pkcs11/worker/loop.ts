// The card worker's message loop: one request at a time, every answer a value (result or
// WireError), slot events pushed as they are seen. Nothing thrown here reaches the main thread
// as an exception.
import type { MessagePort } from 'node:worker_threads';
import type { CardMethod, CardMethods, FromWorker, ToWorker } from '../protocol';
import { CardBackend } from './backend';
import { CardFault, toWireError } from './fault';
import { isCardMethod, parseParams } from './params';

type Port = Pick<MessagePort, 'on' | 'postMessage'>;

type Handlers = { [M in CardMethod]: (p: CardMethods[M]['params']) => CardMethods[M]['result'] };

function handlersFor(b: CardBackend): Handlers {
  return {
    init: (p) => b.init(p),
    listTokens: () => b.listTokens(),
    listCertificates: (p) => b.listCertificates(p.slot),
    login: (p) => b.login(p.slot, p.pin),
    logout: (p) => b.logout(p.slot),
    mechanisms: (p) => b.mechanisms(p.slot),
    sign: (p) => b.sign(p.slot, p.keyId, p.algo, p.data),
    keyProtection: (p) => b.keyProtection(p.slot, p.keyId),
    finalize: () => b.finalize(),
  };
}

function run<M extends CardMethod>(handlers: Handlers, method: M, params: unknown): CardMethods[M]['result'] {
  return handlers[method](parseParams(method, params));
}

/** The PIN bytes are zeroed whatever happened to the request (even a malformed one). */
function wipePin(msg: ToWorker): void {
  if (msg.method !== 'login' || typeof msg.params !== 'object' || msg.params === null) return;
  const pin: unknown = (msg.params as { pin?: unknown }).pin;
  if (pin instanceof Uint8Array) pin.fill(0);
}

export function serveCardRequests(port: Port): void {
  const backend = new CardBackend((event) => port.postMessage({ kind: 'event', event } satisfies FromWorker));
  const handlers = handlersFor(backend);
  port.on('message', (msg: ToWorker) => {
    const id = typeof msg?.id === 'number' ? msg.id : -1;
    let reply: FromWorker;
    try {
      if (!isCardMethod(msg?.method)) throw new CardFault('bad-request', `unknown request ${String(msg?.method)}`);
      reply = { kind: 'response', id, ok: true, result: run(handlers, msg.method, msg.params) };
    } catch (err) {
      reply = { kind: 'response', id, ok: false, error: toWireError(err, String(msg?.method)) };
    } finally {
      wipePin(msg);
    }
    port.postMessage(reply);
  });
}

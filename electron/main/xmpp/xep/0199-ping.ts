/**
 * XEP-0199 XMPP Ping: answers pings, pings others, and keeps the link honest — after
 * `idleMs` without traffic from the server it pings; no answer within `timeoutMs` means the
 * link is dead (a NAT dropped it, the server vanished) and `onDead` is called so the session
 * can be torn down and reconnected instead of hanging.
 */
import xml from '@xmpp/xml';
import type { XmppClient } from '../client/client';

export const NS_PING = 'urn:xmpp:ping';

export interface PingModule {
  /** Round-trip time in ms; rejects with IqError (a server that does not support ping answers service-unavailable, which still proves the link). */
  ping(to?: string, timeoutMs?: number): Promise<number>;
  /** Call on every element received, so keepalives are sent only on a quiet link. */
  noteTraffic(): void;
  dispose(): void;
}

export function registerPing(client: XmppClient, opts: { readonly idleMs: number; readonly timeoutMs: number; readonly onDead: (why: string) => void; readonly now?: () => number }): PingModule {
  const now = opts.now ?? (() => performance.now());
  let last = now();
  let probing = false;
  const disposers = [client.disco.addFeature(NS_PING), client.handleIq('get', NS_PING, 'ping', () => undefined)];

  async function ping(to?: string, timeoutMs = opts.timeoutMs): Promise<number> {
    const t0 = now();
    await client.request('get', to, xml('ping', { xmlns: NS_PING }), timeoutMs);
    return now() - t0;
  }

  const timer = setInterval(() => {
    if (probing || now() - last < opts.idleMs) return;
    probing = true;
    ping(undefined, opts.timeoutMs)
      .then(() => {
        last = now();
      })
      .catch((e: unknown) => {
        const condition = (e as { condition?: string }).condition;
        // Any stanza error is an answer: the link works even if the server has no XEP-0199.
        if (condition === 'timeout') opts.onDead(`no answer to a keepalive ping within ${opts.timeoutMs} ms`);
        else last = now();
      })
      .finally(() => {
        probing = false;
      });
  }, Math.max(250, Math.min(opts.idleMs, opts.timeoutMs) / 2));
  timer.unref();

  return {
    ping,
    noteTraffic: () => {
      last = now();
    },
    dispose: () => {
      clearInterval(timer);
      for (const d of disposers) d();
    },
  };
}

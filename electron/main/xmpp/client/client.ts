/**
 * The post-authentication XMPP client: routes incoming stanzas to the XEP modules in order,
 * tracks IQ requests, answers unhandled IQ requests with service-unavailable (RFC 6120 §8.4),
 * and holds the service-discovery registry the modules add their features to. It has no UI
 * and no policy of its own; modules (`../xep/NNNN-*.ts`) build everything on it.
 */
import type { Element } from '@xmpp/xml';
import xml from '@xmpp/xml';
import type { Disposer } from '../../../../shared/util/disposable';
import type { BareJid, FullJid } from '../../../../shared/xmpp/jid';
import type { XmlStream } from '../stream/xml-stream';
import { createDiscoRegistry, type DiscoRegistry } from './disco-registry';
import { createIqTracker, IqError } from './iq-tracker';

export const NS_STANZAS = 'urn:ietf:params:xml:ns:xmpp-stanzas';

/** An error answer to an IQ request (RFC 6120 §8.3). Thrown by IQ handlers. */
export class StanzaError extends Error {
  constructor(
    readonly condition: string,
    readonly errorType: 'cancel' | 'continue' | 'modify' | 'auth' | 'wait',
    readonly text?: string,
  ) {
    super(text ?? condition);
    this.name = 'StanzaError';
  }
}

export type IqHandler = (iq: Element) => Element | undefined | Promise<Element | undefined>;

export interface XmppClient {
  readonly jid: FullJid;
  readonly account: BareJid;
  readonly domain: string;
  readonly disco: DiscoRegistry;
  /** The stream features after authentication (what the server offers this session). */
  readonly features: Element | undefined;
  send(stanza: Element): void;
  /** Sends an IQ get/set and resolves with the result (rejects with IqError). */
  request(type: 'get' | 'set', to: string | undefined, payload: Element, timeoutMs?: number): Promise<Element>;
  /** Answers IQ requests whose payload is `<name xmlns=ns>`; the returned element is the result payload. */
  handleIq(type: 'get' | 'set', ns: string, name: string, handler: IqHandler): Disposer;
  onMessage(cb: (message: Element) => void): Disposer;
  onPresence(cb: (presence: Element) => void): Disposer;
  onDidClose(cb: (reason: string) => void): Disposer;
  close(): Promise<void>;
}

export const DEFAULT_IQ_TIMEOUT_MS = 30_000;

function listeners<T>(): { add(cb: T): Disposer; all(): T[] } {
  const set = new Set<T>();
  return {
    add: (cb) => {
      set.add(cb);
      return () => {
        set.delete(cb);
      };
    },
    all: () => [...set],
  };
}

export function createXmppClient(session: {
  readonly jid: FullJid;
  readonly account: BareJid;
  readonly stream: XmlStream;
  readonly features?: Element;
}): XmppClient {
  const { stream, jid, account } = session;
  const domain = account.includes('@') ? account.slice(account.indexOf('@') + 1) : account;
  const iqs = createIqTracker();
  const handlers = new Map<string, IqHandler>();
  const messages = listeners<(m: Element) => void>();
  const presences = listeners<(p: Element) => void>();
  const closes = listeners<(reason: string) => void>();
  const disco = createDiscoRegistry();

  const send = (stanza: Element): void => stream.send(stanza.toString());

  function replyError(iq: Element, e: StanzaError): void {
    const to = iq.attrs.from as string | undefined;
    send(
      xml(
        'iq',
        { type: 'error', id: iq.attrs.id as string, ...(to ? { to } : {}) },
        xml('error', { type: e.errorType }, xml(e.condition, { xmlns: NS_STANZAS }), ...(e.text ? [xml('text', { xmlns: NS_STANZAS }, e.text)] : [])),
      ),
    );
  }

  async function onIqRequest(iq: Element): Promise<void> {
    const type = iq.attrs.type as string;
    const payload = iq.children.find((c): c is Element => typeof c !== 'string');
    const handler = payload ? handlers.get(`${type} ${payload.attrs.xmlns as string} ${payload.name}`) : undefined;
    if (!handler || !payload) {
      replyError(iq, new StanzaError('service-unavailable', 'cancel'));
      return;
    }
    try {
      const result = await handler(iq);
      const to = iq.attrs.from as string | undefined;
      send(xml('iq', { type: 'result', id: iq.attrs.id as string, ...(to ? { to } : {}) }, ...(result ? [result] : [])));
    } catch (e: unknown) {
      replyError(iq, e instanceof StanzaError ? e : new StanzaError('internal-server-error', 'cancel'));
    }
  }

  stream.onElement((el) => {
    switch (el.name) {
      case 'iq': {
        const type = el.attrs.type;
        if (type === 'result' || type === 'error') {
          iqs.settle(el);
        } else if ((type === 'get' || type === 'set') && typeof el.attrs.id === 'string') {
          void onIqRequest(el);
        }
        return;
      }
      case 'message':
        for (const cb of messages.all()) cb(el);
        return;
      case 'presence':
        for (const cb of presences.all()) cb(el);
        return;
      default:
        return; // nonzas (SM acks …) are the business of the modules that asked for them
    }
  });
  stream.onClose((err) => {
    iqs.abortAll(err.message);
    for (const cb of closes.all()) cb(err.message);
  });

  return {
    jid,
    account,
    domain,
    disco,
    features: session.features,
    send,
    request(type, to, payload, timeoutMs = DEFAULT_IQ_TIMEOUT_MS) {
      // RFC 6120 §10.3.3: our own server or bare JID may answer without a 'from'.
      const own = to === undefined || to === account || to === domain;
      const expected = own ? ['', account, domain, jid] : [to];
      const { id, answer } = iqs.track(expected, timeoutMs);
      try {
        send(xml('iq', { type, id, ...(to ? { to } : {}) }, payload));
      } catch (e: unknown) {
        iqs.abortAll(e instanceof Error ? e.message : String(e));
      }
      return answer;
    },
    handleIq(type, ns, name, handler) {
      const key = `${type} ${ns} ${name}`;
      if (handlers.has(key)) throw new Error(`two handlers for ${key}`);
      handlers.set(key, handler);
      return () => {
        if (handlers.get(key) === handler) handlers.delete(key);
      };
    },
    onMessage: messages.add,
    onPresence: presences.add,
    onDidClose: closes.add,
    close: () => stream.close(),
  };
}

export { IqError };

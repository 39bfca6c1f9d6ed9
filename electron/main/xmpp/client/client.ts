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
  /** Orderly close; also fails IQ requests still pending (even ones held for a resumption). */
  close(): Promise<void>;

  // Stream-level hooks for XEP-0198 Stream Management (../xep/0198-sm.ts).
  /** Every stanza given to send(), in order, as it goes on the wire (or is held for a resumption). */
  onDidSendStanza(cb: (stanza: Element) => void): Disposer;
  /** Every stanza received (iq, message, presence), before the modules see it. */
  onWillHandleStanza(cb: (stanza: Element) => void): Disposer;
  /** Receives the top-level non-stanza elements ("nonzas") of namespace `ns`; one handler per namespace. */
  handleNonza(ns: string, cb: (el: Element) => void): Disposer;
  /** Writes an element without counting it as a sent stanza (XEP-0198 `<r/>`/`<a/>`, resent stanzas). Throws when the stream is closed. */
  sendRaw(el: Element): void;
  /** Stream error (RFC 6120 §4.9) with an optional application-specific condition, then close. */
  failStream(condition: string, text: string, appCondition?: Element): void;
  /**
   * While `pred()` is true, a lost stream holds pending IQ requests and new stanzas instead of
   * failing them: a resumable XEP-0198 session will deliver them (or report them) later.
   */
  holdWhileClosed(pred: () => boolean): Disposer;
  /**
   * Continues this client (JID, modules, handlers, pending IQs) on a new stream after a
   * successful XEP-0198 resumption. `beforeReading` runs before any element already received
   * on the new stream is handled (the SM module resends its queue there, in order).
   */
  resumeOn(stream: XmlStream, opts?: { readonly features?: Element; readonly beforeReading?: () => void }): void;
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
  const { jid, account } = session;
  let stream = session.stream;
  let features = session.features;
  const domain = account.includes('@') ? account.slice(account.indexOf('@') + 1) : account;
  const iqs = createIqTracker();
  const handlers = new Map<string, IqHandler>();
  const messages = listeners<(m: Element) => void>();
  const presences = listeners<(p: Element) => void>();
  const closes = listeners<(reason: string) => void>();
  const disco = createDiscoRegistry();
  const sentStanzas = listeners<(s: Element) => void>();
  const inStanzas = listeners<(s: Element) => void>();
  const holds = listeners<() => boolean>();
  const nonzas = new Map<string, (el: Element) => void>();
  let closing = false;
  let streamDisposers: Disposer[] = [];
  const held = (): boolean => !closing && holds.all().some((p) => p());

  const send = (stanza: Element): void => {
    // Held while a resumable stream is down: the SM queue keeps it for the resumption (XEP-0198 §5).
    if (!(stream.closed && held())) stream.send(stanza.toString());
    for (const cb of sentStanzas.all()) cb(stanza);
  };

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
    let answer: () => void;
    if (!handler || !payload) {
      answer = () => replyError(iq, new StanzaError('service-unavailable', 'cancel'));
    } else {
      try {
        const result = await handler(iq);
        const to = iq.attrs.from as string | undefined;
        answer = () => send(xml('iq', { type: 'result', id: iq.attrs.id as string, ...(to ? { to } : {}) }, ...(result ? [result] : [])));
      } catch (e: unknown) {
        answer = () => replyError(iq, e instanceof StanzaError ? e : new StanzaError('internal-server-error', 'cancel'));
      }
    }
    // The stream may have closed while the handler ran: the answer has nowhere to go, and a
    // throw here would be an unhandled rejection.
    try {
      answer();
    } catch {
      /* stream closed */
    }
  }

  function onElement(el: Element): void {
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
      default: {
        // Nonzas (XEP-0198 acks …) go to the module that registered their namespace.
        const ns = el.attrs.xmlns;
        if (typeof ns === 'string') nonzas.get(ns)?.(el);
        return;
      }
    }
  }

  function attach(s: XmlStream, beforeReading?: () => void): void {
    for (const d of streamDisposers) d();
    stream = s;
    const isStanza = (el: Element): boolean => el.name === 'iq' || el.name === 'message' || el.name === 'presence';
    const lost = (message: string): void => {
      if (stream !== s) return;
      if (!held()) iqs.abortAll(message);
      for (const cb of closes.all()) cb(message);
    };
    const onClose = s.onClose((err) => lost(err.message));
    beforeReading?.();
    const onEl = s.onElement((el) => {
      if (isStanza(el)) for (const cb of inStanzas.all()) cb(el);
      onElement(el);
    });
    streamDisposers = [onClose, onEl];
    // A stream that closed before we took it over would never tell us.
    if (s.closed) lost('the stream closed before the client took it over');
  }
  attach(stream);

  return {
    jid,
    account,
    domain,
    disco,
    get features() {
      return features;
    },
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
    async close() {
      closing = true;
      await stream.close();
      iqs.abortAll('the client was closed');
    },
    onDidSendStanza: sentStanzas.add,
    onWillHandleStanza: inStanzas.add,
    handleNonza(ns, cb) {
      if (nonzas.has(ns)) throw new Error(`two nonza handlers for ${ns}`);
      nonzas.set(ns, cb);
      return () => {
        if (nonzas.get(ns) === cb) nonzas.delete(ns);
      };
    },
    sendRaw: (el) => stream.send(el.toString()),
    failStream: (condition, text, appCondition) => stream.fail(condition, text, appCondition?.toString()),
    holdWhileClosed: holds.add,
    resumeOn(next, opts = {}) {
      if (closing) throw new Error('the client was closed: it cannot be resumed');
      if (opts.features) features = opts.features;
      attach(next, opts.beforeReading);
    },
  };
}

export { IqError };

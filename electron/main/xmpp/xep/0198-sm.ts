/**
 * XEP-0198 Stream Management: acknowledgements and resumption, so that no stanza is lost when
 * the link drops.
 *  - §4 enabling: `<enable resume='true'/>`; our outbound count starts when `<enable/>` is sent,
 *    our inbound count when `<enabled/>` arrives. Both counters are modulo 2^32.
 *  - §4 acks: every received stanza is counted (h); `<r/>` is answered with `<a h/>` at once. After
 *    stanzas go out, one `<r/>` is requested for the whole burst, and no new one while the last is
 *    unanswered. An `<a h/>` acknowledging more than was sent is a stream error
 *    (undefined-condition + `<handled-count-too-high/>`), and the stream is closed.
 *  - §5 resumption: the session layer (../session/authenticate.ts) sends `<resume previd h/>` on a
 *    NEW connection (fresh DNS, STARTTLS, certificate checks, SASL: nothing is skipped).
 *    `resumed()` continues the same XmppClient on it: drops what the server had, resends the
 *    rest in order. `failed()` returns the stanzas the server never got, for a new session.
 * The `location` the server may suggest in `<enabled/>` is never used: in UCR mode a session
 * only goes to the account's domain through fresh DNS [UCR-S1, UCR-S4].
 */
import type { Element } from '@xmpp/xml';
import xml from '@xmpp/xml';
import { createEmitter, type Disposer } from '../../../../shared/util/disposable';
import type { FullJid } from '../../../../shared/xmpp/jid';
import type { XmppClient } from '../client/client';
import type { XmlStream } from '../stream/xml-stream';

export const NS_SM = 'urn:xmpp:sm:3';
/** XEP-0198 counters wrap at 2^32 (§4: "h … MUST be reset to zero" when it would exceed 2^32 − 1). */
export const SM_MODULO = 2 ** 32;

/** A stanza we sent in this SM session: `stanza` is the very element given to `client.send`. */
export interface SentStanza {
  readonly stanza: Element;
  /** The stanza's `id` attribute (messages from ../im/messages.ts also carry it as origin-id). */
  readonly id: string | undefined;
  /** 1-based position among the stanzas sent since `<enable/>` (not wrapped). */
  readonly seq: number;
}

export interface SmEnabled {
  readonly resumable: boolean;
  /** The resumption id (previd); only when resumable. */
  readonly id?: string;
  /** The server's longest resumption window in seconds (`max`), if it said. */
  readonly maxSeconds?: number;
  /** A reconnection address the server suggested; recorded, never used [UCR-S1]. */
  readonly location?: string;
}

export type EnableResult = { readonly ok: true; readonly enabled: SmEnabled } | { readonly ok: false; readonly reason: string };

/** What `establishSession({ resume })` needs to resume this session. */
export interface ResumeToken {
  readonly previd: string;
  /** Our inbound count: the stanzas we handled (the server drops those from its queue). */
  readonly h: number;
  /** The full JID of the session being resumed (a resumption keeps it). */
  readonly jid: FullJid;
}

export type ResumeResult = { readonly ok: true; readonly acked: readonly SentStanza[]; readonly resent: readonly SentStanza[] } | { readonly ok: false; readonly reason: string };

export interface StreamManagementOptions {
  /** Ask for resumption (default true). */
  readonly resume?: boolean;
  /** Preferred resumption window in seconds, sent as `max` (§5); the server may choose less. */
  readonly maxSeconds?: number;
  /** How long to wait before an ack request so a burst shares one `<r/>` (default 0: next event-loop turn). */
  readonly ackRequestDelayMs?: number;
  /** How long to wait for `<enabled/>` (default 30 s). */
  readonly enableTimeoutMs?: number;
  readonly now?: () => number;
  /** Test hook for the 2^32 wrap-around: counters to start from instead of 0. */
  readonly initialCounters?: { readonly inbound: number; readonly outbound: number };
}

export type SmState = 'off' | 'enabling' | 'enabled';

export interface StreamManagementModule {
  readonly state: SmState;
  readonly enabled: SmEnabled | undefined;
  /** Sends `<enable/>` (only where the features offer sm:3) and resolves with the server's answer. */
  enable(): Promise<EnableResult>;
  /** For `establishSession({ resume })` after the link dropped; undefined when the session cannot be resumed (not resumable, or longer down than the server's `max`). */
  resumeToken(): ResumeToken | undefined;
  /** The stanzas sent but not yet acknowledged, oldest first. */
  unacked(): readonly SentStanza[];
  /** Our inbound count h (stanzas handled since `<enabled/>`, mod 2^32). */
  handled(): number;
  /** Asks for an ack now (coalesced with one already scheduled or outstanding). */
  requestAck(): void;
  /** After the session layer got `<resumed h/>`: continue the client on `stream`, drop what the server had, resend the rest in order. */
  resumed(stream: XmlStream, h: number, features?: Element): ResumeResult;
  /** After `<failed h?/>` (or when giving up): returns the stanzas the server never got (§5: with h, only those after it) and ends this SM session. */
  failed(h?: number): readonly SentStanza[];
  /** The stanzas the server has now acknowledged, oldest first (a persistent outbox deletes them). */
  onDidAck(cb: (acked: readonly SentStanza[]) => void): Disposer;
  /** A protocol failure: enable refused, a bad h, … (the reason is for the log/report). */
  onDidFail(cb: (reason: string) => void): Disposer;
  dispose(): void;
}

const H_PATTERN = /^[0-9]{1,10}$/;
/** A counter attribute as XEP-0198 §4 defines it: unsigned, below 2^32. */
export function parseH(text: unknown): number | undefined {
  if (typeof text !== 'string' || !H_PATTERN.test(text)) return undefined;
  const n = Number(text);
  return n < SM_MODULO ? n : undefined;
}

export function registerStreamManagement(client: XmppClient, opts: StreamManagementOptions = {}): StreamManagementModule {
  const now = opts.now ?? (() => Date.now());
  const wantResume = opts.resume ?? true;
  const acks = createEmitter<readonly SentStanza[]>();
  const failures = createEmitter<string>();

  let state: SmState = 'off';
  let enabled: SmEnabled | undefined;
  let inbound = 0; // h: stanzas handled since <enabled/>
  let ackedH = 0; // the server's last h (mod 2^32)
  let seq = 0; // stanzas sent since <enable/> (not wrapped)
  let queue: SentStanza[] = [];
  let requestTimer: NodeJS.Timeout | undefined;
  let outstanding = false; // an <r/> is unanswered
  let sentAtRequest = 0;
  let downSince: number | undefined;
  let linkUp = true;
  let pendingEnable: ((r: EnableResult) => void) | undefined;

  const off = (): void => {
    state = 'off';
    enabled = undefined;
    queue = [];
    outstanding = false;
    clearTimeout(requestTimer);
    requestTimer = undefined;
  };

  const fail = (reason: string): void => failures.emit(reason);

  function sendRaw(el: Element): boolean {
    try {
      client.sendRaw(el);
      return true;
    } catch {
      return false; // the stream closed under us; the close handler takes it from here
    }
  }

  function scheduleRequest(): void {
    if (state !== 'enabled' || !linkUp || requestTimer || outstanding || queue.length === 0) return;
    requestTimer = setTimeout(() => {
      requestTimer = undefined;
      if (state !== 'enabled' || !linkUp || outstanding || queue.length === 0) return;
      if (sendRaw(xml('r', { xmlns: NS_SM }))) {
        outstanding = true;
        sentAtRequest = seq;
      }
    }, opts.ackRequestDelayMs ?? 0);
    requestTimer.unref();
  }

  type Applied = { readonly ok: true; readonly acked: readonly SentStanza[] } | { readonly ok: false; readonly text: string; readonly appCondition: Element };
  /** Drops the stanzas the server's h covers (wrapping at 2^32); refuses an h above what was sent. */
  function applyAck(h: number): Applied {
    const delta = (h - ackedH + SM_MODULO) % SM_MODULO;
    if (delta > queue.length) {
      const sent = (ackedH + queue.length) % SM_MODULO;
      const text = `the server acknowledged ${h} stanzas, but only ${sent} were sent (XEP-0198 §4)`;
      fail(text);
      return { ok: false, text, appCondition: xml('handled-count-too-high', { xmlns: NS_SM, h: String(h), 'send-count': String(sent) }) };
    }
    ackedH = h;
    const acked = queue.splice(0, delta);
    if (acked.length > 0) acks.emit(acked);
    return { ok: true, acked };
  }

  function onNonza(el: Element): void {
    switch (el.name) {
      case 'r':
        if (state === 'enabled') sendRaw(xml('a', { xmlns: NS_SM, h: String(inbound) }));
        return;
      case 'a': {
        if (state !== 'enabled') return;
        const h = parseH(el.attrs.h);
        if (h === undefined) {
          fail(`the server sent an ack without a valid h (${String(el.attrs.h)})`);
          client.failStream('invalid-xml', "XEP-0198 <a/> without a valid 'h'");
          off();
          return;
        }
        outstanding = false;
        const applied = applyAck(h);
        if (!applied.ok) {
          // §4: undefined-condition with <handled-count-too-high/>, and the stream is closed.
          client.failStream('undefined-condition', applied.text, applied.appCondition);
          off();
          return;
        }
        if (seq !== sentAtRequest) scheduleRequest();
        return;
      }
      case 'enabled': {
        if (state !== 'enabling') return;
        const id = typeof el.attrs.id === 'string' && el.attrs.id.length > 0 && el.attrs.id.length <= 1024 ? el.attrs.id : undefined;
        const resumable = wantResume && (el.attrs.resume === 'true' || el.attrs.resume === '1') && id !== undefined;
        const max = parseH(el.attrs.max);
        const location = typeof el.attrs.location === 'string' ? el.attrs.location : undefined;
        enabled = { resumable, ...(resumable ? { id } : {}), ...(max !== undefined ? { maxSeconds: max } : {}), ...(location ? { location } : {}) };
        state = 'enabled';
        pendingEnable?.({ ok: true, enabled });
        scheduleRequest();
        return;
      }
      case 'failed': {
        if (state !== 'enabling') return; // a <failed/> for a resumption is read by the session layer
        const condition = el.children.find((c): c is Element => typeof c !== 'string')?.name ?? 'undefined-condition';
        off();
        const reason = `the server refused stream management (${condition})`;
        fail(reason);
        pendingEnable?.({ ok: false, reason });
        return;
      }
      default:
        return;
    }
  }

  const disposers: Disposer[] = [
    client.handleNonza(NS_SM, onNonza),
    client.onWillHandleStanza(() => {
      if (state === 'enabled') inbound = (inbound + 1) % SM_MODULO;
    }),
    client.onDidSendStanza((stanza) => {
      if (state === 'off') return;
      seq += 1;
      const id = stanza.attrs.id;
      queue.push({ stanza, id: typeof id === 'string' ? id : undefined, seq });
      scheduleRequest();
    }),
    client.onDidClose(() => {
      linkUp = false;
      downSince ??= now();
      outstanding = false;
      clearTimeout(requestTimer);
      requestTimer = undefined;
      if (state === 'enabling') {
        off();
        pendingEnable?.({ ok: false, reason: 'the stream closed before stream management was enabled' });
      }
    }),
    // A resumable session holds stanzas and IQ requests while the link is down (§5).
    client.holdWhileClosed(() => state === 'enabled' && enabled?.resumable === true),
  ];

  return {
    get state() {
      return state;
    },
    get enabled() {
      return enabled;
    },
    enable() {
      if (state !== 'off') return Promise.resolve({ ok: false, reason: `stream management is already ${state}` });
      if (!client.features?.getChild('sm', NS_SM)) return Promise.resolve({ ok: false, reason: 'the server does not offer stream management (urn:xmpp:sm:3)' });
      return new Promise<EnableResult>((resolve) => {
        const timer = setTimeout(() => {
          if (state !== 'enabling') return;
          off();
          const reason = 'no answer to <enable/>';
          fail(reason);
          pendingEnable?.({ ok: false, reason });
        }, opts.enableTimeoutMs ?? 30_000);
        timer.unref();
        pendingEnable = (r) => {
          clearTimeout(timer);
          pendingEnable = undefined;
          resolve(r);
        };
        const attrs: Record<string, string> = { xmlns: NS_SM };
        if (wantResume) attrs.resume = 'true';
        if (wantResume && opts.maxSeconds !== undefined) attrs.max = String(opts.maxSeconds);
        // §4: our outbound count starts with <enable/>, the inbound one with <enabled/>.
        inbound = opts.initialCounters?.inbound ?? 0;
        ackedH = opts.initialCounters?.outbound ?? 0;
        seq = 0;
        queue = [];
        state = 'enabling';
        if (!sendRaw(xml('enable', attrs))) {
          off();
          pendingEnable({ ok: false, reason: 'the stream is closed' });
        }
      });
    },
    resumeToken() {
      if (state !== 'enabled' || !enabled?.resumable || !enabled.id) return undefined;
      if (enabled.maxSeconds !== undefined && downSince !== undefined && now() - downSince > enabled.maxSeconds * 1000) return undefined;
      return { previd: enabled.id, h: inbound, jid: client.jid };
    },
    unacked: () => [...queue],
    handled: () => inbound,
    requestAck() {
      if (requestTimer || outstanding || state !== 'enabled' || !linkUp) return;
      if (sendRaw(xml('r', { xmlns: NS_SM }))) {
        outstanding = true;
        sentAtRequest = seq;
      }
    },
    resumed(stream, h, features) {
      if (state !== 'enabled' || !enabled?.resumable) return { ok: false, reason: 'this session is not resumable' };
      const applied = applyAck(h);
      if (!applied.ok) {
        // The new stream is not trusted with our queue; the caller gets it with failed().
        stream.fail('undefined-condition', applied.text, applied.appCondition.toString());
        return { ok: false, reason: `resumption refused: ${applied.text}` };
      }
      const resent = [...queue];
      client.resumeOn(stream, {
        ...(features ? { features } : {}),
        beforeReading: () => {
          // §5: resend what the server did not have, in the original order, before anything new.
          linkUp = true;
          downSince = undefined;
          for (const s of resent) sendRaw(s.stanza);
        },
      });
      scheduleRequest();
      return { ok: true, acked: applied.acked, resent };
    },
    failed(h) {
      // §5: with h, the server says what it handled before the session ended: those are acked.
      // An impossible h is ignored and everything is reported: a duplicate beats a loss.
      if (h !== undefined && state !== 'off' && parseH(String(h)) !== undefined) applyAck(h);
      const lost = [...queue];
      off();
      downSince = undefined;
      return lost;
    },
    onDidAck: acks.on,
    onDidFail: failures.on,
    dispose() {
      clearTimeout(requestTimer);
      for (const d of disposers) d();
      pendingEnable?.({ ok: false, reason: 'disposed' });
    },
  };
}

/**
 * IQ request/response bookkeeping (RFC 6120 §8.2.3): every request gets a unique id and exactly
 * one answer — a result, an error, or a local timeout. Answers are matched on id AND on the
 * entity we asked (a response from anyone else is ignored, RFC 6120 §8.1.2.1 / §10.1), so a
 * forged `result` from a third party cannot complete our request.
 */
import { randomBytes } from 'node:crypto';
import type { Element } from '@xmpp/xml';

export class IqError extends Error {
  constructor(
    /** RFC 6120 §8.3.3 defined condition, or 'timeout' / 'disconnected' locally. */
    readonly condition: string,
    readonly errorType: string | undefined,
    readonly stanza: Element | undefined,
    message: string,
  ) {
    super(message);
    this.name = 'IqError';
  }
}

interface Pending {
  readonly expectedFrom: readonly string[];
  resolve(el: Element): void;
  reject(e: IqError): void;
  readonly timer: NodeJS.Timeout;
}

export interface IqTracker {
  /** A fresh id and a promise for its answer; `expectedFrom` lists the JIDs allowed to answer. */
  track(expectedFrom: readonly string[], timeoutMs: number): { id: string; answer: Promise<Element> };
  /** Offers an incoming `<iq type='result'|'error'>`; true when it answered one of ours. */
  settle(iq: Element): boolean;
  /** Rejects everything still pending (the stream closed). */
  abortAll(reason: string): void;
}

export function errorCondition(iq: Element): { condition: string; type: string | undefined; text: string | undefined } {
  const error = iq.getChild('error');
  const cond = error?.children.find((c) => typeof c !== 'string' && c.attrs.xmlns === 'urn:ietf:params:xml:ns:xmpp-stanzas' && c.name !== 'text') as Element | undefined;
  return { condition: cond?.name ?? 'undefined-condition', type: error?.attrs.type as string | undefined, text: error?.getChildText('text', 'urn:ietf:params:xml:ns:xmpp-stanzas') ?? undefined };
}

export function createIqTracker(): IqTracker {
  const pending = new Map<string, Pending>();
  return {
    track(expectedFrom, timeoutMs) {
      const id = `b${randomBytes(8).toString('hex')}`;
      const answer = new Promise<Element>((resolve, reject) => {
        const timer = setTimeout(() => {
          pending.delete(id);
          reject(new IqError('timeout', undefined, undefined, `no answer within ${timeoutMs} ms`));
        }, timeoutMs);
        pending.set(id, { expectedFrom, resolve, reject, timer });
      });
      return { id, answer };
    },
    settle(iq) {
      const id = iq.attrs.id as string | undefined;
      const p = id === undefined ? undefined : pending.get(id);
      if (!p || id === undefined) return false;
      const from = (iq.attrs.from as string | undefined) ?? '';
      if (!p.expectedFrom.includes(from)) return false;
      pending.delete(id);
      clearTimeout(p.timer);
      if (iq.attrs.type === 'result') p.resolve(iq);
      else {
        const e = errorCondition(iq);
        p.reject(new IqError(e.condition, e.type, iq, `${e.condition}${e.text ? `: ${e.text}` : ''}`));
      }
      return true;
    },
    abortAll(reason) {
      for (const [id, p] of pending) {
        clearTimeout(p.timer);
        p.reject(new IqError('disconnected', undefined, undefined, reason));
        pending.delete(id);
      }
    },
  };
}

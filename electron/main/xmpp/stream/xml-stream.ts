/**
 * The XML stream over a byte pipe (RFC 6120 §4): opens and restarts streams, reads top-level
 * elements in order during negotiation (`next()`), then delivers them as events
 * (`onElement`) once the session is established. Framing limits and restricted-XML checks are
 * in framing.ts; any violation becomes a stream error to the server and a clean close.
 */
import type { Element } from '@xmpp/xml';
import { escapeXML } from '@xmpp/xml';
import type { Disposer } from '../../../../shared/util/disposable';
import { createStreamFraming, DEFAULT_LIMITS, type FramingLimits } from './framing';
import type { BytePipe, PipeClose } from './pipe';

export const NS_STREAM = 'http://etherx.jabber.org/streams';
export const NS_STREAM_ERRORS = 'urn:ietf:params:xml:ns:xmpp-streams';

export class StreamClosed extends Error {
  constructor(
    message: string,
    /** RFC 6120 §4.9.3 condition, when the close came with (or from) a stream error. */
    readonly condition?: string,
  ) {
    super(message);
    this.name = 'StreamClosed';
  }
}

export interface StreamHeader {
  readonly to: string;
  readonly from?: string;
}

export function streamHeader(h: StreamHeader): string {
  const from = h.from ? ` from='${escapeXML(h.from)}'` : '';
  return `<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='${NS_STREAM}' to='${escapeXML(h.to)}'${from} version='1.0' xml:lang='en'>`;
}

export interface XmlStream {
  /** Attributes of the server's current stream header (id, from, version …). */
  readonly serverAttrs: Readonly<Record<string, string>> | undefined;
  readonly closed: boolean;
  send(xml: string): void;
  /** The next top-level element; rejects with StreamClosed on close, stream error or timeout. */
  next(timeoutMs: number): Promise<Element>;
  /** Elements received but not yet read with next(). */
  pending(): number;
  /** Stop reading from the pipe (STARTTLS hand-off: the socket's next bytes are TLS). */
  detach(): void;
  /** Continue on a new pipe (or the same one) with a fresh parser; sends `header` first. */
  restart(header: string, pipe?: BytePipe): void;
  /** Event mode: every element from now on goes to `cb` (queued ones first). */
  onElement(cb: (el: Element) => void): Disposer;
  onClose(cb: (err: StreamClosed) => void): Disposer;
  /** Sends a stream error (RFC 6120 §4.9) and closes; `appCondition` is serialised XML of an application-specific condition (§4.9.4). */
  fail(condition: string, text: string, appCondition?: string): void;
  /** Orderly close: `</stream:stream>`, wait for the server's (bounded), then close the pipe. */
  close(timeoutMs?: number): Promise<void>;
}

export function createXmlStream(initial: BytePipe, limits: FramingLimits = DEFAULT_LIMITS): XmlStream {
  let pipe = initial;
  let serverAttrs: Record<string, string> | undefined;
  let closedWith: StreamClosed | undefined;
  let localClose = false;
  const queue: Element[] = [];
  const waiters: { resolve(el: Element): void; reject(e: StreamClosed): void }[] = [];
  let listener: ((el: Element) => void) | undefined;
  const closeListeners = new Set<(err: StreamClosed) => void>();
  let serverEnded: (() => void) | undefined;
  let detachPipe: Disposer[] = [];

  const framing = createStreamFraming(
    {
      onStreamStart: (attrs) => {
        serverAttrs = { ...attrs };
      },
      onElement: (el) => {
        if (el.is('error', NS_STREAM)) {
          const condition = el.children.find((c) => typeof c !== 'string' && c.attrs.xmlns === NS_STREAM_ERRORS) as Element | undefined;
          const text = el.getChildText('text', NS_STREAM_ERRORS);
          finish(new StreamClosed(`server closed the stream: ${condition?.name ?? 'unknown error'}${text ? ` (${text})` : ''}`, condition?.name ?? 'undefined-condition'));
          pipe.close();
          return;
        }
        const w = waiters.shift();
        if (w) w.resolve(el);
        else if (listener) listener(el);
        else queue.push(el);
      },
      onStreamEnd: () => {
        serverEnded?.();
        if (!localClose) {
          finish(new StreamClosed('server closed the stream'));
          pipe.close();
        }
      },
      onError: (condition, text) => fail(condition, text),
    },
    limits,
  );

  function finish(err: StreamClosed): void {
    if (closedWith) return;
    closedWith = err;
    for (const d of detachPipe) d();
    detachPipe = [];
    for (const w of waiters.splice(0)) w.reject(err);
    for (const cb of [...closeListeners]) cb(err);
  }

  function attach(p: BytePipe): void {
    pipe = p;
    detachPipe = [
      p.onData((chunk) => framing.write(chunk)),
      p.onClose((info: PipeClose) =>
        finish(new StreamClosed(info.error ? `connection lost: ${info.error}` : localClose ? 'stream closed' : 'connection closed by the server')),
      ),
    ];
  }

  function fail(condition: string, text: string, appCondition = ''): void {
    if (closedWith) return;
    pipe.write(`<stream:error><${condition} xmlns='${NS_STREAM_ERRORS}'/><text xmlns='${NS_STREAM_ERRORS}'>${escapeXML(text)}</text>${appCondition}</stream:error></stream:stream>`);
    finish(new StreamClosed(`stream error ${condition}: ${text}`, condition));
    pipe.close();
  }

  attach(initial);

  return {
    get serverAttrs() {
      return serverAttrs;
    },
    get closed() {
      return closedWith !== undefined;
    },
    send(xml) {
      if (closedWith) throw closedWith;
      pipe.write(xml);
    },
    next(timeoutMs) {
      const queued = queue.shift();
      if (queued) return Promise.resolve(queued);
      if (closedWith) return Promise.reject(closedWith);
      return new Promise<Element>((resolve, reject) => {
        const timer = setTimeout(() => {
          const i = waiters.indexOf(entry);
          if (i >= 0) waiters.splice(i, 1);
          fail('connection-timeout', `no answer from the server within ${timeoutMs} ms`);
          reject(closedWith ?? new StreamClosed('timed out', 'connection-timeout'));
        }, timeoutMs);
        const entry = {
          resolve: (el: Element) => {
            clearTimeout(timer);
            resolve(el);
          },
          reject: (e: StreamClosed) => {
            clearTimeout(timer);
            reject(e);
          },
        };
        waiters.push(entry);
      });
    },
    pending: () => queue.length,
    detach() {
      for (const d of detachPipe) d();
      detachPipe = [];
    },
    restart(header, next) {
      if (closedWith) throw closedWith;
      if (next) attach(next);
      framing.restart();
      serverAttrs = undefined;
      pipe.write(header);
    },
    onElement(cb) {
      listener = cb;
      for (const el of queue.splice(0)) cb(el);
      return () => {
        if (listener === cb) listener = undefined;
      };
    },
    onClose(cb) {
      closeListeners.add(cb);
      return () => {
        closeListeners.delete(cb);
      };
    },
    fail,
    async close(timeoutMs = 2000) {
      if (closedWith) return;
      localClose = true;
      let timer: NodeJS.Timeout | undefined;
      const ended = new Promise<void>((resolve) => {
        serverEnded = resolve;
        timer = setTimeout(resolve, timeoutMs);
      });
      pipe.write('</stream:stream>');
      await ended;
      clearTimeout(timer);
      finish(new StreamClosed('stream closed'));
      pipe.close();
    },
  };
}

// Test-only: an XmlStream without a network, so protocol modules can be tested with inline
// stanzas: `receive()` plays a stanza from the server, `sent` holds what the client wrote.
import type { Element } from '@xmpp/xml';
import { parse } from 'ltx';
import type { Disposer } from '../../../../../shared/util/disposable';
import { StreamClosed, type XmlStream } from '../../stream/xml-stream';

export interface FakeStream extends XmlStream {
  readonly sent: Element[];
  receive(xmlText: string): void;
  /** The last sent stanza, parsed. */
  last(): Element;
  end(reason?: string): void;
}

export function createFakeStream(): FakeStream {
  const sent: Element[] = [];
  let listener: ((el: Element) => void) | undefined;
  const closeListeners = new Set<(e: StreamClosed) => void>();
  let closed = false;
  const fail = (): never => {
    throw new Error('not used by the client layer');
  };
  return {
    sent,
    serverAttrs: undefined,
    get closed() {
      return closed;
    },
    send(text) {
      if (closed) throw new StreamClosed('closed');
      sent.push(parse(text) as Element);
    },
    receive(text) {
      listener?.(parse(text) as Element);
    },
    last() {
      const el = sent[sent.length - 1];
      if (!el) throw new Error('nothing sent');
      return el;
    },
    end(reason = 'closed by test') {
      closed = true;
      for (const cb of [...closeListeners]) cb(new StreamClosed(reason));
    },
    next: fail,
    pending: () => 0,
    detach: fail,
    restart: fail,
    onElement(cb): Disposer {
      listener = cb;
      return () => {
        listener = undefined;
      };
    },
    onClose(cb): Disposer {
      closeListeners.add(cb);
      return () => {
        closeListeners.delete(cb);
      };
    },
    fail: (condition, text) => {
      closed = true;
      for (const cb of [...closeListeners]) cb(new StreamClosed(`${condition}: ${text}`, condition));
    },
    close: () => {
      closed = true;
      return Promise.resolve();
    },
  };
}

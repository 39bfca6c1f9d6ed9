// Shared pieces of the IM-core benchmarks (presence-flood.ts, pipeline.ts, roster.ts): a
// Bastion receive path without a network (bytes → the real XmlStream with its framing → the
// real XmppClient → the IM modules → the frame batcher), the raw-ltx baseline fed the same bytes,
// synthetic stanzas, and small formatting helpers.
import { StringDecoder } from 'node:string_decoder';
import { Parser, type Element } from '@xmpp/xml';
import type { Disposer } from '../../shared/util/disposable';
import type { BareJid, FullJid } from '../../shared/xmpp/jid';
import { createXmppClient, type XmppClient } from '../../electron/main/xmpp/client/client';
import type { BytePipe, PipeClose } from '../../electron/main/xmpp/stream/pipe';
import { createXmlStream } from '../../electron/main/xmpp/stream/xml-stream';

export const DOMAIN = 'bench.test';
export const ME = `me@${DOMAIN}` as BareJid;
export const ME_FULL = `${ME}/bastion` as FullJid;
/** What a server sends first; the framing needs the stream root before any stanza. */
export const STREAM_HEADER = `<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' from='${DOMAIN}' id='bench' version='1.0' xml:lang='en'>`;
/** The largest TLS record payload (RFC 8446 §5.1): how the bytes of a busy stream arrive. */
export const RECORD_BYTES = 16 * 1024;

/** A byte pipe with no network: `feed()` is the server, writes (receipts, presence) are counted. */
export interface FakePipe extends BytePipe {
  feed(chunk: Buffer): void;
  readonly written: { bytes: number; writes: number; last: string };
}

export function fakePipe(): FakePipe {
  const data = new Set<(c: Buffer) => void>();
  const close = new Set<(i: PipeClose) => void>();
  const written = { bytes: 0, writes: 0, last: '' };
  const add = <T>(set: Set<T>, cb: T): Disposer => {
    set.add(cb);
    return () => {
      set.delete(cb);
    };
  };
  return {
    written,
    write: (d) => {
      written.bytes += typeof d === 'string' ? Buffer.byteLength(d) : d.length;
      written.writes++;
      written.last = typeof d === 'string' ? d : d.toString('utf8');
    },
    onData: (cb) => add(data, cb),
    onClose: (cb) => add(close, cb),
    close: () => {
      for (const cb of [...close]) cb({ clean: true });
    },
    destroy: () => {
      for (const cb of [...close]) cb({ clean: false, error: 'destroyed' });
    },
    feed: (chunk) => {
      for (const cb of [...data]) cb(chunk);
    },
  };
}

/** The real XmlStream (framing.ts limits and restricted-XML checks) and XmppClient on a fake pipe. */
export function benchClient(who: { readonly jid: FullJid; readonly account: BareJid } = { jid: ME_FULL, account: ME }): { client: XmppClient; pipe: FakePipe } {
  const pipe = fakePipe();
  const stream = createXmlStream(pipe);
  pipe.feed(Buffer.from(STREAM_HEADER));
  const client = createXmppClient({ jid: who.jid, account: who.account, stream });
  return { client, pipe };
}

/** Baseline: ltx alone (@xmpp/xml's Parser is ltx's SAX parser building ltx Elements, one event
 * per top-level element): no size or depth limits, no restricted-XML scan, no routing, no model. */
export function ltxBaseline(): { write(chunk: Buffer): void; count(): number } {
  const parser = new Parser();
  const decoder = new StringDecoder('utf8');
  let n = 0;
  parser.on('element', (_el: Element) => {
    n++;
  });
  parser.write(STREAM_HEADER);
  return {
    write: (chunk) => parser.write(decoder.write(chunk)),
    count: () => n,
  };
}

/** Cuts a byte stream into TLS-record-sized chunks (stanzas split at arbitrary points). */
export function chunked(bytes: Buffer, size = RECORD_BYTES): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += size) out.push(bytes.subarray(i, i + size));
  return out;
}

/** A deterministic pseudo-random sequence (mulberry32), so every run uses the same stanzas. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function escapeText(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

const WORDS = ['ok', 'meeting', 'at', '1400', 'the', 'report', 'is', 'ready', 'see', 'attached', 'thanks', 'résumé', 'naïve', '✓', '😀', 'Zürich', '<draft>', 'R&D', 'status', 'update', 'please', 'review', 'by', 'EOD', 'copy', 'that'];

export function sentence(r: () => number, minWords: number, maxWords: number): string {
  const n = minWords + Math.floor(r() * (maxWords - minWords + 1));
  const words: string[] = [];
  for (let i = 0; i < n; i++) words.push(WORDS[Math.floor(r() * WORDS.length)] as string);
  return words.join(' ');
}

export function contact(i: number): string {
  return `contact${i}@${DOMAIN}`;
}

/** A presence as servers relay them: show, status, priority, XEP-0115 caps, some with a XEP-0153 avatar hash. */
export function presenceStanza(r: () => number, from: string, i: number): string {
  const shows = ['', '', 'away', 'xa', 'dnd', 'chat'];
  const show = shows[Math.floor(r() * shows.length)] as string;
  const status = r() < 0.6 ? `<status>${escapeText(sentence(r, 1, 8))}</status>` : '';
  const photo = r() < 0.5 ? `<x xmlns='vcard-temp:x:update'><photo>${(i * 2654435761).toString(16).padStart(40, '0').slice(0, 40)}</photo></x>` : '';
  return (
    `<presence from='${from}' to='${ME_FULL}'>` +
    (show ? `<show>${show}</show>` : '') +
    status +
    `<priority>${Math.floor(r() * 10)}</priority>` +
    `<c xmlns='http://jabber.org/protocol/caps' hash='sha-1' node='https://conversations.im' ver='${Buffer.from(String(i % 7)).toString('base64')}+bench='/>` +
    photo +
    `</presence>`
  );
}

/** Lets timers (the batcher's) run. */
export const tick = (): Promise<void> => new Promise((r) => setImmediate(r));
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

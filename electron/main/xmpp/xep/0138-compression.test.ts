import { parse } from 'ltx';
import type { Element } from '@xmpp/xml';
import zlib from 'node:zlib';
import { describe, expect, it, vi } from 'vitest';
import type { BytePipe, PipeClose } from '../stream/pipe';
import { createXmlStream } from '../stream/xml-stream';
import { zlibPipe } from '../stream/zlib-pipe';
import { describeCompression, negotiateCompression, offeredCompressionMethods } from './0138-compression';

/** A byte pipe whose far end is the test: `written` is what we sent, `deliver` plays bytes in. */
function memoryPipe() {
  const written: Buffer[] = [];
  const data = new Set<(b: Buffer) => void>();
  const closes = new Set<(i: PipeClose) => void>();
  let closed = false;
  const pipe: BytePipe = {
    write: (d) => {
      written.push(typeof d === 'string' ? Buffer.from(d) : d);
    },
    onData: (cb) => {
      data.add(cb);
      return () => data.delete(cb) as unknown as void;
    },
    onClose: (cb) => {
      closes.add(cb);
      return () => closes.delete(cb) as unknown as void;
    },
    close: () => {
      closed = true;
      for (const cb of [...closes]) cb({ clean: true });
    },
    destroy: () => {
      closed = true;
      for (const cb of [...closes]) cb({ clean: false, error: 'destroyed' });
    },
  };
  return { pipe, written, deliver: (b: Buffer) => data.forEach((cb) => cb(b)), isClosed: () => closed };
}

const settle = () => new Promise((r) => setTimeout(r, 30));
const features = (inner: string) => parse(`<stream:features xmlns:stream='http://etherx.jabber.org/streams'>${inner}</stream:features>`) as Element;

describe('zlib pipe (XEP-0138 §7.1)', () => {
  it('deflates each write with a sync flush (readable at once by the peer) and inflates what arrives', async () => {
    const m = memoryPipe();
    const violations: string[] = [];
    const z = zlibPipe(m.pipe, { onViolation: (c) => violations.push(c) });
    const peerInflate = zlib.createInflate();
    const peerGot: string[] = [];
    peerInflate.on('data', (b: Buffer) => peerGot.push(b.toString()));
    z.write("<message to='bob@example.test'><body>one</body></message>");
    // Polled, not a fixed sleep: zlib runs on the thread pool, slow on a loaded machine.
    await vi.waitFor(() => expect(m.written.length).toBeGreaterThan(0), { timeout: 5000 });
    for (const b of m.written.splice(0)) peerInflate.write(b);
    await vi.waitFor(() => expect(peerGot.join('')).toBe("<message to='bob@example.test'><body>one</body></message>"), { timeout: 5000 }); // no more writes needed to read it

    const peerDeflate = zlib.createDeflate();
    const received: string[] = [];
    z.onData((b) => received.push(b.toString()));
    peerDeflate.on('data', (b: Buffer) => m.deliver(b));
    peerDeflate.write('<message><body>two</body></message>');
    peerDeflate.flush(zlib.constants.Z_SYNC_FLUSH);
    await vi.waitFor(() => expect(received.join('')).toBe('<message><body>two</body></message>'), { timeout: 5000 });
    expect(violations).toEqual([]);
    expect(z.stats().sentPlain).toBeGreaterThan(0);
  });

  it('[IMPP-D1] a decompression bomb is stopped within its first read: policy-violation, and at most the bound reaches the parser', async () => {
    const m = memoryPipe();
    const violations: string[] = [];
    const z = zlibPipe(m.pipe, { limits: { maxRatio: 100, floorBytes: 64 * 1024 }, onViolation: (c) => violations.push(c) });
    let plain = 0;
    z.onData((b) => {
      plain += b.length;
    });
    const bomb = zlib.deflateSync(Buffer.alloc(64 * 1024 * 1024, 0x20)); // 64 MiB of whitespace, ~64 KB
    expect(bomb.length).toBeLessThan(100 * 1024);
    m.deliver(bomb.subarray(0, 16 * 1024));
    await vi.waitFor(() => expect(violations).toEqual(['policy-violation']), { timeout: 5000 });
    expect(plain).toBeLessThanOrEqual(64 * 1024 + 100 * 16 * 1024);
    m.deliver(bomb.subarray(16 * 1024));
    await settle();
    expect(plain).toBeLessThanOrEqual(64 * 1024 + 100 * 16 * 1024); // nothing more after the violation
  });

  it("the peer's last bytes are delivered before the close (its </stream:stream> is not lost); an unfinished zlib stream at close is normal", async () => {
    const m = memoryPipe();
    const violations: string[] = [];
    const z = zlibPipe(m.pipe, { onViolation: (c) => violations.push(c) });
    const events: string[] = [];
    z.onData((b) => events.push(b.toString()));
    z.onClose((i) => events.push(`close clean=${String(i.clean)}`));
    const peer = zlib.createDeflate();
    const out: Buffer[] = [];
    peer.on('data', (b: Buffer) => out.push(b));
    peer.write('</stream:stream>');
    peer.flush(zlib.constants.Z_SYNC_FLUSH);
    await vi.waitFor(() => expect(out.length).toBeGreaterThan(0), { timeout: 5000 });
    m.deliver(Buffer.concat(out));
    m.pipe.close(); // the connection ends in the same tick, before inflating finished
    await vi.waitFor(() => expect(events).toEqual(['</stream:stream>', 'close clean=true']), { timeout: 5000 });
    expect(violations).toEqual([]);
  });

  it('data that does not inflate is a stream-level failure (undefined-condition), not an exception', async () => {
    const m = memoryPipe();
    const violations: string[] = [];
    zlibPipe(m.pipe, { onViolation: (c) => violations.push(c) });
    m.deliver(Buffer.from('this is not zlib at all, just text'));
    await vi.waitFor(() => expect(violations).toEqual(['undefined-condition']), { timeout: 5000 });
  });
});

describe('XEP-0138 negotiation', () => {
  it('policy off: a server offer is not taken up, nothing is sent, and the report says why', async () => {
    const m = memoryPipe();
    const stream = createXmlStream(m.pipe);
    const offer = features("<compression xmlns='http://jabber.org/features/compress'><method>zlib</method></compression>");
    expect(offeredCompressionMethods(offer)).toEqual(['zlib']);
    const o = await negotiateCompression({ stream, features: offer, policy: 'off', pipe: m.pipe, header: '<stream:stream>', timeoutMs: 1000 });
    expect(o).toEqual({ kind: 'off-by-policy', methods: ['zlib'] });
    expect(m.written).toEqual([]);
    expect(describeCompression(o)).toMatch(/policy has it off.*CRIME\/BREACH/);
  });

  it('not offered, or only an unknown method: nothing to do', async () => {
    const m = memoryPipe();
    const stream = createXmlStream(m.pipe);
    const none = await negotiateCompression({ stream, features: features(''), policy: 'allowed', pipe: m.pipe, header: '', timeoutMs: 1000 });
    expect(none).toEqual({ kind: 'not-offered' });
    expect(describeCompression(none)).toBeUndefined();
    const lzw = await negotiateCompression({
      stream,
      features: features("<compression xmlns='http://jabber.org/features/compress'><method>lzw</method></compression>"),
      policy: 'allowed',
      pipe: m.pipe,
      header: '',
      timeoutMs: 1000,
    });
    expect(lzw).toEqual({ kind: 'no-common-method', methods: ['lzw'] });
    expect(m.written).toEqual([]);
  });

  it('a <failure/> answer is not fatal (§5): the session continues uncompressed', async () => {
    const m = memoryPipe();
    const stream = createXmlStream(m.pipe);
    m.deliver(Buffer.from("<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>"));
    const pending = negotiateCompression({
      stream,
      features: features("<compression xmlns='http://jabber.org/features/compress'><method>zlib</method></compression>"),
      policy: 'allowed',
      pipe: m.pipe,
      header: '',
      timeoutMs: 1000,
    });
    m.deliver(Buffer.from("<failure xmlns='http://jabber.org/protocol/compress'><setup-failed/></failure>"));
    expect(await pending).toEqual({ kind: 'refused', condition: 'setup-failed' });
    expect(Buffer.concat(m.written).toString()).toBe("<compress xmlns='http://jabber.org/protocol/compress'><method>zlib</method></compress>");
  });
});

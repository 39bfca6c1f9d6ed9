/**
 * XEP-0138 stream compression with ZLIB (RFC 1950) as a byte pipe over the TLS pipe: what the
 * XML stream writes is deflated and completed with a partial flush (Z_SYNC_FLUSH) per write, so
 * the server can read every stanza at once (XEP-0138 §7.1); what arrives is inflated for the
 * framing. Only negotiated where policy allows it (../session/policy.ts explains why it is off by
 * default).
 *
 * Inflating is bounded [IMPP-D1]: a compressed read may expand to at most
 * `floorBytes + maxRatio × its size`. Deflate can expand about 1000:1, so a few kilobytes could
 * otherwise turn into gigabytes of work; a read that expands beyond the bound (a "zip bomb"), or
 * data that does not inflate at all, is reported through `onViolation` and nothing more of it
 * reaches the XML parser. The caller turns that into a stream error.
 */
import zlib from 'node:zlib';
import type { Disposer } from '../../../../shared/util/disposable';
import type { BytePipe, PipeClose } from './pipe';

export interface ZlibLimits {
  /** Most inflated bytes per compressed byte of one read, on top of `floorBytes`. */
  readonly maxRatio: number;
  /** Inflated bytes any read may produce regardless of its size. */
  readonly floorBytes: number;
}

// Ordinary XML compresses 5–20:1; 100:1 plus 1 MiB leaves honest traffic far below the bound,
// while a bomb (about 1000:1) is caught within its first read.
export const DEFAULT_ZLIB_LIMITS: ZlibLimits = { maxRatio: 100, floorBytes: 1024 * 1024 };

export interface ZlibPipeOptions {
  readonly limits?: ZlibLimits;
  /**
   * The peer's data is bad: it does not inflate, or it expands beyond the limits. Called once;
   * the caller should send a stream error (RFC 6120 §4.9.3) and close. Writing still works.
   */
  readonly onViolation: (condition: 'policy-violation' | 'undefined-condition', text: string) => void;
}

export interface ZlibPipe extends BytePipe {
  /** Bytes before and after compression in each direction (for the security report and tests). */
  stats(): { readonly sentPlain: number; readonly sentCompressed: number; readonly receivedCompressed: number; readonly receivedPlain: number };
}

export function zlibPipe(inner: BytePipe, opts: ZlibPipeOptions): ZlibPipe {
  const limits = opts.limits ?? DEFAULT_ZLIB_LIMITS;
  const deflate = zlib.createDeflate();
  const inflate = zlib.createInflate();
  const dataListeners = new Set<(chunk: Buffer) => void>();
  const counts = { sentPlain: 0, sentCompressed: 0, receivedCompressed: 0, receivedPlain: 0 };
  // One entry per compressed read being inflated: the zlib stream works through its writes in
  // order and emits a write's output before that write's callback, so the head is the read the
  // current output belongs to.
  const reads: { budget: number }[] = [];
  let violated = false;
  let closing = false;
  let innerClosed = false;

  const violation = (condition: 'policy-violation' | 'undefined-condition', text: string): void => {
    if (violated) return;
    violated = true;
    reads.length = 0;
    inflate.destroy();
    opts.onViolation(condition, text);
  };

  deflate.on('data', (out: Buffer) => {
    counts.sentCompressed += out.length;
    inner.write(out);
  });
  deflate.on('error', () => inner.destroy());
  inflate.on('data', (out: Buffer) => {
    if (violated) return;
    const read = reads[0];
    if (read) read.budget -= out.length;
    if (read && read.budget < 0) {
      violation('policy-violation', `compressed data expands beyond ${limits.maxRatio}:1 plus ${limits.floorBytes} bytes (a decompression bomb)`);
      return;
    }
    counts.receivedPlain += out.length;
    for (const cb of [...dataListeners]) cb(out);
  });
  // After the connection closed, an unfinished zlib stream is normal (the server never sends Z_FINISH).
  inflate.on('error', (e: Error) => {
    if (!innerClosed) violation('undefined-condition', `compressed data could not be inflated: ${e.message}`);
  });

  const offData = inner.onData((chunk) => {
    if (violated) return;
    counts.receivedCompressed += chunk.length;
    const read = { budget: limits.floorBytes + limits.maxRatio * chunk.length };
    reads.push(read);
    inflate.write(chunk, () => {
      const i = reads.indexOf(read);
      if (i >= 0) reads.splice(i, 1);
    });
  });
  // The peer's last bytes (its `</stream:stream>`) may still be inflating when the connection
  // closes: the close is passed on only after them, so the stream sees its orderly end.
  const closeListeners = new Set<(info: PipeClose) => void>();
  let closedWith: PipeClose | undefined;
  const offClose = inner.onClose((info) => {
    innerClosed = true;
    offData();
    offClose();
    deflate.destroy();
    const done = (): void => {
      if (closedWith) return;
      closedWith = info;
      inflate.destroy();
      for (const cb of [...closeListeners]) cb(info);
    };
    if (violated || inflate.destroyed) {
      done();
      return;
    }
    inflate.once('end', done);
    inflate.once('error', done);
    inflate.once('close', done);
    inflate.end();
  });

  return {
    write(data) {
      if (closing || deflate.destroyed) return;
      const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
      counts.sentPlain += buf.length;
      deflate.write(buf);
      deflate.flush(zlib.constants.Z_SYNC_FLUSH, () => undefined);
    },
    onData(cb): Disposer {
      dataListeners.add(cb);
      return () => {
        dataListeners.delete(cb);
      };
    },
    onClose(cb: (info: PipeClose) => void): Disposer {
      if (closedWith) {
        const info = closedWith;
        queueMicrotask(() => cb(info));
        return () => undefined;
      }
      closeListeners.add(cb);
      return () => {
        closeListeners.delete(cb);
      };
    },
    close() {
      if (closing) return;
      closing = true;
      if (deflate.destroyed) {
        inner.close();
        return;
      }
      // Everything written so far (the closing tag, a stream error) leaves before the TLS close.
      deflate.once('end', () => inner.close());
      deflate.end();
    },
    destroy() {
      closing = true;
      deflate.destroy();
      inflate.destroy();
      inner.destroy();
    },
    stats: () => ({ ...counts }),
  };
}

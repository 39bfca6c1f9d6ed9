// TlsChannel: one GnuTLS session pumped over a byte transport that JS owns (a net.Socket after
// XMPP <proceed/>). Ciphertext from the transport is fed to the session; what the session
// writes goes straight back to the transport. The handshake promise settles exactly once; any
// failure destroys the session and the transport: there is never a plaintext fallback.
//
// The handshake runs on the addon's native thread (session.startHandshake): this side keeps
// feeding bytes and gets onWrite / sign / checkPeer calls and finally onDone on the JS thread.
// Destroying the session (failure, timeout, socket closed) aborts and joins that thread.
// After onDone the session belongs to this thread again: read/write/bye are synchronous.
import type { Disposer } from '../../../shared/util/disposable';
import type { NativeSession } from './addon';
import { classifyHandshakeError, classifyRecordError, TlsFailure } from './failure';
import type { TlsInfo } from './info';

/** The part of net.Socket the engine uses (any duplex-like byte stream works). */
export interface TlsTransport {
  /** net.Socket's flag: a transport already destroyed fails the handshake at once. */
  readonly destroyed?: boolean;
  write(chunk: Buffer): unknown;
  end(): unknown;
  destroy(): unknown;
  on(event: 'data', listener: (chunk: Buffer) => void): unknown;
  on(event: 'end' | 'close', listener: () => void): unknown;
  on(event: 'error', listener: (err: Error) => void): unknown;
  removeListener(event: 'data', listener: (chunk: Buffer) => void): unknown;
  removeListener(event: 'end' | 'close', listener: () => void): unknown;
  removeListener(event: 'error', listener: (err: Error) => void): unknown;
}

export interface TlsCloseEvent {
  /** close_notify was exchanged (or we closed first); false for a bare EOF, reset or error. */
  clean: boolean;
  /** We called close(). */
  local: boolean;
  error?: TlsFailure;
}

export interface TlsChannel {
  readonly info: TlsInfo;
  readonly closed: boolean;
  write(data: string | Uint8Array): void;
  /** Plaintext from the server. Data that arrived before the first listener is kept for it. */
  onData(cb: (chunk: Buffer) => void): Disposer;
  onClose(cb: (event: TlsCloseEvent) => void): Disposer;
  /** Sends close_notify, then ends the transport. */
  close(): void;
}

export interface PumpOptions {
  transport: TlsTransport;
  /** Creates the native session; onWrite must be passed to the addon. */
  createSession: (onWrite: (ciphertext: Buffer) => void) => NativeSession;
  /** Turns the finished session into TlsInfo; throws a TlsFailure to refuse it. */
  finish: (session: NativeSession) => TlsInfo;
  handshakeTimeoutMs: number;
}

type State = 'handshaking' | 'open' | 'closed';

class Channel implements TlsChannel {
  private state: State = 'handshaking';
  private session: NativeSession | null = null;
  private infoValue: TlsInfo | null = null;
  private eofSeen = false;
  private closeEvent: TlsCloseEvent | null = null;
  private readonly dataListeners = new Set<(chunk: Buffer) => void>();
  private readonly closeListeners = new Set<(event: TlsCloseEvent) => void>();
  private pending: Buffer[] = [];
  private flushScheduled = false;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private settle: { resolve: (c: TlsChannel) => void; reject: (f: TlsFailure) => void } | null = null;

  private readonly onTransportData = (chunk: Buffer): void => this.handleData(chunk);
  private readonly onTransportEnd = (): void => this.handleEnd();
  private readonly onTransportClose = (): void => this.handleClose();
  private readonly onTransportError = (err: Error): void => this.handleError(err);

  constructor(private readonly opts: PumpOptions) {}

  start(): Promise<TlsChannel> {
    return new Promise<TlsChannel>((resolve, reject) => {
      this.settle = { resolve, reject };
      const t = this.opts.transport;
      if (t.destroyed === true) {
        this.fail(new TlsFailure('closed', 'the socket was already closed'));
        return;
      }
      try {
        this.session = this.opts.createSession((ciphertext) => {
          t.write(ciphertext);
        });
      } catch (err) {
        const f = err instanceof TlsFailure ? err : new TlsFailure('config', errorMessage(err), { cause: err });
        this.fail(f);
        return;
      }
      t.on('data', this.onTransportData);
      t.on('end', this.onTransportEnd);
      t.on('close', this.onTransportClose);
      t.on('error', this.onTransportError);
      this.timer = setTimeout(() => {
        this.fail(new TlsFailure('timeout', `TLS handshake did not finish within ${this.opts.handshakeTimeoutMs} ms`));
      }, this.opts.handshakeTimeoutMs);
      try {
        // The thread sends the ClientHello at once; the native deadline backs up the timer above.
        this.session.startHandshake((err) => this.handshakeDone(err), this.opts.handshakeTimeoutMs);
      } catch (err) {
        this.fail(classifyHandshakeError(err));
      }
    });
  }

  get info(): TlsInfo {
    if (!this.infoValue) throw new Error('TLS handshake has not finished');
    return this.infoValue;
  }

  get closed(): boolean {
    return this.state === 'closed';
  }

  write(data: string | Uint8Array): void {
    if (this.state !== 'open' || !this.session) throw new TlsFailure('closed', 'TLS channel is closed');
    const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    try {
      this.session.write(buf);
    } catch (err) {
      const f = classifyRecordError(err);
      this.shutdown({ clean: false, local: false, error: f }, 'destroy');
      throw f;
    }
  }

  onData(cb: (chunk: Buffer) => void): Disposer {
    this.dataListeners.add(cb);
    if (this.pending.length > 0) this.scheduleFlush();
    return () => {
      this.dataListeners.delete(cb);
    };
  }

  onClose(cb: (event: TlsCloseEvent) => void): Disposer {
    const ev = this.closeEvent;
    if (ev) {
      queueMicrotask(() => cb(ev));
      return () => {};
    }
    this.closeListeners.add(cb);
    return () => {
      this.closeListeners.delete(cb);
    };
  }

  close(): void {
    if (this.state === 'handshaking') {
      this.fail(new TlsFailure('closed', 'TLS channel closed during the handshake'));
      return;
    }
    if (this.state !== 'open') return;
    try {
      this.session?.bye();
    } catch {
      // the close_notify could not be produced: end the transport all the same
    }
    this.shutdown({ clean: true, local: true }, 'end');
  }

  // ---------------------------------------------------------------- transport events

  private handleData(chunk: Buffer): void {
    const s = this.session;
    if (!s || this.state === 'closed') return;
    try {
      s.feed(chunk);
    } catch (err) {
      this.failOrClose(err);
      return;
    }
    // While handshaking, the bytes wake the handshake thread; once open, decrypt them here.
    if (this.state === 'open') this.drain();
  }

  private handleEnd(): void {
    this.eofSeen = true;
    if (this.state === 'handshaking') {
      this.endDuringHandshake();
      return;
    }
    if (this.state !== 'open' || !this.session) return;
    this.session.feedEof();
    this.drain();
    if (this.state === 'open') this.shutdown({ clean: false, local: false }, 'end');
  }

  private handleClose(): void {
    if (this.state === 'handshaking') {
      this.eofSeen = true;
      this.endDuringHandshake();
    } else if (this.state === 'open') this.shutdown({ clean: false, local: false }, 'none');
  }

  /**
   * The peer ended (or the socket closed) during the handshake. The bytes that came before may
   * hold the reason (a fatal alert: protocol version, handshake failure, ...), and the thread may
   * not have read them yet: tell it EOF and let onDone report. It ends promptly: it is either
   * reading (EOF now), computing, or waiting for a signer (the addon aborts that wait on EOF).
   */
  private endDuringHandshake(): void {
    const s = this.session;
    if (!s) return;
    try {
      s.feedEof();
    } catch (err) {
      this.fail(new TlsFailure('closed', 'connection closed during the TLS handshake', { cause: err }));
    }
  }

  private handleError(err: Error): void {
    const f = new TlsFailure('transport-error', `transport error: ${err.message}`, { cause: err });
    if (this.state === 'handshaking') this.fail(f);
    else if (this.state === 'open') this.shutdown({ clean: false, local: false, error: f }, 'destroy');
  }

  // ---------------------------------------------------------------- TLS steps

  /** onDone of the native handshake: the thread has been joined, the session is ours again. */
  private handshakeDone(err: unknown): void {
    const s = this.session;
    if (!s || this.state !== 'handshaking') return;
    if (err) {
      this.fail(classifyHandshakeError(err));
      return;
    }
    if (this.eofSeen) {
      // Our last flight went out, but the peer had already gone: no channel to speak of.
      this.fail(new TlsFailure('closed', 'connection ended during the TLS handshake'));
      return;
    }
    try {
      this.infoValue = this.opts.finish(s);
    } catch (e) {
      this.fail(e instanceof TlsFailure ? e : new TlsFailure('handshake-failed', errorMessage(e), { cause: e }));
      return;
    }
    this.state = 'open';
    this.clearTimer();
    const settle = this.settle;
    this.settle = null;
    settle?.resolve(this);
    // Application data (and TLS 1.3 tickets) may have arrived with or right after the last flight.
    this.drain();
  }

  /** Reads all plaintext that can be decrypted now (application data may ride with the last flight). */
  private drain(): void {
    const s = this.session;
    if (!s) return;
    try {
      for (let chunk = s.read(); chunk !== null; chunk = this.session ? this.session.read() : null) this.deliver(chunk);
    } catch (err) {
      this.shutdown({ clean: false, local: false, error: classifyRecordError(err) }, 'destroy');
      return;
    }
    if (this.state === 'open' && this.session?.isPeerClosed()) {
      // close_notify (or EOF): answer with ours and end our side.
      const clean = !this.eofSeen;
      try {
        this.session.bye();
      } catch {
        // nothing more to say to this peer
      }
      this.shutdown({ clean, local: false }, 'end');
    }
  }

  private deliver(chunk: Buffer): void {
    if (this.dataListeners.size === 0 || this.pending.length > 0) {
      this.pending.push(chunk);
      if (this.dataListeners.size > 0) this.scheduleFlush();
      return;
    }
    for (const cb of [...this.dataListeners]) cb(chunk);
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    queueMicrotask(() => {
      this.flushScheduled = false;
      if (this.dataListeners.size === 0) return;
      const chunks = this.pending;
      this.pending = [];
      for (const chunk of chunks) for (const cb of [...this.dataListeners]) cb(chunk);
    });
  }

  // ---------------------------------------------------------------- endings

  private failOrClose(err: unknown): void {
    if (this.state === 'handshaking') this.fail(classifyHandshakeError(err));
    else this.shutdown({ clean: false, local: false, error: classifyRecordError(err) }, 'destroy');
  }

  /** Handshake failure: reject, free the session, destroy the transport. */
  private fail(f: TlsFailure): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.clearTimer();
    this.release();
    this.opts.transport.destroy();
    const settle = this.settle;
    this.settle = null;
    settle?.reject(f);
  }

  private shutdown(event: TlsCloseEvent, transport: 'end' | 'destroy' | 'none'): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.clearTimer();
    this.release();
    if (transport === 'end') this.opts.transport.end();
    else if (transport === 'destroy') this.opts.transport.destroy();
    this.closeEvent = event;
    const listeners = [...this.closeListeners];
    this.closeListeners.clear();
    for (const cb of listeners) cb(event);
  }

  private release(): void {
    const t = this.opts.transport;
    t.removeListener('data', this.onTransportData);
    t.removeListener('end', this.onTransportEnd);
    t.removeListener('close', this.onTransportClose);
    // Keep an error listener: a late socket error must not become an uncaught exception.
    t.removeListener('error', this.onTransportError);
    t.on('error', ignoreError);
    const s = this.session;
    this.session = null;
    try {
      s?.destroy();
    } catch {
      // destroy() only refuses while inside a GnuTLS callback; the finalizer frees it then
    }
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}

function ignoreError(): void {}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Runs the handshake over the transport; resolves with the open channel. */
export function openTlsChannel(opts: PumpOptions): Promise<TlsChannel> {
  return new Channel(opts).start();
}

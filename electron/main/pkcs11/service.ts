// The card service: the async API the rest of main uses for smart cards. Every PKCS#11 call
// runs in the card worker (client.ts → worker/), so a slow card never blocks the main thread.
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { SignAlgorithm } from '../tls/engine';
import { describeCertificate, type CardCertificate } from './certificate';
import { CardWorkerClient, type WorkerFactory } from './client';
import { CardError } from './errors';
import type { KeyProtection, LoginResult, MechanismSupport, ModuleInfo, SlotEvent, SlotId, TokenSummary } from './protocol';

export type TokenRemovedEvent = Extract<SlotEvent, { type: 'token-removed' }>;
export type TokenInsertedEvent = Extract<SlotEvent, { type: 'token-inserted' }>;
export type Disposer = () => void;

export interface CardServiceOptions {
  /** Absolute path of the PKCS#11 module (module-paths.ts resolveModulePath picks it). */
  modulePath: string;
  /** How to start the worker thread; default: `workerFile` (or pkcs11-worker.cjs next to this bundle). */
  workerFactory?: WorkerFactory;
  workerFile?: string;
  /** Per request (default 20 s). A card that stops answering fails the call, not the app. */
  requestTimeoutMs?: number;
  /** Loading the module and C_Initialize (default 30 s: OpenSC with many readers is slow). */
  initTimeoutMs?: number;
  /** Slot polling period, ≤ 500 ms so that removal is seen within 2 s (default 500). */
  pollIntervalMs?: number;
  /** Tests only: see InitParams.simulatedSignLatencyMs. */
  simulatedSignLatencyMs?: number;
}

export interface CardService {
  moduleInfo(): Promise<ModuleInfo>;
  listTokens(): Promise<TokenSummary[]>;
  /** Every X.509 certificate on the token, described and checked for TLS client use. */
  listCertificates(slot: SlotId): Promise<CardCertificate[]>;
  /**
   * C_Login with the user PIN. A Uint8Array PIN is zeroed before this returns; a string cannot
   * be wiped by anyone, so callers should prefer bytes. The PIN is never stored or logged.
   */
  login(slot: SlotId, pin: string | Uint8Array): Promise<LoginResult>;
  logout(slot: SlotId): Promise<void>;
  mechanisms(slot: SlotId): Promise<MechanismSupport>;
  /** data: the hash (RSA-PSS, ECDSA) or DigestInfo (RSA-PKCS1), as the TLS engine gives it. ECDSA answers raw r||s. */
  sign(slot: SlotId, keyId: string, algo: SignAlgorithm, data: Uint8Array): Promise<Buffer>;
  keyProtection(slot: SlotId, keyId: string): Promise<KeyProtection>;
  onDidRemoveToken(cb: (e: TokenRemovedEvent) => void): Disposer;
  onDidInsertToken(cb: (e: TokenInsertedEvent) => void): Disposer;
  /** The worker stopped unexpectedly: every session and login is gone (the next call restarts it). */
  onDidWorkerExit(cb: (err: CardError) => void): Disposer;
  close(): Promise<void>;
}

/** Where the bundled worker lives by default: next to the main-process bundle. */
export const BUNDLED_WORKER_FILE = 'pkcs11-worker.cjs';

export function bundledWorkerFactory(file: string): WorkerFactory {
  return () => new Worker(file);
}

function defaultWorkerFile(): string {
  // dist/electron/main.cjs is a CommonJS bundle, where __dirname is its directory. ESM hosts
  // (browser host, CLI) pass workerFile or workerFactory explicitly.
  if (typeof __dirname !== 'string') throw new CardError('bad-request', 'no workerFile given and no __dirname to find pkcs11-worker.cjs');
  return path.join(__dirname, BUNDLED_WORKER_FILE);
}

class Listeners<T> {
  private readonly set = new Set<(v: T) => void>();
  add(cb: (v: T) => void): Disposer {
    this.set.add(cb);
    return () => this.set.delete(cb);
  }
  fire(v: T): void {
    for (const cb of [...this.set]) {
      try {
        cb(v);
      } catch (err) {
        console.error('card service listener failed:', err);
      }
    }
  }
}

// One PKCS#11 owner per process: two services would C_Initialize the same module twice, and
// the first C_Finalize would pull it from under the other.
let openService: CardService | undefined;

export function createCardService(opts: CardServiceOptions): CardService {
  if (openService) throw new CardError('already-open', 'a card service is already open in this process; close it first');
  const pollIntervalMs = opts.pollIntervalMs ?? 500;
  if (pollIntervalMs > 500) throw new CardError('bad-request', 'pollIntervalMs above 500 ms would miss the 2 s removal requirement');
  const removed = new Listeners<TokenRemovedEvent>();
  const inserted = new Listeners<TokenInsertedEvent>();
  const exited = new Listeners<CardError>();
  const timeoutMs = opts.requestTimeoutMs ?? 20_000;
  const client = new CardWorkerClient({
    factory: opts.workerFactory ?? bundledWorkerFactory(opts.workerFile ?? defaultWorkerFile()),
    init: {
      modulePath: opts.modulePath,
      pollIntervalMs,
      ...(opts.simulatedSignLatencyMs ? { simulatedSignLatencyMs: opts.simulatedSignLatencyMs } : {}),
    },
    timeoutMs,
    initTimeoutMs: opts.initTimeoutMs ?? 30_000,
    onEvent: (e) => (e.type === 'token-removed' ? removed.fire(e) : inserted.fire(e)),
    onExit: (err) => exited.fire(err),
  });

  const service: CardService = {
    moduleInfo: () => client.moduleInfo(),
    listTokens: () => client.call('listTokens', {}),
    async listCertificates(slot) {
      const raw = await client.call('listCertificates', { slot });
      const now = new Date();
      return raw.map((r) => describeCertificate(slot, r, now));
    },
    async login(slot, pin) {
      // A fresh buffer that is moved (not copied) to the worker, which zeroes it after C_Login:
      // after postMessage no copy of the PIN bytes is left on this thread.
      const bytes = typeof pin === 'string' ? new TextEncoder().encode(pin) : Uint8Array.from(pin);
      if (typeof pin !== 'string') pin.fill(0);
      try {
        return await client.call('login', { slot, pin: bytes }, { transfer: [bytes.buffer as ArrayBuffer] });
      } finally {
        // Transferred: detached here (length 0). Never sent (the worker did not start): wipe it.
        if (bytes.byteLength > 0) bytes.fill(0);
      }
    },
    async logout(slot) {
      await client.call('logout', { slot });
    },
    mechanisms: (slot) => client.call('mechanisms', { slot }),
    async sign(slot, keyId, algo, data) {
      const sig = await client.call('sign', { slot, keyId: keyId.toLowerCase(), algo, data: Uint8Array.from(data) });
      return Buffer.from(sig.buffer, sig.byteOffset, sig.byteLength);
    },
    keyProtection: (slot, keyId) => client.call('keyProtection', { slot, keyId: keyId.toLowerCase() }),
    onDidRemoveToken: (cb) => removed.add(cb),
    onDidInsertToken: (cb) => inserted.add(cb),
    onDidWorkerExit: (cb) => exited.add(cb),
    async close() {
      if (openService === service) openService = undefined;
      await client.close();
    },
  };
  openService = service;
  return service;
}

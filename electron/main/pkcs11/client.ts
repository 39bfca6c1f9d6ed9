// Main-thread side of the card worker: a typed request/response channel with ids and a timeout
// per request. The worker is started on the first call; if it dies, every pending call rejects
// with 'worker-died' and the next call starts (and re-initialises) a new one.
import type { Worker } from 'node:worker_threads';
import { CardError } from './errors';
import type { CardMethod, CardParams, CardResult, FromWorker, InitParams, ModuleInfo, SlotEvent, ToWorker } from './protocol';

/** Builds the worker thread (source vs. bundled file: see worker-source.ts and service.ts). */
export type WorkerFactory = () => Worker;

export interface CallOptions {
  timeoutMs?: number;
  /** ArrayBuffers to move (not copy) to the worker; they are detached here afterwards. */
  transfer?: ArrayBuffer[];
}

interface Pending {
  method: CardMethod;
  resolve: (v: unknown) => void;
  reject: (e: CardError) => void;
  timer: NodeJS.Timeout;
}

export interface CardWorkerClientOptions {
  factory: WorkerFactory;
  init: InitParams;
  timeoutMs: number;
  initTimeoutMs: number;
  onEvent: (e: SlotEvent) => void;
  onExit: (err: CardError) => void;
}

interface Running {
  worker: Worker;
  /** Resolves once `init` succeeded in this worker. */
  ready: Promise<ModuleInfo>;
}

export class CardWorkerClient {
  private running: Running | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private closed = false;

  constructor(private readonly opts: CardWorkerClientOptions) {}

  /** The module info of the running worker (starting it if needed). */
  async moduleInfo(): Promise<ModuleInfo> {
    return this.start().ready;
  }

  async call<M extends CardMethod>(method: M, params: CardParams<M>, opts: CallOptions = {}): Promise<CardResult<M>> {
    const run = this.start();
    await run.ready;
    return this.send(run.worker, method, params, opts);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const run = this.running;
    if (!run) return;
    try {
      // Log out, close sessions and C_Finalize inside the worker before the thread goes away.
      await run.ready;
      await this.send(run.worker, 'finalize', {}, { timeoutMs: 5_000 });
    } catch {
      // the worker is gone or wedged: terminating it is all that is left
    }
    this.running = undefined;
    await run.worker.terminate();
    this.rejectAll(new CardError('closed', 'the card service was closed'));
  }

  private start(): Running {
    if (this.closed) throw new CardError('closed', 'the card service was closed');
    if (this.running) return this.running;
    let worker: Worker;
    try {
      worker = this.opts.factory();
    } catch (err) {
      throw new CardError('worker-died', `cannot start the card worker: ${err instanceof Error ? err.message : String(err)}`);
    }
    // An idle card worker must not keep the app (or a test run) alive; calls in flight do,
    // through their timeout timers.
    worker.unref();
    const run: Running = { worker, ready: this.send(worker, 'init', this.opts.init, { timeoutMs: this.opts.initTimeoutMs }) };
    this.running = run;
    let failure: Error | undefined;
    worker.on('message', (msg: FromWorker) => this.onMessage(msg));
    worker.on('error', (err) => (failure = err));
    worker.on('messageerror', (err) => (failure = err));
    worker.on('exit', (code) => {
      if (this.running !== run) return; // closed or already replaced
      this.running = undefined;
      const err = new CardError(
        'worker-died',
        `the card worker stopped (${failure ? failure.message : `exit code ${code}`}); card sessions and logins are lost`,
      );
      this.rejectAll(err);
      if (!this.closed) this.opts.onExit(err);
    });
    // A failed init must not leave a half-started worker behind: the next call starts afresh.
    run.ready.catch(() => {
      if (this.running === run) this.running = undefined;
      void worker.terminate();
    });
    return run;
  }

  private send<M extends CardMethod>(worker: Worker, method: M, params: CardParams<M>, opts: CallOptions): Promise<CardResult<M>> {
    const id = this.nextId++;
    const timeoutMs = opts.timeoutMs ?? this.opts.timeoutMs;
    return new Promise<CardResult<M>>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new CardError('timeout', `the card did not answer ${method} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, { method, resolve: resolve as (v: unknown) => void, reject, timer });
      const msg: ToWorker = { id, method, params };
      try {
        worker.postMessage(msg, opts.transfer ?? []);
      } catch (err) {
        clearTimeout(timer);
        this.pending.delete(id);
        reject(new CardError('worker-died', `cannot reach the card worker: ${err instanceof Error ? err.message : String(err)}`));
      }
    });
  }

  private onMessage(msg: FromWorker): void {
    if (msg.kind === 'event') {
      this.opts.onEvent(msg.event);
      return;
    }
    const p = this.pending.get(msg.id);
    if (!p) return; // timed out earlier: the late answer is dropped
    this.pending.delete(msg.id);
    clearTimeout(p.timer);
    if (msg.ok) p.resolve(msg.result);
    else p.reject(CardError.fromWire(msg.error));
  }

  private rejectAll(err: CardError): void {
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      this.pending.delete(id);
      p.reject(err);
    }
  }
}

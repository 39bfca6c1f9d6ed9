/**
 * Reconnection after a lost link: exponential backoff with jitter (so a thousand clients cut by
 * one server restart do not come back in lock-step), each attempt a complete new session
 * initiation with a fresh DNS lookup [UCR-S4], and an immediate attempt when the OS says the
 * network is back. Only network-level failures are retried: a failed certificate check, a
 * refused STARTTLS or a failed authentication ends the loop and goes to the user [UCR-T3, UCR-A2].
 */
import type { SessionStage } from '../../../shared/security/report';
import type { Disposer } from '../../../shared/util/disposable';

export interface BackoffPolicy {
  readonly initialMs: number;
  readonly maxMs: number;
  readonly factor: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { initialMs: 1000, maxMs: 5 * 60_000, factor: 2 };

/** "Equal jitter": half the exponential delay fixed, half random — never zero, never synchronised. */
export function backoffDelay(attempt: number, policy: BackoffPolicy, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxMs, policy.initialMs * policy.factor ** Math.max(0, attempt));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

/** Stages where a new attempt can succeed without the user doing anything. */
const RETRYABLE: ReadonlySet<SessionStage> = new Set(['dns', 'tcp', 'stream']);
export const isRetryable = (stage: SessionStage): boolean => RETRYABLE.has(stage);

export type AttemptOutcome = { readonly ok: true } | { readonly ok: false; readonly stage: SessionStage; readonly message: string };

export interface ReconnectLoopOptions {
  readonly attempt: () => Promise<AttemptOutcome>;
  readonly policy?: BackoffPolicy;
  readonly random?: () => number;
  readonly now?: () => number;
  /** Called before each wait, with when the next attempt starts. */
  readonly onWaiting: (retryAt: Date, lastError: { readonly stage: SessionStage; readonly message: string } | undefined) => void;
  /** A failure that retrying cannot fix: the loop has stopped. */
  readonly onGaveUp: (error: { readonly stage: SessionStage; readonly message: string }) => void;
  readonly onConnected: () => void;
  /** Fires when the network comes back (Electron: powerMonitor resume, net.isOnline). */
  readonly networkUp?: (cb: () => void) => Disposer;
}

export interface ReconnectLoop {
  /** Starts waiting/attempting; no-op when running. */
  start(): void;
  /** Attempt now (user clicked "Retry now", or the network came back). */
  now(): void;
  stop(): void;
  dispose(): void;
  readonly running: boolean;
}

export function createReconnectLoop(opts: ReconnectLoopOptions): ReconnectLoop {
  const policy = opts.policy ?? DEFAULT_BACKOFF;
  const clock = opts.now ?? (() => Date.now());
  let running = false;
  let attemptNo = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let inFlight = false;
  let lastError: { stage: SessionStage; message: string } | undefined;
  const offNetwork = opts.networkUp?.(() => {
    if (running && !inFlight) loop.now();
  });

  function schedule(): void {
    const delay = backoffDelay(attemptNo, policy, opts.random);
    opts.onWaiting(new Date(clock() + delay), lastError);
    timer = setTimeout(() => void run(), delay);
  }

  async function run(): Promise<void> {
    timer = undefined;
    if (!running || inFlight) return;
    inFlight = true;
    let outcome: AttemptOutcome;
    try {
      outcome = await opts.attempt();
    } catch (e: unknown) {
      outcome = { ok: false, stage: 'stream', message: e instanceof Error ? e.message : String(e) };
    } finally {
      inFlight = false;
    }
    if (!running) return;
    if (outcome.ok) {
      running = false;
      attemptNo = 0;
      lastError = undefined;
      opts.onConnected();
      return;
    }
    lastError = { stage: outcome.stage, message: outcome.message };
    if (!isRetryable(outcome.stage)) {
      running = false;
      opts.onGaveUp(lastError);
      return;
    }
    attemptNo++;
    schedule();
  }

  const loop: ReconnectLoop = {
    start() {
      if (running) return;
      running = true;
      attemptNo = 0;
      lastError = undefined;
      schedule();
    },
    now() {
      if (!running || inFlight) return;
      if (timer) clearTimeout(timer);
      void run();
    },
    stop() {
      running = false;
      if (timer) clearTimeout(timer);
      timer = undefined;
    },
    dispose() {
      loop.stop();
      offNetwork?.();
    },
    get running() {
      return running;
    },
  };
  return loop;
}

// Poll until something works: servers are ready when a login succeeds, not when a port opens.
import { setTimeout as sleep } from 'node:timers/promises';

export interface WaitOptions {
  timeoutMs: number;
  intervalMs?: number;
  /** Checked before every attempt: a reason to give up at once (e.g. the server process died). */
  abort?: () => string | null;
}

export async function retryUntil<T>(what: string, attempt: () => Promise<T>, opts: WaitOptions): Promise<T> {
  const deadline = Date.now() + opts.timeoutMs;
  let last: unknown = null;
  for (;;) {
    const reason = opts.abort?.();
    if (reason) throw new Error(`${what}: ${reason}`);
    try {
      return await attempt();
    } catch (err) {
      last = err;
    }
    if (Date.now() >= deadline) {
      const detail = last instanceof Error ? last.message : String(last);
      throw new Error(`${what}: not within ${opts.timeoutMs} ms; last error: ${detail}`);
    }
    await sleep(opts.intervalMs ?? 50);
  }
}

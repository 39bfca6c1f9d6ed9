import { afterEach, describe, expect, it, vi } from 'vitest';
import { backoffDelay, createReconnectLoop, DEFAULT_BACKOFF, type AttemptOutcome } from './reconnect';

afterEach(() => {
  vi.useRealTimers();
});

describe('reconnect loop', () => {
  it('backs off exponentially with jitter between half and all of the ceiling, capped', () => {
    const p = { initialMs: 1000, maxMs: 60_000, factor: 2 };
    expect(backoffDelay(0, p, () => 0)).toBe(500);
    expect(backoffDelay(0, p, () => 1)).toBe(1000);
    expect(backoffDelay(3, p, () => 0.5)).toBe(6000);
    expect(backoffDelay(20, p, () => 1)).toBe(60_000);
    expect(backoffDelay(40, DEFAULT_BACKOFF, () => 0)).toBe(150_000);
    // Two clients cut at once do not come back at the same moment.
    const spread = new Set(Array.from({ length: 50 }, () => backoffDelay(4, p)));
    expect(spread.size).toBeGreaterThan(40);
  });

  it('retries network failures, stops on a security failure, and reports the wait', async () => {
    vi.useFakeTimers();
    const outcomes: AttemptOutcome[] = [
      { ok: false, stage: 'tcp', message: 'refused' },
      { ok: false, stage: 'dns', message: 'no answer' },
      { ok: false, stage: 'tls', message: 'unknown CA' },
    ];
    const waits: number[] = [];
    const gaveUp = vi.fn();
    const loop = createReconnectLoop({
      attempt: () => Promise.resolve(outcomes.shift() ?? { ok: true }),
      policy: { initialMs: 100, maxMs: 1000, factor: 2 },
      random: () => 1,
      now: () => 0,
      onWaiting: (at) => waits.push(at.getTime()),
      onGaveUp: gaveUp,
      onConnected: vi.fn(),
    });
    loop.start();
    await vi.advanceTimersByTimeAsync(100);
    await vi.advanceTimersByTimeAsync(200);
    await vi.advanceTimersByTimeAsync(400);
    expect(waits).toEqual([100, 200, 400]);
    // TLS failures are not retried: the user must see them [UCR-T3].
    expect(gaveUp).toHaveBeenCalledWith({ stage: 'tls', message: 'unknown CA' });
    expect(loop.running).toBe(false);
  });

  it('tries at once when the network comes back, instead of waiting out the backoff', async () => {
    vi.useFakeTimers();
    let up: (() => void) | undefined;
    const attempt = vi.fn(() => Promise.resolve<AttemptOutcome>({ ok: true }));
    const connected = vi.fn();
    const loop = createReconnectLoop({
      attempt,
      policy: { initialMs: 60_000, maxMs: 60_000, factor: 2 },
      onWaiting: vi.fn(),
      onGaveUp: vi.fn(),
      onConnected: connected,
      networkUp: (cb) => {
        up = cb;
        return () => (up = undefined);
      },
    });
    loop.start();
    await vi.advanceTimersByTimeAsync(10);
    expect(attempt).not.toHaveBeenCalled();
    up?.();
    await vi.advanceTimersByTimeAsync(0);
    expect(attempt).toHaveBeenCalledTimes(1);
    expect(connected).toHaveBeenCalled();
    loop.dispose();
    expect(up).toBeUndefined();
  });
});

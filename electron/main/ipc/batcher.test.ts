import { describe, expect, it } from 'vitest';
import { createFrameBatcher } from './batcher';

function manualTimers() {
  const pending: { cb: () => void; at: number; cancelled: boolean }[] = [];
  return {
    setTimer: (cb: () => void, ms: number) => {
      const t = { cb, at: ms, cancelled: false };
      pending.push(t);
      return { cancel: () => void (t.cancelled = true) };
    },
    fire() {
      for (const t of pending.splice(0)) if (!t.cancelled) t.cb();
    },
    count: () => pending.filter((t) => !t.cancelled).length,
  };
}

describe('frame batcher', () => {
  it('[IMPP-D1] turns a flood into one batch per frame and coalesces superseded updates', () => {
    const timers = manualTimers();
    const batches: (readonly { k: string; v: number }[])[] = [];
    const b = createFrameBatcher<{ k: string; v: number }>({ deliver: (x) => batches.push(x), key: (i) => i.k, setTimer: timers.setTimer });
    for (let i = 0; i < 5000; i++) b.push({ k: `contact${i % 100}`, v: i });
    expect(timers.count()).toBe(1);
    timers.fire();
    expect(batches).toHaveLength(1);
    expect(batches[0]).toHaveLength(100);
    // The last update of each contact wins, in the order contacts first appeared.
    expect(batches[0]?.[0]).toEqual({ k: 'contact0', v: 4900 });
    expect(batches[0]?.[99]).toEqual({ k: 'contact99', v: 4999 });
  });

  it('never coalesces items without a key (messages), keeps their order, and flushes on demand', () => {
    const timers = manualTimers();
    const batches: (readonly number[])[] = [];
    const b = createFrameBatcher<number>({ deliver: (x) => batches.push(x), setTimer: timers.setTimer });
    b.push(1);
    b.push(2);
    b.push(2);
    expect(b.pending()).toBe(3);
    b.flush();
    expect(batches).toEqual([[1, 2, 2]]);
    timers.fire();
    expect(batches).toHaveLength(1);
    b.dispose();
    b.push(3);
    timers.fire();
    expect(batches).toHaveLength(1);
  });

  it('delivers a lone item on the next tick and then at most one batch per interval', async () => {
    const batches: (readonly number[])[] = [];
    const b = createFrameBatcher<number>({ deliver: (x) => batches.push(x), intervalMs: 40 });
    b.push(1);
    await new Promise((r) => setTimeout(r, 5));
    expect(batches).toEqual([[1]]);
    b.push(2);
    b.push(3);
    await new Promise((r) => setTimeout(r, 5));
    expect(batches).toHaveLength(1); // still inside the interval after the first flush
    await new Promise((r) => setTimeout(r, 60));
    expect(batches).toEqual([[1], [2, 3]]);
  });
});

import { describe, expect, it } from 'vitest';
import { createFrameBatcher } from './frame-batcher';
import { manualFrames } from './testing/manual-frames';

describe('frame batcher', () => {
  it('commits a flood of updates once per frame, in arrival order', () => {
    const sched = manualFrames();
    let state: number[] = [];
    let commits = 0;
    const b = createFrameBatcher<number[]>((u) => {
      commits++;
      state = u(state);
    }, sched);
    for (let i = 0; i < 1000; i++) b.push((s) => [...s, i]);
    expect(commits).toBe(0);
    expect(sched.pendingFrames()).toBe(1);
    sched.frame();
    expect(commits).toBe(1);
    expect(state).toHaveLength(1000);
    expect(state.slice(0, 3)).toEqual([0, 1, 2]);
    b.push((s) => [...s, -1]);
    sched.frame();
    expect(commits).toBe(2);
    expect(state.at(-1)).toBe(-1);
  });

  it('flushes on the fallback timer when no frame comes (hidden window), and only once', () => {
    const sched = manualFrames();
    let commits = 0;
    const b = createFrameBatcher<number>(() => void commits++, sched);
    b.push((s) => s + 1);
    sched.timer();
    expect(commits).toBe(1);
    sched.frame(); // cancelled: nothing more to commit
    expect(commits).toBe(1);
  });

  it('dispose drops what is queued', () => {
    const sched = manualFrames();
    let commits = 0;
    const b = createFrameBatcher<number>(() => void commits++, sched);
    b.push((s) => s + 1);
    b.dispose();
    sched.frame();
    sched.timer();
    expect(commits).toBe(0);
  });
});

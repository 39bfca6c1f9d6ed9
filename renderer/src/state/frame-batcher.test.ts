import { describe, expect, it } from 'vitest';
import { createFrameBatcher, type FrameScheduler } from './frame-batcher';

function manualScheduler(): FrameScheduler & { frame(): void; timer(): void; pendingFrames(): number } {
  let frames: Array<() => void> = [];
  let timers: Array<() => void> = [];
  return {
    requestFrame: (cb) => {
      frames.push(cb);
      return () => {
        frames = frames.filter((f) => f !== cb);
      };
    },
    setTimer: (cb) => {
      timers.push(cb);
      return () => {
        timers = timers.filter((f) => f !== cb);
      };
    },
    frame: () => frames.splice(0).forEach((f) => f()),
    timer: () => timers.splice(0).forEach((f) => f()),
    pendingFrames: () => frames.length,
  };
}

describe('frame batcher', () => {
  it('commits a flood of updates once per frame, in arrival order', () => {
    const sched = manualScheduler();
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
    const sched = manualScheduler();
    let commits = 0;
    const b = createFrameBatcher<number>(() => void commits++, sched);
    b.push((s) => s + 1);
    sched.timer();
    expect(commits).toBe(1);
    sched.frame(); // cancelled: nothing more to commit
    expect(commits).toBe(1);
  });

  it('dispose drops what is queued', () => {
    const sched = manualScheduler();
    let commits = 0;
    const b = createFrameBatcher<number>(() => void commits++, sched);
    b.push((s) => s + 1);
    b.dispose();
    sched.frame();
    sched.timer();
    expect(commits).toBe(0);
  });
});

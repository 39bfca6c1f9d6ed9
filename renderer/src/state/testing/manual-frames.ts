import type { FrameScheduler } from '../frame-batcher';

/** Tests: a frame scheduler whose frames and timers come only when `frame()` / `timer()` is called. */
export function manualFrames(): FrameScheduler & { frame(): void; timer(): void; pendingFrames(): number } {
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

import type { FrameScheduler } from '../frame-batcher';

/** Tests: a frame scheduler whose frames come only when `frame()` is called (timers never fire). */
export function manualFrames(): FrameScheduler & { frame(): void } {
  let pending: Array<() => void> = [];
  return {
    requestFrame: (cb) => {
      pending.push(cb);
      return () => {
        pending = pending.filter((f) => f !== cb);
      };
    },
    setTimer: () => () => undefined,
    frame: () => pending.splice(0).forEach((f) => f()),
  };
}

/**
 * Coalesces store updates to at most one per animation frame, so that a flood of IPC events
 * (card polling, reconnect storms) cannot re-render React hundreds of times a second. Updates
 * are functions of the previous state and are applied in arrival order; each frame commits the
 * composition of everything queued since the last one, in one store write.
 *
 * A hidden window gets no animation frames (Chromium pauses requestAnimationFrame), so a timer
 * flushes when no frame came within `fallbackMs`: whichever fires first commits, the other is
 * cancelled.
 */
export type Update<S> = (state: S) => S;

export interface FrameScheduler {
  /** Calls `cb` at the next frame; returns a canceller. */
  requestFrame(cb: () => void): () => void;
  /** Calls `cb` after `ms`; returns a canceller. */
  setTimer(cb: () => void, ms: number): () => void;
}

export interface FrameBatcher<S> {
  /** Queues an update for the next frame. */
  push(update: Update<S>): void;
  /** Commits whatever is queued now (tests, and before tearing down). */
  flush(): void;
  /** Drops the queue and the pending frame. */
  dispose(): void;
}

export function browserFrameScheduler(): FrameScheduler {
  return {
    requestFrame: (cb) => {
      const id = requestAnimationFrame(() => cb());
      return () => cancelAnimationFrame(id);
    },
    setTimer: (cb, ms) => {
      const id = setTimeout(cb, ms);
      return () => clearTimeout(id);
    },
  };
}

export function createFrameBatcher<S>(commit: (update: Update<S>) => void, scheduler: FrameScheduler, fallbackMs = 100): FrameBatcher<S> {
  let queue: Update<S>[] = [];
  let cancelFrame: (() => void) | undefined;
  let cancelTimer: (() => void) | undefined;

  function flush(): void {
    cancelFrame?.();
    cancelTimer?.();
    cancelFrame = cancelTimer = undefined;
    if (queue.length === 0) return;
    const updates = queue;
    queue = [];
    commit((state) => updates.reduce((s, u) => u(s), state));
  }

  return {
    push(update) {
      queue.push(update);
      if (cancelFrame) return;
      cancelFrame = scheduler.requestFrame(flush);
      cancelTimer = scheduler.setTimer(flush, fallbackMs);
    },
    flush,
    dispose() {
      cancelFrame?.();
      cancelTimer?.();
      cancelFrame = cancelTimer = undefined;
      queue = [];
    },
  };
}

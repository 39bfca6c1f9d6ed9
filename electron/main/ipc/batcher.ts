/**
 * Frame batching for main → renderer events: under a flood (a presence storm, a MUC join, a
 * MAM catch-up) the renderer gets at most one batch per animation frame instead of one IPC
 * message per stanza, and updates that supersede each other (the same contact's presence five
 * times in a frame) are coalesced to the last one [IMPP-D1].
 */
export interface FrameBatcher<T> {
  push(item: T): void;
  /** Delivers what is queued now (before a disconnect, in tests). */
  flush(): void;
  /** Items queued and not yet delivered. */
  pending(): number;
  dispose(): void;
}

export interface FrameBatcherOptions<T> {
  readonly deliver: (batch: readonly T[]) => void;
  /** One frame at 60 Hz. */
  readonly intervalMs?: number;
  /** Items with the same key replace each other; the batch keeps the first one's position. */
  readonly key?: (item: T) => string | undefined;
  /** Injected in tests. */
  readonly setTimer?: (cb: () => void, ms: number) => { cancel(): void };
}

const defaultTimer = (cb: () => void, ms: number): { cancel(): void } => {
  const t = setTimeout(cb, ms);
  t.unref?.();
  return { cancel: () => clearTimeout(t) };
};

export function createFrameBatcher<T>(opts: FrameBatcherOptions<T>): FrameBatcher<T> {
  const intervalMs = opts.intervalMs ?? 16;
  const setTimer = opts.setTimer ?? defaultTimer;
  let queue: T[] = [];
  let slots = new Map<string, number>();
  let timer: { cancel(): void } | undefined;
  let lastFlush = -Infinity;
  let disposed = false;

  function flush(): void {
    timer?.cancel();
    timer = undefined;
    if (queue.length === 0) return;
    const batch = queue;
    queue = [];
    slots = new Map();
    lastFlush = performance.now();
    opts.deliver(batch);
  }

  // Node timers may fire a little early against performance.now(): re-arm for the rest rather
  // than deliver two batches inside one frame.
  function onTimer(): void {
    timer = undefined;
    const wait = lastFlush + intervalMs - performance.now();
    if (wait > 0) timer = setTimer(onTimer, wait);
    else flush();
  }

  return {
    push(item) {
      if (disposed) return;
      const k = opts.key?.(item);
      const at = k === undefined ? undefined : slots.get(k);
      if (at !== undefined) queue[at] = item;
      else {
        if (k !== undefined) slots.set(k, queue.length);
        queue.push(item);
      }
      if (timer) return;
      // The first item after a quiet period goes out on the next tick (no added latency for a
      // single chat message); while busy, no more than one batch per interval.
      const wait = Math.max(0, lastFlush + intervalMs - performance.now());
      timer = setTimer(onTimer, wait);
    },
    flush,
    pending: () => queue.length,
    dispose() {
      disposed = true;
      timer?.cancel();
      timer = undefined;
      queue = [];
      slots = new Map();
    },
  };
}

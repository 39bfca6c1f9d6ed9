/** What every subscription returns: call it once to unsubscribe. Calling it again is harmless. */
export type Disposer = () => void;

/** Collects disposers so a component can release everything it subscribed to at once. */
export function createDisposables(): { add(d: Disposer): void; dispose(): void } {
  const items: Disposer[] = [];
  return {
    add: (d) => {
      items.push(d);
    },
    dispose: () => {
      // Reverse order: later subscriptions may depend on earlier ones.
      while (items.length > 0) items.pop()?.();
    },
  };
}

/**
 * One event's listeners: `on` returns the disposer; `emit` calls each listener, and a listener
 * that throws does not stop the others (nor the stanza routing that emitted).
 */
export interface Emitter<T> {
  on(cb: (value: T) => void): Disposer;
  emit(value: T): void;
  /** Drops every listener (the owner is disposed). */
  clear(): void;
}

export function createEmitter<T>(): Emitter<T> {
  const set = new Set<(value: T) => void>();
  return {
    on(cb) {
      set.add(cb);
      return () => {
        set.delete(cb);
      };
    },
    emit(value) {
      for (const cb of [...set]) {
        try {
          cb(value);
        } catch {
          /* a listener's failure is its own */
        }
      }
    },
    clear: () => set.clear(),
  };
}

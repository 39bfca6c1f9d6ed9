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

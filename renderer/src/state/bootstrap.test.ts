// bootstrap is the one subscriber to the core's events: a flood of events becomes one store
// commit per animation frame, applied in order.
import { afterEach, describe, expect, it } from 'vitest';
import type { BastionApi, Cards, EventName, EventPayload } from '../../../shared/ipc/index';
import { bootstrap } from './bootstrap';
import { resetStore, useStore } from './store';
import { manualFrames } from './testing/manual-frames';

function fakeApi(): { api: BastionApi; emit<K extends EventName>(name: K, payload: EventPayload<K>): void; subscribed(): string[] } {
  const listeners = new Map<string, Set<(p: unknown) => void>>();
  const api = {
    invoke: () => new Promise(() => {}), // the start-up commands never answer here
    on: (name: string, l: (p: unknown) => void) => {
      const set = listeners.get(name) ?? new Set();
      listeners.set(name, set.add(l));
      return () => void set.delete(l);
    },
  } as unknown as BastionApi;
  return {
    api,
    emit: (name, payload) => listeners.get(name)?.forEach((l) => l(payload)),
    subscribed: () => [...listeners].filter(([, s]) => s.size > 0).map(([n]) => n).sort(),
  };
}


afterEach(() => resetStore());

describe('bootstrap', () => {
  it('subscribes to every event of the contract and unsubscribes on dispose', () => {
    resetStore(manualFrames());
    const fake = fakeApi();
    const dispose = bootstrap(fake.api);
    expect(fake.subscribed()).toEqual(['didChangeCards', 'didChangeConnectionState', 'didClickNotification', 'didDetectCertificateChange', 'didReceivePing', 'didUpdateIm', 'didUpdateRooms', 'didUpdateSecurityReport']);
    dispose();
    expect(fake.subscribed()).toEqual([]);
  });

  it('a flood of 500 events is one store commit in the next frame, and the last one wins', () => {
    const frames = manualFrames();
    resetStore(frames);
    const fake = fakeApi();
    bootstrap(fake.api);
    let commits = 0;
    const off = useStore.subscribe(() => void commits++);
    for (let i = 0; i < 500; i++) {
      const cards: Cards = { module: { path: '/m.so', source: 'test' }, tokens: [], problem: `n${i}` };
      fake.emit('didChangeCards', cards);
      fake.emit('didChangeConnectionState', { state: i % 2 ? 'connecting' : 'disconnected' });
    }
    expect(commits).toBe(0);
    frames.frame();
    expect(commits).toBe(1);
    expect(useStore.getState().cards.cards?.problem).toBe('n499');
    expect(useStore.getState().connection.current.state).toBe('connecting');
    off();
  });
});

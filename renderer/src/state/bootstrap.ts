import type { BastionApi } from '../../../shared/ipc/contract';
import type { Disposer } from '../../../shared/util/disposable';
import { useAppStore } from './app-store';

/** The one module that talks to the core at start-up and feeds the store. */
export function bootstrap(api: BastionApi): Disposer {
  let disposed = false;
  void api.invoke('getAppInfo', {}).then((r) => {
    if (disposed) return;
    useAppStore.getState().setLink(r.ok ? { state: 'ready', info: r.value } : { state: 'failed', error: r.error });
  });
  return () => {
    disposed = true;
  };
}

/** Diagnostics round trip: the command answers, and its event arrives on the event path. */
export async function runPing(api: BastionApi): Promise<void> {
  const nonce = crypto.randomUUID();
  const started = performance.now();
  let eventSeen = false;
  const off = api.on('didReceivePing', (p) => {
    if (p.nonce === nonce) eventSeen = true;
  });
  try {
    const r = await api.invoke('ping', { nonce });
    if (!r.ok) {
      useAppStore.getState().setLink({ state: 'failed', error: r.error });
      return;
    }
    useAppStore.getState().setPing({ nonce, roundTripMs: performance.now() - started, eventSeen });
  } finally {
    off();
  }
}

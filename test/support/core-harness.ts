// The real main-process core, driven through its dispatcher exactly as the renderer drives it
// (validated input, Result values), with the test bed's anchors, DNS and SoftHSM2 module.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { EventName, EventPayload } from '../../shared/ipc';
import { createCore, type Core } from '../../electron/main/core/core';
import { nodeCoreDeps } from '../../electron/main/core/node-deps';
import { nodeSessionEnvironment } from '../../electron/main/core/session-env';
import type { SessionEnvironment } from '../../electron/main/core/session-manager';
import { createDispatcher, type Dispatcher } from '../../electron/main/ipc/dispatcher';
import { testbedEnv } from './testbed/get-testbed.js';

export const SOFTHSM_MODULE = '/usr/lib/softhsm/libsofthsm2.so';
const CARD_WORKER = path.resolve(import.meta.dirname, '../../dist/electron/pkcs11-worker.cjs');

export interface CoreHarness {
  readonly core: Core;
  call(name: string, input: unknown): Promise<{ ok: boolean; value?: unknown; error?: { code: string; message: string } }>;
  readonly events: [EventName, unknown][];
  states(): string[];
  close(): Promise<void>;
}

export function startCore(override: (env: SessionEnvironment) => SessionEnvironment = (e) => e): CoreHarness {
  const stateDir = mkdtempSync(path.join(os.tmpdir(), 'bastion-core-'));
  const base = nodeSessionEnvironment({
    stateDir,
    env: { ...testbedEnv(), BASTION_PKCS11_MODULE: SOFTHSM_MODULE },
    cardWorker: { workerFile: CARD_WORKER },
  });
  const core = createCore(nodeCoreDeps('cli', stateDir, { session: override(base) }));
  const dispatcher: Dispatcher = createDispatcher({ handlers: core.handlers, log: { error: (...a: unknown[]) => console.error('DISPATCH', ...a) } });
  const events: [EventName, unknown][] = [];
  core.events.subscribe(<K extends EventName>(name: K, payload: EventPayload<K>) => void events.push([name, payload]));
  return {
    core,
    events,
    call: (name, input) => dispatcher.dispatch(name, input, { sender: 'test' }) as ReturnType<CoreHarness['call']>,
    states: () => events.filter(([n]) => n === 'didChangeConnectionState').map(([, p]) => (p as { state: string }).state),
    close: async () => {
      await core.dispose();
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
}

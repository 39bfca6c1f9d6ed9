/**
 * `npm run dev:host`: the real core plus the built renderer in any Chromium, for development.
 * Prints the URL (with its per-run token) to open.
 */
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createCore } from '../main/core/core';
import { nodeCoreDeps } from '../main/core/node-deps';
import { nodeSessionEnvironment } from '../main/core/session-env';
import { createDispatcher } from '../main/ipc/dispatcher';
import { startBrowserHost } from './host';

const distDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const stateDir = process.env.BASTION_STATE_DIR ?? path.join(os.homedir(), '.config', 'bastion-dev-host');
const session = nodeSessionEnvironment({ stateDir, cardWorker: { workerFile: path.join(distDir, 'electron', 'pkcs11-worker.cjs') } });
const core = createCore(nodeCoreDeps('browser-host', stateDir, { session }));
const host = await startBrowserHost({
  rendererDir: path.join(distDir, 'renderer'),
  bridgeFile: path.join(distDir, 'host', 'bridge.js'),
  dispatcher: createDispatcher({ handlers: core.handlers, log: console }),
  events: core.events,
  port: Number(process.env.BASTION_HOST_PORT ?? 0),
});
console.log(`Bastion browser host (development only): ${host.url}`);
const stop = (): void => {
  void host.close().then(() => core.dispose()).then(() => process.exit(0));
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);

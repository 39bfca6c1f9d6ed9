import { access } from 'node:fs/promises';
import path from 'node:path';
import { createCore, type Core } from '../../electron/main/core/core';
import { nodeCoreDeps } from '../../electron/main/core/node-deps';
import { nodeSessionEnvironment } from '../../electron/main/core/session-env';
import type { SessionEnvironment } from '../../electron/main/core/session-manager';
import { createDispatcher } from '../../electron/main/ipc/dispatcher';
import { startBrowserHost, type BrowserHost } from '../../electron/host/host';

const DIST = path.resolve(import.meta.dirname, '../../dist');

export interface RunningApp {
  readonly core: Core;
  readonly host: BrowserHost;
  close(): Promise<void>;
}

export interface AppOptions {
  /** Where the core keeps its state (remembered server certificates …). */
  readonly stateDir: string;
  /** Environment the core's session settings are read from (trust anchors, DNS servers). */
  readonly env?: NodeJS.ProcessEnv;
  /** Changes to the session environment (tests: a DNS port that points at a cut proxy, fast backoff). */
  readonly session?: (env: SessionEnvironment) => SessionEnvironment;
}

/** The real main-process core behind the browser host, serving the built renderer. */
export async function startApp(opts: AppOptions): Promise<RunningApp> {
  // BASTION_E2E_RENDERER_DIR: a renderer built elsewhere (a developer testing their build while
  // someone else rebuilds dist/).
  const rendererDir = process.env.BASTION_E2E_RENDERER_DIR ?? path.join(DIST, 'renderer');
  const bridgeFile = path.join(DIST, 'host', 'bridge.js');
  const cardWorker = path.join(DIST, 'electron', 'pkcs11-worker.cjs');
  for (const f of [path.join(rendererDir, 'index.html'), bridgeFile, cardWorker]) {
    await access(f).catch(() => {
      throw new Error(`${path.relative(process.cwd(), f)} is missing: run \`npm run build\` first (npm test does)`);
    });
  }
  const core = createCore(
    nodeCoreDeps('browser-host', opts.stateDir, {
      session: (opts.session ?? ((e) => e))(nodeSessionEnvironment({ stateDir: opts.stateDir, env: opts.env ?? {}, cardWorker: { workerFile: cardWorker } })),
    }),
  );
  const errors: string[] = [];
  const host = await startBrowserHost({
    rendererDir,
    bridgeFile,
    dispatcher: createDispatcher({ handlers: core.handlers, log: { error: (m) => errors.push(m) } }),
    events: core.events,
  });
  return {
    core,
    host,
    close: async () => {
      await host.close();
      await core.dispose();
    },
  };
}

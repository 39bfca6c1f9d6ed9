import { mkdtempSync, rmSync } from 'node:fs';
import { access } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createCore, type Core } from '../../electron/main/core/core';
import { nodeCoreDeps } from '../../electron/main/core/node-deps';
import { nodeSessionEnvironment } from '../../electron/main/core/session-env';
import type { SessionEnvironment } from '../../electron/main/core/session-manager';
import { createDispatcher } from '../../electron/main/ipc/dispatcher';
import type { CommandHandlers } from '../../electron/main/ipc/handlers';
import { startBrowserHost, type BrowserHost } from '../../electron/host/host';
import { testbedEnv } from '../../test/support/testbed/get-testbed.js';
import { launchChromium, type BrowserSession } from './browser';

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
  readonly session?: (env: SessionEnvironment, stateDir: string) => SessionEnvironment;
  /** Wraps the command handlers the renderer reaches (tests: an answer held back on purpose). */
  readonly handlers?: (handlers: CommandHandlers) => CommandHandlers;
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
      session: (opts.session ?? ((e) => e))(nodeSessionEnvironment({ stateDir: opts.stateDir, env: opts.env ?? {}, cardWorker: { workerFile: cardWorker } }), opts.stateDir),
    }),
  );
  const errors: string[] = [];
  const host = await startBrowserHost({
    rendererDir,
    bridgeFile,
    dispatcher: createDispatcher({ handlers: opts.handlers ? opts.handlers(core.handlers) : core.handlers, log: { error: (m) => errors.push(m) } }),
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

export interface UiApp {
  readonly app: RunningApp;
  readonly chrome: BrowserSession;
  /** Stops Chromium and the core, and removes the state directory. */
  close(): Promise<void>;
}

/**
 * The start the signed-out UI test files share: a state directory of their own, the core (with
 * `testbedEnv()` unless `env` is given), consent acknowledged (ui-consent.test.ts tests that
 * screen) and a Chromium. `prepare` fills the state directory before the core starts (a planted
 * certificate, a seeded store). Whatever fails half-way is stopped and removed again.
 */
export async function startUiApp(name: string, opts: Omit<AppOptions, 'stateDir'> & { readonly prepare?: (stateDir: string) => void } = {}): Promise<UiApp> {
  const stateDir = mkdtempSync(path.join(os.tmpdir(), `bastion-e2e-${name}-`));
  let app: RunningApp | undefined;
  let chrome: BrowserSession | undefined;
  const close = async (): Promise<void> => {
    await chrome?.close();
    await app?.close();
    rmSync(stateDir, { recursive: true, force: true });
  };
  try {
    opts.prepare?.(stateDir);
    app = await startApp({ ...opts, stateDir, env: opts.env ?? testbedEnv() });
    await app.core.handlers.acknowledgeConsent({}, { sender: 'test' });
    chrome = await launchChromium();
    return { app, chrome, close };
  } catch (e: unknown) {
    await close();
    throw e;
  }
}

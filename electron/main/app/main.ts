/**
 * Electron entry point: window, IPC wiring and OS glue only. Everything else is the core
 * (`../core`), which also runs under plain Node in the browser host and the CLI.
 */
import { app, dialog, ipcMain, powerMonitor, session, shell, type BrowserWindow } from 'electron';
import path from 'node:path';
import { nodeIo } from '../../cli/io';
import { runCli } from '../../cli/run';
import { createCore } from '../core/core';
import { nodeCoreDeps } from '../core/node-deps';
import { electronNotifier } from './notifier';
import { nodeSessionEnvironment } from '../core/session-env';
import { unpackedPath } from '../tls/addon';
import { seatCommandArguments } from './cli-mode';
import { guardSession, hardenWebContents, refusedSwitches } from './hardening';
import { createElectronIdlePort } from './idle-port';
import { networkUp, safeStorageKeyProtector } from './os-ports';
import { createDispatcher } from '../ipc/dispatcher';
import { wireIpc } from './ipc-electron';
import { registerAppScheme, serveRenderer } from './protocol';
import { createMainWindow } from './window';

const here = __dirname; // dist/electron in the bundle (CommonJS output)
const rendererDir = path.join(here, '..', 'renderer');
const preloadPath = path.join(here, 'preload.cjs');
// The card worker thread starts from the unpacked copy (build/electron-builder.yml asarUnpack),
// so that its require('pkcs11js') resolves to real files; outside an asar this is a no-op.
const cardWorkerFile = unpackedPath(path.join(here, 'pkcs11-worker.cjs'));

// Every renderer is sandboxed, whatever its webPreferences say (checklist item 4).
app.enableSandbox();

const refused = app.isPackaged ? refusedSwitches(app.commandLine) : [];
const seatCommand = seatCommandArguments(process.argv, app.isPackaged);

if (refused.length > 0) {
  // Before 'ready' only showErrorBox is available; on Linux it also prints to stderr.
  dialog.showErrorBox('Bastion', `Bastion refuses to start with ${refused.map((s) => `--${s}`).join(', ')}: these switches disable its security.`);
  app.exit(2);
} else if (seatCommand) {
  // `bastion doctor …`: the CLI, no window, no single-instance lock (a seat may be running the app).
  void runCli(seatCommand, nodeIo()).then(
    (code) => app.exit(code),
    (err: unknown) => {
      console.error(err);
      app.exit(1);
    },
  );
} else if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  registerAppScheme();
  let mainWindow: BrowserWindow | undefined;
  const devTools = !app.isPackaged;

  // Every webContents, whoever creates it, is hardened before it can load anything.
  app.on('web-contents-created', (_event, contents) => {
    hardenWebContents(contents, {
      devTools,
      // Only https URLs that hardening.ts#externalLinkTarget accepted reach this point.
      openLink: (url) => void shell.openExternal(url), // eng-disable OPEN_EXTERNAL_JS_CHECK
      log: (message) => console.warn(`bastion: ${message}`),
    });
  });

  app.on('second-instance', () => {
    if (mainWindow) {
      if (mainWindow.isMinimized()) mainWindow.restore();
      mainWindow.focus();
    }
  });

  void app.whenReady().then(() => {
    guardSession(session.defaultSession);
    serveRenderer(rendererDir);

    const stateDir = app.getPath('userData');
    // History is encrypted with a key only the OS keystore can unwrap; without a real keystore
    // (Linux with no keyring) it stays in memory for the run.
    const sessionEnv = nodeSessionEnvironment({ stateDir, keys: safeStorageKeyProtector(), cardWorker: { workerFile: cardWorkerFile } });
    const core = createCore(
      nodeCoreDeps('electron', stateDir, {
        session: { ...sessionEnv, networkUp, idle: createElectronIdlePort(powerMonitor) },
        notifier: electronNotifier(() => mainWindow),
      }),
    );
    const dispatcher = createDispatcher({
      handlers: core.handlers,
      log: { error: (message, detail) => console.error(message, detail) },
    });
    mainWindow = createMainWindow({ preloadPath, devTools });
    const disposeIpc = wireIpc({
      ipcMain,
      dispatcher,
      events: core.events,
      window: () => mainWindow?.webContents,
    });

    app.on('window-all-closed', () => {
      disposeIpc();
      void core.dispose().finally(() => app.quit());
    });
  });
}

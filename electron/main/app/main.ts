/**
 * Electron entry point: window, IPC wiring and OS glue only. Everything else is the core
 * (`../core`), which also runs under plain Node in the browser host and the CLI.
 */
import { app, ipcMain, powerMonitor, session, type BrowserWindow } from 'electron';
import path from 'node:path';
import { createCore } from '../core/core';
import { nodeCoreDeps } from '../core/node-deps';
import { nodeSessionEnvironment } from '../core/session-env';
import { createElectronIdlePort } from './idle-port';
import { networkUp, safeStorageKeyProtector } from './os-ports';
import { createDispatcher } from '../ipc/dispatcher';
import { wireIpc } from './ipc-electron';
import { registerAppScheme, serveRenderer } from './protocol';
import { createMainWindow } from './window';

const here = __dirname; // dist/electron in the bundle (CommonJS output)
const rendererDir = path.join(here, '..', 'renderer');
const preloadPath = path.join(here, 'preload.cjs');

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  registerAppScheme();
  let mainWindow: BrowserWindow | undefined;

  app.on('second-instance', () => {
    if (mainWindow) {
      if (mainWindow.isMinimized()) mainWindow.restore();
      mainWindow.focus();
    }
  });

  void app.whenReady().then(() => {
    // Deny every permission (camera, notifications prompt, geolocation …) by default.
    session.defaultSession.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
    session.defaultSession.setPermissionCheckHandler(() => false);
    serveRenderer(rendererDir);

    const stateDir = app.getPath('userData');
    // History is encrypted with a key only the OS keystore can unwrap; without a real keystore
    // (Linux with no keyring) it stays in memory for the run.
    const sessionEnv = nodeSessionEnvironment({ stateDir, keys: safeStorageKeyProtector() });
    const core = createCore(nodeCoreDeps('electron', stateDir, { session: { ...sessionEnv, networkUp, idle: createElectronIdlePort(powerMonitor) } }));
    const dispatcher = createDispatcher({
      handlers: core.handlers,
      log: { error: (message, detail) => console.error(message, detail) },
    });
    mainWindow = createMainWindow({ preloadPath, devTools: !app.isPackaged });
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

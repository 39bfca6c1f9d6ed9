/**
 * Electron entry point: window, IPC wiring and OS glue only. Everything else is the core
 * (`../core`), which also runs under plain Node in the browser host and the CLI.
 */
import { app, ipcMain, session, type BrowserWindow } from 'electron';
import path from 'node:path';
import { createCore } from '../core/core';
import { nodeCoreDeps } from '../core/node-deps';
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

    const core = createCore(nodeCoreDeps('electron', app.getPath('userData')));
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

import { BrowserWindow } from 'electron';
import path from 'node:path';
import { APP_ORIGIN } from './ipc-electron';

/**
 * The one application window, locked down per the Electron security checklist
 * (electronjs.org/docs/latest/tutorial/security). Navigation, new windows, <webview> and
 * devtools are handled for every webContents by hardening.ts (app 'web-contents-created').
 */
export function createMainWindow(opts: { readonly preloadPath: string; readonly devTools: boolean }): BrowserWindow {
  const win = new BrowserWindow({
    width: 1200,
    height: 800,
    show: false,
    title: 'Bastion',
    webPreferences: {
      // Reviewed: the preload exposes exactly the IPC contract through contextBridge and
      // nothing else (electron/preload/preload.ts); it runs sandboxed in an isolated world.
      preload: path.resolve(opts.preloadPath), // eng-disable PRELOAD_JS_CHECK
      // Node stays in the main process; the page cannot reach the preload's world (items 2-4).
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      // Same-origin policy and no mixed content (items 6, 8); no experimental or Blink
      // features (9, 10); Auxclick off: a middle click must not open a link as a new window.
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      disableBlinkFeatures: 'Auxclick',
      webviewTag: false,
      navigateOnDragDrop: false,
      safeDialogs: true,
      // The spell checker would download dictionaries from Google.
      spellcheck: false,
      // Devtools only in an unpackaged (development) run.
      devTools: opts.devTools,
    },
  });
  win.once('ready-to-show', () => win.show());
  void win.loadURL(`${APP_ORIGIN}/index.html`);
  return win;
}

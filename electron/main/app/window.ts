import { BrowserWindow, shell } from 'electron';
import path from 'node:path';
import { APP_ORIGIN, isAppUrl } from './ipc-electron';

/** The one application window, locked down per the Electron security checklist. */
export function createMainWindow(opts: { readonly preloadPath: string; readonly devTools: boolean }): BrowserWindow {
  const win = new BrowserWindow({
    width: 1200,
    height: 800,
    show: false,
    title: 'Bastion',
    webPreferences: {
      preload: path.resolve(opts.preloadPath),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      spellcheck: false,
      devTools: opts.devTools,
    },
  });
  // No navigation away from the app, no new windows; external links go to the OS browser only
  // when they are plain https (never file:, never custom schemes).
  win.webContents.on('will-navigate', (event, url) => {
    if (!isAppUrl(url)) event.preventDefault();
  });
  win.webContents.setWindowOpenHandler(({ url }) => {
    if (url.startsWith('https://')) void shell.openExternal(url);
    return { action: 'deny' };
  });
  win.once('ready-to-show', () => win.show());
  void win.loadURL(`${APP_ORIGIN}/index.html`);
  return win;
}

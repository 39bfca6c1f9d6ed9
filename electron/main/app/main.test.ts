import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { commandChannel, commandNames } from '../../../shared/ipc';

// The Electron entry point (main.ts) run under Node against a stand-in `electron` module: the
// binary cannot run here, so this checks the wiring — sandbox for all, the single-instance
// lock, refused switches, the seat doctor mode, the hardened session and webContents, the
// window's webPreferences and the IPC handlers — in the order Electron needs them.
// e2e/electron-shell.test.ts runs the real app where an Electron binary exists.

type Listener = (...args: unknown[]) => unknown;

interface FakeOptions {
  readonly isPackaged: boolean;
  readonly argv: string[];
  readonly switches?: string[];
  readonly lock?: boolean;
}

function fakeElectron(opts: FakeOptions, stateDir: string) {
  const order: string[] = [];
  const appListeners = new Map<string, Listener>();
  let ready!: () => void;
  const whenReady = new Promise<void>((r) => (ready = r));
  const windows: { options: { webPreferences: Record<string, unknown> }; url?: string }[] = [];
  const sessionCalls = new Map<string, unknown[]>();
  const record = (name: string) => (...args: unknown[]) => {
    sessionCalls.set(name, args);
  };
  const contents = () => ({
    on: vi.fn(),
    setWindowOpenHandler: vi.fn(),
    closeDevTools: vi.fn(),
    isDestroyed: () => false,
    send: vi.fn(),
    mainFrame: { url: 'app://bastion/index.html' },
  });
  class BrowserWindow {
    readonly webContents = contents();
    constructor(options: { webPreferences: Record<string, unknown> }) {
      order.push('new BrowserWindow');
      windows.push({ options });
    }
    once(): void {}
    loadURL(url: string): Promise<void> {
      const w = windows.at(-1);
      if (w) w.url = url;
      return Promise.resolve();
    }
  }
  const electron = {
    app: {
      isPackaged: opts.isPackaged,
      commandLine: { hasSwitch: (s: string) => (opts.switches ?? []).includes(s) },
      enableSandbox: vi.fn(() => order.push('enableSandbox')),
      requestSingleInstanceLock: vi.fn(() => {
        order.push('requestSingleInstanceLock');
        return opts.lock ?? true;
      }),
      on: (name: string, l: Listener) => appListeners.set(name, l),
      whenReady: () => whenReady,
      getPath: () => stateDir,
      quit: vi.fn(),
      exit: vi.fn(),
    },
    dialog: { showErrorBox: vi.fn() },
    protocol: {
      registerSchemesAsPrivileged: vi.fn(() => order.push('registerSchemesAsPrivileged')),
      handle: vi.fn(),
    },
    session: {
      defaultSession: {
        setPermissionRequestHandler: record('setPermissionRequestHandler'),
        setPermissionCheckHandler: record('setPermissionCheckHandler'),
        setDevicePermissionHandler: record('setDevicePermissionHandler'),
        setSpellCheckerEnabled: record('setSpellCheckerEnabled'),
        on: record('on'),
      },
    },
    ipcMain: { handle: vi.fn(), removeHandler: vi.fn() },
    BrowserWindow,
    shell: { openExternal: vi.fn(() => Promise.resolve()) },
    powerMonitor: { on: vi.fn(), off: vi.fn(), removeListener: vi.fn(), getSystemIdleTime: () => 0 },
    safeStorage: { isEncryptionAvailable: () => false },
    net: { isOnline: () => true },
  };
  return { electron, order, appListeners, ready: () => ready(), windows, sessionCalls, contents };
}

let stateDir: string;
const argv = process.argv;

beforeEach(() => {
  stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bastion-main-'));
  vi.resetModules();
});

afterEach(() => {
  process.argv = argv;
  vi.doUnmock('electron');
  fs.rmSync(stateDir, { recursive: true, force: true });
});

async function start(opts: FakeOptions) {
  const fake = fakeElectron(opts, stateDir);
  vi.doMock('electron', () => fake.electron);
  process.argv = opts.argv;
  await import('./main');
  return fake;
}

const flush = () => new Promise((r) => setTimeout(r, 20));

describe('main.ts (Electron entry) against a stand-in electron module', () => {
  it('sandboxes every renderer, takes the lock, registers app://, then on ready guards the session and opens the hardened window with the contract handlers', async () => {
    const fake = await start({ isPackaged: true, argv: ['/opt/Bastion/bastion'] });
    expect(fake.order).toEqual(['enableSandbox', 'requestSingleInstanceLock', 'registerSchemesAsPrivileged']);
    expect(fake.appListeners.has('web-contents-created')).toBe(true);
    expect(fake.windows).toHaveLength(0);

    fake.ready();
    await flush();
    // Session: every permission refused, downloads cancelled, no spell checker downloads.
    const request = fake.sessionCalls.get('setPermissionRequestHandler')?.[0] as (wc: unknown, p: string, cb: (ok: boolean) => void) => void;
    const cb = vi.fn();
    request({}, 'media', cb);
    expect(cb).toHaveBeenCalledWith(false);
    expect(fake.sessionCalls.get('setSpellCheckerEnabled')).toEqual([false]);
    expect(fake.sessionCalls.get('on')?.[0]).toBe('will-download');
    expect(fake.electron.protocol.handle).toHaveBeenCalledWith('app', expect.any(Function));

    // The window: isolated, sandboxed, no Node, web security on, devtools off when packaged.
    expect(fake.windows).toHaveLength(1);
    const prefs = fake.windows[0]?.options.webPreferences ?? {};
    expect(prefs).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      devTools: false,
    });
    expect(String(prefs.preload)).toMatch(/preload\.cjs$/);
    expect(fake.windows[0]?.url).toBe('app://bastion/index.html');

    // IPC: exactly one handler per contract command.
    const channels = fake.electron.ipcMain.handle.mock.calls.map((c: unknown[]) => c[0]);
    expect([...channels].sort()).toEqual(commandNames.map(commandChannel).sort());

    // Any webContents created later is hardened before it loads anything.
    const wc = fake.contents();
    fake.appListeners.get('web-contents-created')?.({}, wc);
    expect(wc.setWindowOpenHandler).toHaveBeenCalled();
    expect(wc.on.mock.calls.map((c: unknown[]) => c[0])).toEqual(
      expect.arrayContaining(['will-navigate', 'will-frame-navigate', 'will-redirect', 'will-attach-webview', 'devtools-opened']),
    );

    // Closing the last window disposes the core and quits.
    fake.appListeners.get('window-all-closed')?.();
    await flush();
    expect(fake.electron.app.quit).toHaveBeenCalled();
  });

  it('development run: devtools allowed, debugging switches (Playwright) tolerated', async () => {
    const fake = await start({ isPackaged: false, argv: ['electron', '--inspect=0', 'dist/electron/main.cjs'], switches: ['inspect', 'remote-debugging-port'] });
    fake.ready();
    await flush();
    expect(fake.electron.dialog.showErrorBox).not.toHaveBeenCalled();
    expect(fake.windows[0]?.options.webPreferences.devTools).toBe(true);
    fake.appListeners.get('window-all-closed')?.();
    await flush();
  });

  it('packaged app started with --remote-debugging-port or --no-sandbox: refuses to start, says why, opens nothing', async () => {
    const fake = await start({ isPackaged: true, argv: ['/opt/Bastion/bastion', '--remote-debugging-port=9222', '--no-sandbox'], switches: ['remote-debugging-port', 'no-sandbox'] });
    expect(fake.electron.dialog.showErrorBox).toHaveBeenCalledWith('Bastion', expect.stringContaining('--remote-debugging-port, --no-sandbox'));
    expect(fake.electron.app.exit).toHaveBeenCalledWith(2);
    expect(fake.order).toEqual(['enableSandbox']);
    expect(fake.appListeners.size).toBe(0);
  });

  it('a second instance quits at once and opens no window', async () => {
    const fake = await start({ isPackaged: true, argv: ['/opt/Bastion/bastion'], lock: false });
    expect(fake.electron.app.quit).toHaveBeenCalled();
    expect(fake.order).toEqual(['enableSandbox', 'requestSingleInstanceLock']);
    expect(fake.appListeners.size).toBe(0);
  });

  it('`bastion doctor --help` on a seat runs the CLI, exits with its status, takes no lock and opens no window', async () => {
    const out: string[] = [];
    const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      out.push(String(chunk));
      return true;
    });
    try {
      const fake = await start({ isPackaged: true, argv: ['/opt/Bastion/bastion', 'doctor', '--help'] });
      await flush();
      expect(fake.electron.app.exit).toHaveBeenCalledWith(0);
      expect(out.join('')).toContain('Usage: bastion doctor <jid>');
      expect(fake.order).toEqual(['enableSandbox']);
      expect(fake.appListeners.size).toBe(0);
    } finally {
      write.mockRestore();
    }
  });
});

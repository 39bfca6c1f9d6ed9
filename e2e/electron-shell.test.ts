import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { _electron, type ElectronApplication, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, screenshot, type BrowserSession } from './support/browser';
import { startApp, type RunningApp } from './support/app';

// The Electron shell (issue 8), two ways:
//  1. The real app in the real Electron binary through Playwright's _electron launcher — where a
//     binary exists. On our machines and CI none can be downloaded (ELECTRON_SKIP_BINARY_DOWNLOAD),
//     so these tests are SKIPPED there, reported as skipped (never as passed), and the reason is
//     printed. BASTION_ELECTRON_BINARY points at a binary elsewhere (or `npm install` with the
//     download allowed puts one in node_modules/electron/dist).
//  2. The renderer's own CSP (the <meta> of renderer/index.html) in Chromium, through the browser
//     host: runs everywhere. The host sends its own CSP header, so the checks below are the ones
//     only the <meta> can make fail: Trusted Types and data: images.

const root = path.resolve(import.meta.dirname, '..');

/** The Electron binary, if there is one: BASTION_ELECTRON_BINARY, else the npm package's download. */
function findElectronBinary(): string | undefined {
  const fromEnv = process.env.BASTION_ELECTRON_BINARY;
  if (fromEnv) return fs.existsSync(fromEnv) ? fromEnv : undefined;
  const pathTxt = path.join(root, 'node_modules', 'electron', 'path.txt');
  if (!fs.existsSync(pathTxt)) return undefined;
  const bin = path.join(root, 'node_modules', 'electron', 'dist', fs.readFileSync(pathTxt, 'utf8').trim());
  return fs.existsSync(bin) ? bin : undefined;
}

const electronBinary = findElectronBinary();
if (!electronBinary) {
  console.log(
    'e2e/electron-shell: the real-Electron tests are NOT RUN (skipped): no Electron binary here ' +
      '(installed with ELECTRON_SKIP_BINARY_DOWNLOAD=1). Set BASTION_ELECTRON_BINARY to run them.',
  );
}

/** Linux without a display: a private Xvfb for Electron's window. */
async function startXvfb(): Promise<{ display: string; stop: () => void } | undefined> {
  if (process.platform !== 'linux' || process.env.DISPLAY) return undefined;
  const n = 90 + Math.floor(Math.random() * 400);
  const proc: ChildProcess = spawn('Xvfb', [`:${n}`, '-screen', '0', '1280x800x24', '-nolisten', 'tcp'], { stdio: 'ignore' });
  const socket = `/tmp/.X11-unix/X${n}`;
  for (let i = 0; i < 100 && !fs.existsSync(socket); i++) await new Promise((r) => setTimeout(r, 50));
  if (!fs.existsSync(socket)) {
    proc.kill();
    throw new Error(`Xvfb :${n} did not start`);
  }
  return { display: `:${n}`, stop: () => proc.kill() };
}

describe('Electron shell: the real app in the real Electron binary', () => {
  let app: ElectronApplication | undefined;
  let page: Page;
  let xvfb: Awaited<ReturnType<typeof startXvfb>>;
  let userData: string;

  beforeAll(async () => {
    if (!electronBinary) return;
    xvfb = await startXvfb();
    userData = fs.mkdtempSync(path.join(os.tmpdir(), 'bastion-electron-'));
    app = await _electron.launch({
      executablePath: electronBinary,
      args: [path.join(root, 'dist', 'electron', 'main.cjs'), `--user-data-dir=${userData}`],
      cwd: root,
      env: { ...(process.env as Record<string, string>), ...(xvfb ? { DISPLAY: xvfb.display } : {}) },
      timeout: 60_000,
    });
    page = await app.firstWindow();
    await page.waitForLoadState('domcontentloaded');
  }, 90_000);

  afterAll(async () => {
    await app?.close();
    xvfb?.stop();
    if (userData) fs.rmSync(userData, { recursive: true, force: true });
  });

  it.skipIf(!electronBinary)('[APP-1] loads app://bastion/ with isolation, sandbox, no Node, and only the contract on window.bastion', async () => {
    expect(page.url()).toBe('app://bastion/index.html');
    const seen = await page.evaluate(() => {
      const w = window as unknown as Record<string, unknown>;
      return {
        keys: Object.keys((w.bastion as object) ?? {}).sort(),
        frozen: Object.isFrozen(w.bastion),
        // No Node, and nothing of the preload's world (contextIsolation): no ipcRenderer, no electron.
        leaked: ['require', 'process', 'Buffer', 'module', 'global', 'ipcRenderer', 'electron'].filter((k) => k in w),
      };
    });
    expect(seen).toEqual({ keys: ['invoke', 'on'], frozen: true, leaked: [] });
    // The window's webPreferences themselves are checked in electron/main/app/main.test.ts.
    const pong = await page.evaluate(async () => {
      const api = (window as unknown as { bastion: { invoke(n: string, i: unknown): Promise<{ ok: boolean }> } }).bastion;
      return api.invoke('ping', { nonce: 'electron-shell' });
    });
    expect(pong.ok).toBe(true);
    await screenshot(page, 'electron-shell');
  });

  it.skipIf(!electronBinary)('the CSP header and <meta> hold: no eval, no inline script, Trusted Types enforced', async () => {
    const r = await page.evaluate(() => {
      const out: Record<string, string> = {};
      try {
        out.eval = String((0, eval)('1 + 1'));
      } catch {
        out.eval = 'blocked';
      }
      try {
        document.body.insertAdjacentHTML('beforeend', '<b>x</b>');
        out.tt = 'allowed';
      } catch {
        out.tt = 'blocked';
      }
      return out;
    });
    expect(r).toEqual({ eval: 'blocked', tt: 'blocked' });
  });

  it.skipIf(!electronBinary)('navigation away, new windows and permission requests are refused', async () => {
    await page.evaluate(() => {
      location.href = 'https://example.invalid/';
    });
    await new Promise((r) => setTimeout(r, 500));
    expect(page.url()).toBe('app://bastion/index.html');
    expect(await page.evaluate(() => window.open('https://example.invalid/') === null)).toBe(true);
    expect(await app?.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows().length)).toBe(1);
    expect(await page.evaluate(() => Notification.requestPermission())).toBe('denied');
  });
});

describe('renderer CSP <meta> in Chromium (browser host)', () => {
  let host: RunningApp;
  let chrome: BrowserSession;

  beforeAll(async () => {
    host = await startApp({ stateDir: os.tmpdir() });
    chrome = await launchChromium();
  });

  afterAll(async () => {
    await chrome?.close();
    await host?.close();
  });

  it('Trusted Types are enforced and data: images refused: the <meta> policy is in force, and the app runs under it', async () => {
    const page = await chrome.newPage();
    const violations: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') violations.push(m.text());
    });
    await page.goto(host.host.url);
    await expect.poll(() => page.getByTestId('core-status').textContent()).toMatch(/ready/);
    // The app itself triggered nothing.
    expect(violations).toEqual([]);
    const r = await page.evaluate(async () => {
      let tt: string;
      try {
        document.body.insertAdjacentHTML('beforeend', '<b>x</b>');
        tt = 'allowed';
      } catch (e) {
        tt = e instanceof TypeError ? 'blocked' : String(e);
      }
      const violated = new Promise<string>((resolve) =>
        document.addEventListener('securitypolicyviolation', (e) => {
          if (e.effectiveDirective === 'img-src') resolve(`${e.effectiveDirective} ${e.blockedURI}`);
        }),
      );
      const img = document.createElement('img');
      img.src = 'data:image/gif;base64,R0lGODlhAQABAAAAACw=';
      document.body.append(img);
      return { tt, img: await violated };
    });
    expect(r).toEqual({ tt: 'blocked', img: 'img-src data' });
  });
});

import os from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, screenshot, type BrowserSession } from './support/browser';
import { startApp, type RunningApp } from './support/app';

let app: RunningApp;
let chrome: BrowserSession;

beforeAll(async () => {
  app = await startApp({ stateDir: os.tmpdir() });
  chrome = await launchChromium();
});

afterAll(async () => {
  await chrome?.close();
  await app?.close();
});

describe('smoke: renderer ↔ core through the browser host', () => {
  it('Chromium loads the renderer and one IPC command round-trips to the core and back', async () => {
    const page = await chrome.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error') pageErrors.push(m.text());
    });
    await page.goto(app.host.url);
    await expect.poll(() => page.getByTestId('core-status').textContent()).toMatch(/^Core .* ready \(browser-host, /);
    await page.getByRole('button', { name: 'Test the core connection' }).click();
    await expect.poll(() => page.getByTestId('ping-result').textContent()).toMatch(/Round trip [\d.]+ ms, event received/);
    await screenshot(page, 'smoke-core-ready');
    expect(pageErrors).toEqual([]);
  });

  it('[APP-1] the page sees exactly the contract on window.bastion and no Node (the renderer has no way to the socket, DNS, TLS or the card but IPC)', async () => {
    const page = await chrome.newPage();
    await page.goto(app.host.url);
    const seen = await page.evaluate(() => {
      const w = window as unknown as Record<string, unknown>;
      const api = w.bastion as object;
      return {
        keys: Object.keys(api).sort(),
        frozen: Object.isFrozen(api),
        replaceable: (() => {
          try {
            w.bastion = {};
          } catch {
            /* strict-mode assignment to a read-only property */
          }
          return w.bastion !== api;
        })(),
        node: ['require', 'process', 'Buffer', 'module', 'global'].filter((k) => k in w),
      };
    });
    expect(seen).toEqual({ keys: ['invoke', 'on'], frozen: true, replaceable: false, node: [] });
  });

  it('invalid arguments come back as an error value, not an exception', async () => {
    const page = await chrome.newPage();
    await page.goto(app.host.url);
    const r = await page.evaluate(async () => {
      const api = (window as unknown as { bastion: { invoke(n: string, i: unknown): Promise<unknown> } }).bastion;
      return [await api.invoke('ping', { nonce: 42 }), await api.invoke('rm -rf', {})];
    });
    expect(r).toEqual([
      { ok: false, error: { code: 'invalid-argument', message: expect.stringContaining('nonce') } },
      { ok: false, error: { code: 'unknown-command', message: expect.any(String) } },
    ]);
  });

  it('a page opened without the per-run token cannot reach the core', async () => {
    const page = await chrome.newPage();
    await page.goto(app.host.url.replace(/#.*$/, ''));
    await expect.poll(() => page.getByTestId('core-status').textContent()).toMatch(/^Core unavailable/);
  });
});

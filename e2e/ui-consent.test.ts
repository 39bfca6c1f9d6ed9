// The consent banner [UCR-G3] through the real UI: first screen, and the only one until it is
// acknowledged. Each test starts its own core: acknowledgement lasts for the core's run.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { getTestbed, testbedEnv } from '../test/support/testbed/get-testbed.js';
import { startApp, type RunningApp } from './support/app';
import { launchChromium, type BrowserSession } from './support/browser';
import { expectAccessible, openApp, route, screenshotScreen, ui, waitForRoute } from './support/ui';

let chrome: BrowserSession;
const opened: Array<{ app: RunningApp; dir: string }> = [];

async function freshApp(): Promise<RunningApp> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bastion-e2e-consent-'));
  const app = await startApp({ stateDir: dir, env: testbedEnv() });
  opened.push({ app, dir });
  return app;
}

beforeAll(async () => {
  chrome = await launchChromium();
});

afterEach(async () => {
  for (const { app, dir } of opened.splice(0)) {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

afterAll(async () => {
  await chrome?.close();
});

type Api = { invoke(n: string, i: unknown): Promise<unknown> };

describe('consent banner (UI)', () => {
  it('[UCR-G3] the consent banner is the first screen, login is unreachable until it is acknowledged, and the core refuses connect meanwhile', async () => {
    const app = await freshApp();
    const alice = getTestbed().accounts.prosody.find((a) => a.username === 'alice');
    if (!alice) throw new Error('no alice');
    const { page, problems } = await openApp(chrome, app);
    await waitForRoute(page, 'consent');

    // The notice text from the core, focused, in a scrollable region.
    const text = page.getByRole('region', { name: 'Notice and consent text' });
    await expect.poll(() => text.textContent()).toContain('You are accessing a U.S. Government (USG) Information System');
    expect(await text.evaluate((el) => el === document.activeElement)).toBe(true);
    await expectAccessible(page, 'consent');
    await screenshotScreen(page, 'consent');

    // No login control exists, and Tab through the whole page never reaches one.
    expect(await ui.account(page).count()).toBe(0);
    expect(await page.getByRole('radio').count()).toBe(0);
    expect(await page.locator('input, select, textarea').count()).toBe(0);
    const reached = new Set<string>();
    for (let i = 0; i < 8; i++) {
      await page.keyboard.press('Tab');
      reached.add(
        await page.evaluate(() => {
          const el = document.activeElement;
          if (!el || el === document.body) return 'body';
          return el.getAttribute('data-testid') ?? el.textContent ?? el.tagName;
        }),
      );
    }
    expect(reached).toContain('I acknowledge');
    expect([...reached].filter((x) => !['consent-text', 'I acknowledge', 'Test the core connection', 'body'].includes(x))).toEqual([]);

    // The core enforces it too: connect through window.bastion in this very page is refused.
    const refused = await page.evaluate(
      ({ account, password }) => (window as unknown as { bastion: Api }).bastion.invoke('connect', { account, auth: { kind: 'password', password } }),
      { account: alice.jid, password: alice.password },
    );
    expect(refused).toMatchObject({ ok: false, error: { code: 'consent-required' } });
    expect(await route(page)).toBe('consent');

    await ui.acknowledge(page).click();
    await waitForRoute(page, 'login');
    await expect.poll(() => ui.account(page).evaluate((el) => el === document.activeElement)).toBe(true);
    const consent = await page.evaluate(() => (window as unknown as { bastion: Api }).bastion.invoke('getConsent', {}));
    expect(consent).toMatchObject({ ok: true, value: { acknowledged: true } });
    expect(problems).toEqual([]);
  });

  it('keyboard only: consent → login → connected with Tab, Space, arrow keys and Enter', async () => {
    const app = await freshApp();
    const alice = getTestbed().accounts.prosody.find((a) => a.username === 'alice');
    if (!alice) throw new Error('no alice');
    const { page, problems } = await openApp(chrome, app);
    await waitForRoute(page, 'consent');
    await expect.poll(() => page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('consent-text');

    await page.keyboard.press('PageDown'); // the focused notice scrolls with the keyboard
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('I acknowledge');
    await page.keyboard.press('Space');
    await waitForRoute(page, 'login');

    // Focus starts in the account field.
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('account');
    await page.keyboard.type(alice.jid);
    await page.keyboard.press('Tab'); // → method radio group (Password checked)
    expect(await page.evaluate(() => (document.activeElement as HTMLInputElement).value)).toBe('password');
    await page.keyboard.press('ArrowRight'); // → Smart card
    expect(await ui.method(page, 'Smart card (CAC)').isChecked()).toBe(true);
    await page.keyboard.press('ArrowLeft'); // back to Password
    expect(await ui.method(page, 'Password').isChecked()).toBe(true);
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('password');
    await page.keyboard.type(alice.password);
    await page.keyboard.press('Enter');
    await waitForRoute(page, 'connected');
    expect(await page.getByTestId('account-jid').textContent()).toBe(alice.jid);

    // The lock button opens the security panel with Enter; Disconnect with Space.
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.getAttribute('aria-label'))).toBe('Connection security');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.getByRole('region', { name: 'Connection security' }).isVisible()).toBe(true);
    await ui.disconnect(page).focus();
    await page.keyboard.press('Space');
    await waitForRoute(page, 'login');
    expect(problems).toEqual([]);
  });
});

// The admin policy and the settings dialog through the real UI, the real core (policy read from
// BASTION_POLICY_FILE, as admins try a policy out) and the test bed's Prosody: a card-only seat,
// a broken policy, the policy's classification banner, managed keys in the settings dialog, and
// the user's "only my contacts" switch, checked against what the server then refuses. Every new
// screen is checked with axe-core and saved as a screenshot (reports/screenshots/).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { closeFreshSessions, freshAccount } from '../test/support/fresh-user';
import { getTestbed, testbedEnv } from '../test/support/testbed/get-testbed.js';
import { startApp, type RunningApp } from './support/app';
import { launchChromium, type BrowserSession } from './support/browser';
import { chatPeer } from './support/peer';
import { expectAccessible, openApp, passwordLogin, screenshotScreen, ui, waitForRoute } from './support/ui';

let chrome: BrowserSession;
let tmp: string;
const apps: RunningApp[] = [];
const poll = { timeout: 20_000 };

beforeAll(async () => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'bastion-e2e-settings-'));
  chrome = await launchChromium();
});

afterEach(async () => {
  await closeFreshSessions();
  for (const a of apps.splice(0)) await a.close();
});

afterAll(async () => {
  await chrome?.close();
  rmSync(tmp, { recursive: true, force: true });
});

/** A core whose admin policy is `policy` (an object, or raw file text for a broken one). */
async function appWithPolicy(name: string, policy: Record<string, unknown> | string): Promise<RunningApp> {
  const file = path.join(tmp, `${name}.policy.json`);
  writeFileSync(file, typeof policy === 'string' ? policy : JSON.stringify(policy, null, 2));
  const stateDir = mkdtempSync(path.join(tmp, `${name}-state-`));
  const app = await startApp({
    stateDir,
    env: { ...testbedEnv(), BASTION_POLICY_FILE: file },
  });
  apps.push(app);
  await app.core.handlers.acknowledgeConsent({}, { sender: 'test' });
  return app;
}

const text = async (page: Page, testId: string): Promise<string> => ((await page.getByTestId(testId).textContent()) ?? '').trim();

describe('admin policy on the login screen', () => {
  it('[UCR-G3] a card-only policy offers only the smart card, says it is managed, and its classification banner replaces the default', async () => {
    const app = await appWithPolicy('card-only', {
      authMethods: ['card'],
      classificationBanner: { text: 'SECRET//E2E TEST', foreground: '#ffffff', background: '#c8102e' },
    });
    const { page, problems } = await openApp(chrome, app);
    await waitForRoute(page, 'login');
    await expect.poll(() => page.getByTestId('methods-managed').isVisible(), poll).toBe(true);
    expect(await text(page, 'methods-managed')).toBe('Managed by your administrator');
    // The sign-in methods (the card picker below lists the token's certificates as radios too).
    expect(await page.locator('.method-choice').getByRole('radio').count()).toBe(1);
    expect(await ui.method(page, 'Smart card (CAC)').isChecked()).toBe(true);
    expect(await ui.method(page, 'Password').count()).toBe(0);
    expect(await ui.password(page).count()).toBe(0);
    for (const where of ['top', 'bottom']) {
      const banner = page.getByTestId(`classification-${where}`);
      expect(((await banner.textContent()) ?? '').trim()).toBe('SECRET//E2E TEST');
      const colours = await banner.evaluate((el) => [getComputedStyle(el).color, getComputedStyle(el).backgroundColor]);
      expect(colours).toEqual(['rgb(255, 255, 255)', 'rgb(200, 16, 46)']);
    }
    await expectAccessible(page, 'login-policy-card-only');
    await screenshotScreen(page, 'login-policy-card-only');
    expect(problems).toEqual([]);
  });

  it('[UCR-G3] a broken policy shows the admin the file and the problem, and sign-in is disabled (the core refuses too)', async () => {
    const app = await appWithPolicy('broken', { minTlsVersion: '1.1', authMethods: ['password'] });
    const { page, problems } = await openApp(chrome, app);
    await waitForRoute(page, 'login');
    const alert = page.getByTestId('policy-broken');
    await expect.poll(() => alert.isVisible(), poll).toBe(true);
    const shown = (await alert.textContent()) ?? '';
    expect(shown).toContain('sign-in is disabled');
    expect(shown).toContain(path.join(tmp, 'broken.policy.json'));
    expect(shown).toContain('$.minTlsVersion');
    expect(await ui.connect(page).getAttribute('aria-disabled')).toBe('true');
    // Trying anyway does nothing: no connection attempt starts.
    const alice = getTestbed().accounts.prosody.find((a) => a.username === 'alice');
    if (!alice) throw new Error('no alice');
    await ui.account(page).fill(alice.jid);
    await ui.password(page).fill(alice.password);
    // The button is aria-disabled (still focusable, so the reason can be read): submit with Enter.
    await ui.password(page).press('Enter');
    await new Promise((r) => setTimeout(r, 1500));
    expect(await text(page, 'connect-progress')).toBe('');
    expect(await page.locator('.shell-content').getAttribute('data-route')).toBe('login');
    expect((await app.core.handlers.getConnectionState({}, { sender: 'test' })).state).not.toBe('connected');
    await expectAccessible(page, 'login-policy-broken');
    await screenshotScreen(page, 'login-policy-broken');
    expect(problems).toEqual([]);
  });
});

describe('settings dialog (prosody)', () => {
  it('[UCR-G3][IMPP-P2] shows managed keys with a lock; "only my contacts" is set on the server and a stranger’s message is refused', async () => {
    const tb = getTestbed();
    const domain = tb.servers.prosody.domain;
    const app = await appWithPolicy('managed', {
      authMethods: ['password', 'card'],
      minTlsVersion: '1.2',
      compression: 'off',
      allowedDomains: [domain, 'example.mil'],
      dnsServers: [`${tb.dns.host}:${tb.dns.port}`],
    });
    const [meAccount, strangerAccount] = await Promise.all([freshAccount('prosody', 'ui-set-me'), freshAccount('prosody', 'ui-set-x')]);
    const stranger = await chatPeer(strangerAccount);
    const { page, problems } = await openApp(chrome, app);
    await passwordLogin(page, meAccount.jid, meAccount.password);
    await waitForRoute(page, 'connected');

    await page.getByTestId('open-settings').click();
    const dialog = page.getByRole('dialog', { name: 'Settings' });
    await expect.poll(() => dialog.isVisible(), poll).toBe(true);
    for (const key of ['minTlsVersion', 'compression', 'allowedDomains', 'dnsServers', 'authMethods']) {
      const row = page.getByTestId(`setting-${key}`);
      expect(await row.getAttribute('data-managed'), key).toBe('true');
      expect(((await row.textContent()) ?? '').includes('Managed'), key).toBe(true);
    }
    expect(await page.getByTestId('setting-revocation').getAttribute('data-managed')).toBeNull();
    expect(await text(page, 'setting-minTlsVersion')).toContain('TLS 1.2');
    expect(await text(page, 'setting-allowedDomains')).toContain(`${domain}, example.mil`);
    expect(await text(page, 'setting-dnsServers')).toContain(`${tb.dns.host}:${tb.dns.port}`);
    // No input for any security setting: they are read-only.
    expect(await page.getByTestId('settings-security').locator('input, select, textarea').count()).toBe(0);

    const toggle = page.getByTestId('only-contacts');
    await expect.poll(() => toggle.isVisible(), poll).toBe(true);
    expect(await toggle.isChecked()).toBe(false);
    expect(await page.getByTestId('settings-password').isVisible()).toBe(true);
    await expectAccessible(page, 'settings-dialog');
    await screenshotScreen(page, 'settings-dialog');

    // Control: before the switch, a stranger's message arrives (the core stores it in history).
    const bodies = async (): Promise<string[]> =>
      (await app.core.handlers.getHistory({ peer: stranger.jid, limit: 50 }, { sender: 'test' })).messages.map((m) => m.body);
    stranger.messages.send({ to: meAccount.jid, body: 'before the switch' });
    await expect.poll(bodies, poll).toContain('before the switch');

    await toggle.check();
    await expect.poll(() => toggle.isChecked(), poll).toBe(true);
    // The server holds it: the core reads it back from the server.
    await expect.poll(async () => (await app.core.handlers.getMessagePrivacy({}, { sender: 'test' })).onlyContacts, poll).toBe(true);
    // Now the server refuses a stranger's message: it never reaches the core.
    stranger.messages.send({ to: meAccount.jid, body: 'after the switch' });
    await new Promise((r) => setTimeout(r, 2500));
    expect(await bodies()).not.toContain('after the switch');
    await expectAccessible(page, 'settings-dialog-only-contacts');
    await screenshotScreen(page, 'settings-dialog-only-contacts');

    await toggle.uncheck();
    await expect.poll(() => toggle.isChecked(), poll).toBe(false);
    await expect.poll(async () => (await app.core.handlers.getMessagePrivacy({}, { sender: 'test' })).onlyContacts, poll).toBe(false);
    expect(problems).toEqual([]);
  });
});

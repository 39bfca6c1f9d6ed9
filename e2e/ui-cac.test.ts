// Smart-card sign-in through the real UI: the token and its certificates as the core lists them,
// the PIN dialog (modal, focus trapped, Escape cancels), a wrong PIN, and a full CAC login.
//
// A private SoftHSM2 token (same contents as the test bed's: 'bastion-test', PIN 1234, alice RSA
// id 01, bob EC id 02, plus the Prosody server's certificate without a key as id 03, which the
// list must show disabled with its reason) in this file's own SOFTHSM2_CONF: a wrong PIN changes the token's PIN
// counter flags, which must not disturb the other test files that share the test bed's token.
// The card worker inherits process.env when it starts (on the first listCards), so the variable
// is set before, and restored after.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Cards } from '../shared/ipc/contract';
import type { SecurityReport } from '../shared/security/report';
import { getTestbed, testbedEnv } from '../test/support/testbed/get-testbed.js';
import { run } from '../test/support/testbed/exec.js';
import { createToken, tokenEnv, type TokenInfo } from '../test/support/testbed/token.js';
import { startApp, type RunningApp } from './support/app';
import { launchChromium, type BrowserSession } from './support/browser';
import { expectAccessible, inputValues, openApp, screenshotScreen, ui, waitForRoute } from './support/ui';

let app: RunningApp;
let chrome: BrowserSession;
let dir: string;
let token: TokenInfo;
const savedConf = process.env.SOFTHSM2_CONF;

beforeAll(async () => {
  const tb = getTestbed();
  dir = mkdtempSync(path.join(os.tmpdir(), 'bastion-e2e-cac-'));
  token = await createToken(path.join(dir, 'hsm'), tb.pki);
  // A certificate the card cannot use for sign-in: a server certificate (no clientAuth) with no key.
  const serverCert = tb.pki.servers['prosody.test']?.cert;
  if (!serverCert) throw new Error('no prosody.test certificate');
  const der = path.join(dir, 'server.der');
  await run('openssl', ['x509', '-in', serverCert, '-outform', 'DER', '-out', der]);
  await run(
    'pkcs11-tool',
    ['--module', token.module, '--token-label', token.label, '--login', '--pin', token.pin, '--write-object', der, '--type', 'cert', '--id', '03', '--label', 'prosody-server'],
    { env: tokenEnv(token) },
  );
  process.env.SOFTHSM2_CONF = token.conf;
  app = await startApp({
    stateDir: path.join(dir, 'state'),
    env: { ...testbedEnv(), BASTION_PKCS11_MODULE: token.module },
  });
  await app.core.handlers.acknowledgeConsent({}, { sender: 'test' });
  chrome = await launchChromium();
}, 120_000);

afterAll(async () => {
  await chrome?.close();
  await app?.close();
  if (savedConf === undefined) delete process.env.SOFTHSM2_CONF;
  else process.env.SOFTHSM2_CONF = savedConf;
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const text = async (page: Page, testId: string): Promise<string> => ((await page.getByTestId(testId).textContent()) ?? '').trim();
const pinDialog = (page: Page) => page.getByRole('dialog', { name: 'Enter your PIN' });
const activeInDialog = (page: Page): Promise<boolean> =>
  page.evaluate(() => Boolean(document.activeElement && document.querySelector('dialog[open]')?.contains(document.activeElement)));

async function openCardLogin(page: Page): Promise<void> {
  await waitForRoute(page, 'login');
  await ui.method(page, 'Smart card (CAC)').check();
  await expect.poll(() => page.getByRole('group', { name: `Card ${token.label}` }).count(), { timeout: 30_000 }).toBe(1);
}

describe('smart-card sign-in through the UI (SoftHSM2 token)', () => {
  // Generous timeouts: card operations share two cores with the servers and other test files.
  it('lists the token with alice’s and bob’s certificates and their XMPP identities; choosing one fills in the account', { timeout: 60_000 }, async () => {
    const { page, problems } = await openApp(chrome, app);
    await openCardLogin(page);
    const card = page.getByRole('group', { name: `Card ${token.label}` });
    expect(await card.textContent()).toContain('PIN ready');
    const radios = card.getByRole('radio');
    expect(await radios.count()).toBe(3);
    const alice = card.getByRole('radio', { name: /alice/ });
    const bob = card.getByRole('radio', { name: /bob/ });
    const server = card.getByRole('radio', { name: /CN=prosody\.test/ });
    expect(await alice.isEnabled()).toBe(true);
    expect(await bob.isEnabled()).toBe(true);
    const slot = (await alice.getAttribute('value'))?.split(':')[0];
    expect(await text(page, `cert-${slot}-01-identity`)).toBe('alice@prosody.test (from xmppAddr)');
    expect(await text(page, `cert-${slot}-02-identity`)).toBe('bob@prosody.test (from xmppAddr)');
    // The unusable one is listed, disabled, and says why (the reason is the core's).
    expect(await server.isDisabled()).toBe(true);
    const cards = (await page.evaluate(() => (window as unknown as { bastion: { invoke(n: string, i: unknown): Promise<{ value: unknown }> } }).bastion.invoke('listCards', {}))).value as Cards;
    const reason = cards.tokens.flatMap((t) => t.certificates).find((c) => c.id === '03')?.reason;
    expect(reason).toBeTruthy();
    expect(await text(page, `cert-${slot}-03`)).toContain(`Cannot be used: ${reason}`);
    expect(await server.getAttribute('aria-describedby')).toContain(`cert-${slot}-03-reason`);
    // The description tells a screen reader the issuer, expiry and identity of each option.
    expect(await alice.getAttribute('aria-describedby')).toContain(`cert-${slot}-01-facts`);

    await bob.check();
    expect(await ui.account(page).inputValue()).toBe('bob@prosody.test');
    await card.getByText('alice', { exact: false }).first().click(); // the whole row is the target
    expect(await alice.isChecked()).toBe(true);
    expect(await ui.account(page).inputValue()).toBe('alice@prosody.test');
    await expectAccessible(page, 'login-cac');
    await screenshotScreen(page, 'login-cac');
    expect(problems).toEqual([]);
  });

  it('the PIN dialog is modal, traps focus, and Escape cancels; a wrong PIN comes back with the core’s message; the right PIN signs in', { timeout: 60_000 }, async () => {
    const { page, problems } = await openApp(chrome, app);
    await openCardLogin(page);
    await page.getByRole('group', { name: `Card ${token.label}` }).getByRole('radio', { name: /alice/ }).check();
    await ui.connect(page).click();

    const dialog = pinDialog(page);
    await expect.poll(() => dialog.isVisible()).toBe(true);
    expect(await dialog.getAttribute('aria-modal')).toBe('true');
    expect(await page.evaluate(() => document.activeElement?.getAttribute('type'))).toBe('password');
    for (let i = 0; i < 6; i++) {
      await page.keyboard.press(i % 2 ? 'Shift+Tab' : 'Tab');
      await page.keyboard.press('Tab');
      expect(await activeInDialog(page)).toBe(true);
    }
    await expectAccessible(page, 'pin-dialog');
    await screenshotScreen(page, 'pin-dialog');
    await page.keyboard.press('Escape');
    await expect.poll(() => dialog.count()).toBe(0);
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Connect with card…');

    // Wrong PIN: the card refuses, the dialog comes back with the core's message.
    await ui.connect(page).click();
    await dialog.getByLabel('PIN').fill('9999');
    await dialog.getByLabel('PIN').press('Enter');
    await expect
      .poll(async () => ((await dialog.count()) ? await text(page, 'pin-rejection') : await text(page, 'login-alert')), { timeout: 20_000 })
      .toMatch(/PIN/i);
    expect(await dialog.isVisible()).toBe(true);
    expect(await dialog.getByLabel('PIN').inputValue()).toBe('');
    expect(await inputValues(page)).not.toContain('9999');
    const rejection = await text(page, 'pin-rejection');
    await expectAccessible(page, 'pin-dialog-rejected');
    await screenshotScreen(page, 'pin-dialog-rejected');

    // The right PIN: a full CAC login (SASL EXTERNAL with the card's key).
    await dialog.getByLabel('PIN').fill(token.pin);
    await dialog.getByRole('button', { name: 'Connect' }).click();
    await expect
      .poll(async () => ((await page.locator('.shell-content').getAttribute('data-route')) === 'connected' ? 'connected' : await text(page, 'login-alert')), { timeout: 30_000 })
      .toBe('connected');
    expect(await text(page, 'account-jid')).toBe('alice@prosody.test');
    const report = (await page.evaluate(() => (window as unknown as { bastion: { invoke(n: string, i: unknown): Promise<{ value: unknown }> } }).bastion.invoke('getSecurityReport', {}))).value as SecurityReport;
    expect(report.sasl?.mechanism).toBe('EXTERNAL');
    await ui.lock(page).click();
    await expect.poll(() => text(page, 'sec-client-certificate')).toContain(report.tls?.clientCertificate?.sha256 ?? '<none>');
    await ui.disconnect(page).click();
    await waitForRoute(page, 'login');
    expect(rejection).not.toBe('');
    expect(await inputValues(page)).not.toContain(token.pin); // the PIN did not outlive its use
    expect(problems).toEqual([]);
  });

  // Last: it deletes the (private) token, which is how SoftHSM2 shows a card being pulled.
  it('pulling the card ends the session: back to sign-in with “Smart card removed — insert it and enter your PIN again”', { timeout: 60_000 }, async () => {
    const { page, problems } = await openApp(chrome, app);
    await openCardLogin(page);
    await page.getByRole('group', { name: `Card ${token.label}` }).getByRole('radio', { name: /bob/ }).check();
    await ui.connect(page).click();
    await pinDialog(page).getByLabel('PIN').fill(token.pin);
    await pinDialog(page).getByLabel('PIN').press('Enter');
    await expect
      .poll(async () => ((await page.locator('.shell-content').getAttribute('data-route')) === 'connected' ? 'connected' : await text(page, 'login-alert')), { timeout: 30_000 })
      .toBe('connected');
    expect(await text(page, 'account-jid')).toBe('bob@prosody.test');

    await run('softhsm2-util', ['--delete-token', '--token', token.label], { env: tokenEnv(token) });
    await waitForRoute(page, 'login');
    expect(await text(page, 'login-alert')).toBe('Disconnected: Smart card removed — insert it and enter your PIN again.');
    // The form is back on the card method; the card is gone from the list.
    expect(await ui.method(page, 'Smart card (CAC)').isChecked()).toBe(true);
    await expect.poll(() => page.getByRole('group', { name: `Card ${token.label}` }).count()).toBe(0);
    await expectAccessible(page, 'login-card-removed');
    await screenshotScreen(page, 'login-card-removed');
    expect(problems).toEqual([]);
  });
});

// Sign-in through the real UI against the real core and the test bed's Prosody and ejabberd:
// password and PKCS#12 logins, the connected view with its security panel compared with the
// report the core hands out, failures in the alert region, accessibility and screenshots.
import { statSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SecurityReport } from '../shared/security/report';
import { run } from '../test/support/testbed/exec.js';
import { getTestbed } from '../test/support/testbed/get-testbed.js';
import type { ServerKind } from '../test/support/testbed/info.js';
import { startUiApp, type RunningApp, type UiApp } from './support/app';
import type { BrowserSession } from './support/browser';
import { expectAccessible, inputValues, openApp, passwordLogin, screenshotScreen, ui, waitForRoute } from './support/ui';

let app: RunningApp;
let chrome: BrowserSession;
let harness: UiApp;

beforeAll(async () => {
  harness = await startUiApp('login');
  ({ app, chrome } = harness);
});

afterAll(async () => {
  await harness?.close();
});

function account(kind: ServerKind, name = 'alice'): { jid: string; password: string } {
  const a = getTestbed().accounts[kind].find((x) => x.username === name);
  if (!a) throw new Error(`no ${name} on ${kind}`);
  return a;
}

type Api = { invoke(n: string, i: unknown): Promise<{ ok: boolean; value?: unknown }> };

async function coreReport(page: Page): Promise<SecurityReport> {
  const r = await page.evaluate(() => (window as unknown as { bastion: Api }).bastion.invoke('getSecurityReport', {}));
  if (!r.ok || !r.value) throw new Error(`no report: ${JSON.stringify(r)}`);
  return r.value as SecurityReport;
}

const text = async (page: Page, testId: string): Promise<string> => ((await page.getByTestId(testId).textContent()) ?? '').trim();

describe.each<ServerKind>(['prosody', 'ejabberd'])('password sign-in through the UI (%s)', (kind) => {
  it('[APP-4][R7590-HF1][R7590-HF2][R7590-HF3] signs in, and the security panel shows what the core measured (TLS, chain fingerprints, name match, SASL, DNS); disconnects', async () => {
    const alice = account(kind);
    const { page, problems } = await openApp(chrome, app);
    await waitForRoute(page, 'login');
    if (kind === 'prosody') {
      await expectAccessible(page, 'login-password');
      await screenshotScreen(page, 'login-password');
    }
    await passwordLogin(page, alice.jid, alice.password);
    await waitForRoute(page, 'connected');
    expect(await text(page, 'account-jid')).toBe(alice.jid);
    expect(await text(page, 'full-jid')).toMatch(new RegExp(`^${alice.jid}/.+`));

    await ui.lock(page).click();
    expect(await ui.lock(page).getAttribute('aria-expanded')).toBe('true');
    const panel = page.getByRole('region', { name: 'Connection security' });
    await expect.poll(() => panel.isVisible()).toBe(true);
    await expect.poll(() => text(page, 'sec-tls-version')).not.toBe('');

    const report = await coreReport(page);
    const tls = report.tls;
    if (!tls) throw new Error('report without tls');
    expect(report.outcome).toBe('established');
    // HF1: encrypted, version, cipher suite, key exchange.
    expect(await text(page, 'sec-encrypted')).toBe(tls.encrypted ? 'Yes' : 'No');
    expect(tls.encrypted).toBe(true);
    expect(await text(page, 'sec-tls-version')).toBe(tls.version);
    expect(await text(page, 'sec-cipher-suite')).toBe(tls.cipherSuite);
    expect(await text(page, 'sec-key-exchange')).toBe(tls.keyExchange);
    expect(await text(page, 'sec-group')).toBe(tls.group ?? '—');
    // HF3: every certificate of the chain, with its fingerprints, and the anchor.
    expect(tls.peerChain.length).toBeGreaterThan(0);
    for (const [i, c] of tls.peerChain.entries()) {
      expect(await text(page, `chain-${i}-sha256`)).toBe(c.sha256);
      expect(await text(page, `chain-${i}-spki`)).toBe(c.spkiSha256);
      expect(await text(page, `chain-${i}-subject`)).toBe(c.subject);
      expect(await text(page, `chain-${i}-issuer`)).toBe(c.issuer);
    }
    if (tls.anchor) expect(await text(page, 'chain-anchor-sha256')).toBe(tls.anchor.sha256);
    const chainTable = page.getByRole('table', { name: /Server certificate chain/ });
    const headers = await chainTable.getByRole('columnheader').allTextContents();
    expect(headers.slice(0, 2)).toEqual(['Field', 'Server certificate']);
    expect(headers).toHaveLength(1 + tls.peerChain.length + (tls.anchor ? 1 : 0));
    if (tls.anchor) expect(headers.at(-1)).toBe('Trust anchor (configured)');
    expect(await chainTable.getByRole('rowheader').allTextContents()).toContain('SHA-256 fingerprint');
    // HF2: how the server was authenticated (name match, revocation) and how we were (SASL).
    expect(tls.nameMatch).toBeDefined();
    expect(await text(page, 'sec-name-match')).toBe(`${tls.nameMatch?.type}: ${tls.nameMatch?.presented}`);
    if (tls.revocation) expect(await text(page, 'sec-revocation')).toContain(tls.revocation.source);
    expect(report.sasl?.mechanism).toMatch(/^SCRAM-SHA-/);
    expect(await text(page, 'sec-sasl-mechanism')).toBe(report.sasl?.mechanism);
    expect(await text(page, 'sec-channel-binding')).toBe(report.sasl?.channelBinding ?? 'none');
    expect(await text(page, 'sec-client-certificate')).toBe('none (not used)');
    // DNS queries with their answers, and where we connected.
    const queries = report.dns?.queries ?? [];
    expect(queries.length).toBeGreaterThan(0);
    for (const [i, q] of queries.entries()) {
      const cell = await text(page, `dns-${i}-answers`);
      for (const a of q.answers) expect(cell).toContain(a);
    }
    expect(await text(page, 'sec-address')).toBe(`${report.connection?.address} port ${report.connection?.port} (${report.connection?.host})`);

    await expectAccessible(page, `connected-security-panel-${kind}`);
    await screenshotScreen(page, `connected-security-panel-${kind}`);

    await ui.disconnect(page).click();
    await waitForRoute(page, 'login');
    expect(await ui.account(page).inputValue()).toBe(alice.jid); // the form starts from the last attempt
    expect(await ui.password(page).inputValue()).toBe(''); // the password did not survive
    expect(problems).toEqual([]);
  });
});

describe('sign-in failures and the other methods (UI)', () => {
  it('a wrong password shows the core’s message in the alert region and stays on the login screen', async () => {
    const alice = account('prosody');
    const { page, problems } = await openApp(chrome, app);
    await passwordLogin(page, alice.jid, 'definitely-wrong');
    await expect.poll(() => text(page, 'login-alert'), { timeout: 20_000 }).toMatch(/authentication failed/);
    const report = await coreReport(page);
    expect(report.outcome).toBe('failed');
    expect(await text(page, 'login-alert')).toContain(report.failure?.message ?? '<no failure message>');
    expect(await page.getByRole('alert').filter({ hasText: 'authentication failed' }).count()).toBe(1);
    await waitForRoute(page, 'login');
    expect(await ui.password(page).inputValue()).toBe('');
    await expectAccessible(page, 'login-error');
    await screenshotScreen(page, 'login-error');
    expect(await inputValues(page)).not.toContain('definitely-wrong');
    expect(problems).toEqual([]);
  });

  it('an invalid account JID is refused inline before anything is sent', async () => {
    const { page } = await openApp(chrome, app);
    await waitForRoute(page, 'login');
    await ui.account(page).fill('not-a-jid');
    await ui.password(page).fill('x');
    await ui.connect(page).click();
    expect(await ui.account(page).getAttribute('aria-invalid')).toBe('true');
    expect(await page.locator('#account-error').textContent()).toMatch(/user@domain/);
    expect(await ui.account(page).evaluate((el) => el === document.activeElement)).toBe(true);
    expect(await page.getByTestId('connect-progress').textContent()).toBe('');
  });

  it('PKCS#12: the file input refuses a file over 150 KB, and the screen is accessible', async () => {
    const { page, problems } = await openApp(chrome, app);
    await waitForRoute(page, 'login');
    await ui.method(page, 'Certificate file (PKCS#12)').check();
    await page.getByLabel('Certificate file (.p12 or .pfx)').setInputFiles({ name: 'huge.p12', mimeType: 'application/x-pkcs12', buffer: Buffer.alloc(200 * 1024, 1) });
    await expect.poll(() => page.locator('#pkcs12-file-error').textContent()).toBe('The file is 200 KB; certificate files are at most 150 KB. Choose the right file.');
    expect(await page.getByLabel('Certificate file (.p12 or .pfx)').getAttribute('aria-invalid')).toBe('true');
    await screenshotScreen(page, 'login-pkcs12-too-large');
    await page.getByLabel('Certificate file (.p12 or .pfx)').setInputFiles(getTestbed().pki.clients.alice?.p12 ?? '');
    await expect.poll(() => page.getByRole('status').filter({ hasText: 'alice.p12' }).count()).toBe(1);
    expect(await page.locator('#pkcs12-file-error').count()).toBe(0);
    await expectAccessible(page, 'login-pkcs12');
    await screenshotScreen(page, 'login-pkcs12');
    expect(problems).toEqual([]);
  });

  it('PKCS#12: alice signs in to Prosody with her certificate file (SASL EXTERNAL)', async () => {
    const alice = getTestbed().pki.clients.alice;
    if (!alice) throw new Error('no alice certificate');
    const { page, problems } = await openApp(chrome, app);
    await waitForRoute(page, 'login');
    await ui.account(page).fill('alice@prosody.test');
    await ui.method(page, 'Certificate file (PKCS#12)').check();
    await page.getByLabel('Certificate file (.p12 or .pfx)').setInputFiles(alice.p12);
    await expect.poll(() => page.getByRole('status').filter({ hasText: 'alice.p12' }).count()).toBe(1);
    await page.getByLabel('File password').fill(alice.p12Password);
    await ui.connect(page).click();
    await expect
      .poll(async () => ((await page.locator('.shell-content').getAttribute('data-route')) === 'connected' ? 'connected' : await text(page, 'login-alert')), { timeout: 20_000 })
      .toBe('connected');
    const report = await coreReport(page);
    expect(report.sasl?.mechanism).toBe('EXTERNAL');
    await ui.lock(page).click();
    await expect.poll(() => text(page, 'sec-client-certificate')).toContain('alice');
    await ui.disconnect(page).click();
    await waitForRoute(page, 'login');
    expect(problems).toEqual([]);
  });

  it('a session the server ends (ejabberd kicks it) returns to the login screen and says why', async () => {
    const carol = account('ejabberd', 'carol');
    const { page, problems } = await openApp(chrome, app);
    await passwordLogin(page, carol.jid, carol.password);
    await waitForRoute(page, 'connected');
    const resource = (await text(page, 'full-jid')).split('/')[1] ?? '';
    expect(resource).not.toBe('');
    // ejabberdctl of this test instance (<dir>/ctl), as the ejabberd user that owns the instance.
    const { dir } = getTestbed().servers.ejabberd;
    const owner = statSync(dir);
    const [user, host] = carol.jid.split('@') as [string, string];
    await run(path.join(dir, 'ctl'), ['kick_session', user, host, resource, 'Kicked by the UI test'], {
      uid: owner.uid,
      gid: owner.gid,
      env: { ...process.env, HOME: dir },
      cwd: dir,
      timeoutMs: 30_000,
    });
    await waitForRoute(page, 'login');
    expect(await text(page, 'login-alert')).toMatch(/^Disconnected: The server or the network ended the session: .+/);
    await screenshotScreen(page, 'login-connection-lost');
    expect(problems).toEqual([]);
  });

  it('dark theme: login and the security panel pass axe too', async () => {
    const alice = account('prosody', 'bob');
    const { page, problems } = await openApp(chrome, app, { colorScheme: 'dark' });
    await waitForRoute(page, 'login');
    await expectAccessible(page, 'login-password-dark');
    await screenshotScreen(page, 'login-password-dark');
    await passwordLogin(page, alice.jid, alice.password);
    await waitForRoute(page, 'connected');
    await ui.lock(page).click();
    await expect.poll(() => text(page, 'sec-tls-version')).not.toBe('');
    await expectAccessible(page, 'connected-security-panel-dark');
    await screenshotScreen(page, 'connected-security-panel-dark');
    await ui.disconnect(page).click();
    await waitForRoute(page, 'login');
    expect(problems).toEqual([]);
  });
});

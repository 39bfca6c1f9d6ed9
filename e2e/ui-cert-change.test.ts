// The certificate-change question [R7590-HF4] through the real UI: the core remembers a server
// key per account; here the remembered entry for alice@prosody.test is planted with another key
// and CA, so the real Prosody's certificate is a change that is not a routine renewal.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SecurityReport } from '../shared/security/report';
import { getTestbed } from '../test/support/testbed/get-testbed.js';
import { startUiApp, type RunningApp, type UiApp } from './support/app';
import type { BrowserSession } from './support/browser';
import { expectAccessible, openApp, passwordLogin, screenshotScreen, ui, waitForRoute } from './support/ui';

let app: RunningApp;
let chrome: BrowserSession;
let harness: UiApp;

const PLANTED = {
  spkiSha256: 'q1ZVbG9ja2VkT2xkU2VydmVyS2V5Rm9yVGhlVGVzdA0K+AAAAAAAAAAAAAA=',
  issuer: 'CN=Old Enterprise CA, O=Example',
  issuerSpkiSha256: 'T2xkRW50ZXJwcmlzZUNBS2V5Rm9yVGhlVGVzdA0KAAAAAAAAAAAAAAAAAA=',
  leafSha256: '00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF',
  firstSeen: '2024-03-01T12:00:00.000Z',
  lastSeen: '2025-01-15T08:30:00.000Z',
};

function plant(stateDir: string, account: string): void {
  writeFileSync(path.join(stateDir, 'server-certificates.json'), `${JSON.stringify({ [account]: PLANTED }, null, 2)}\n`);
}

beforeAll(async () => {
  const tb = getTestbed();
  const alice = tb.accounts.prosody.find((a) => a.username === 'alice');
  if (!alice) throw new Error('no alice');
  harness = await startUiApp('certchange', { prepare: (dir) => plant(dir, alice.jid) });
  ({ app, chrome } = harness);
});

afterAll(async () => {
  await harness?.close();
});

const text = async (page: Page, testId: string): Promise<string> => ((await page.getByTestId(testId).textContent()) ?? '').trim();
const question = (page: Page) => page.getByRole('dialog', { name: 'The server’s certificate has changed' });

describe('certificate change (UI)', () => {
  it('[R7590-HF4] a changed server certificate stops sign-in with a modal question; previous vs presented; Reject (Escape) ends the attempt, Accept once connects', async () => {
    const alice = getTestbed().accounts.prosody.find((a) => a.username === 'alice');
    if (!alice) throw new Error('no alice');
    const { page, problems } = await openApp(chrome, app);
    await passwordLogin(page, alice.jid, alice.password);

    const dialog = question(page);
    await expect.poll(() => dialog.isVisible(), { timeout: 20_000 }).toBe(true);
    expect(await dialog.getAttribute('aria-modal')).toBe('true');
    expect(await text(page, 'connect-progress')).toBe('Waiting for your decision about the server certificate…');
    expect(await text(page, 'cert-change-previous-issuer')).toBe(PLANTED.issuer);
    expect(await text(page, 'cert-change-previous-spki')).toBe(PLANTED.spkiSha256);
    expect(await text(page, 'cert-change-previous-first-seen')).toBe('2024-03-01 12:00:00 UTC');
    const presentedSpki = await text(page, 'cert-change-presented-spki');
    const presentedIssuer = await text(page, 'cert-change-presented-issuer');
    expect(presentedSpki).not.toBe(PLANTED.spkiSha256);
    // Reject is the safe answer and has the focus.
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Reject');
    await expectAccessible(page, 'certificate-change-dialog');
    await screenshotScreen(page, 'certificate-change-dialog');

    // Escape = Reject: the attempt ends at stage certificate-change, nothing was sent.
    await page.keyboard.press('Escape');
    await expect.poll(() => dialog.count()).toBe(0);
    await expect.poll(() => text(page, 'login-alert'), { timeout: 20_000 }).toMatch(/certificate changed/);
    const rejected = (await page.evaluate(() => (window as unknown as { bastion: { invoke(n: string, i: unknown): Promise<{ value: unknown }> } }).bastion.invoke('getSecurityReport', {}))).value as SecurityReport;
    expect(rejected).toMatchObject({ outcome: 'failed', failure: { stage: 'certificate-change' }, certificateChange: { kind: 'changed', decision: 'reject' } });
    // What the dialog showed as presented is the certificate the server sent.
    expect(rejected.tls?.peerChain[0]?.spkiSha256).toBe(presentedSpki);
    expect(rejected.tls?.peerChain[0]?.issuer).toBe(presentedIssuer);

    // Again, and Accept once: connected; the panel records the change and the decision.
    await ui.password(page).fill(alice.password);
    await ui.connect(page).click();
    await expect.poll(() => dialog.isVisible(), { timeout: 20_000 }).toBe(true);
    await dialog.getByRole('button', { name: 'Accept once' }).click();
    await waitForRoute(page, 'connected');
    await ui.lock(page).click();
    await expect.poll(() => text(page, 'sec-cert-memory')).toBe('Changed');
    expect(await page.getByRole('region', { name: 'Connection security' }).textContent()).toContain('accept-once');
    await ui.disconnect(page).click();
    await waitForRoute(page, 'login');
    expect(problems).toEqual([]);
  });
});

// The renderer opens a real session through the contract: window.bastion → browser host → core
// → Prosody/ejabberd of the test bed; the security report comes back the same way.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getTestbed, testbedEnv } from '../test/support/testbed/get-testbed.js';
import type { ServerKind } from '../test/support/testbed/info.js';
import { launchChromium, type BrowserSession } from './support/browser';
import { startApp, type RunningApp } from './support/app';

let app: RunningApp;
let chrome: BrowserSession;
let stateDir: string;

beforeAll(async () => {
  stateDir = mkdtempSync(path.join(os.tmpdir(), 'bastion-e2e-state-'));
  app = await startApp({ stateDir, env: testbedEnv() });
  chrome = await launchChromium();
});

afterAll(async () => {
  await chrome?.close();
  await app?.close();
  rmSync(stateDir, { recursive: true, force: true });
});

type Api = { invoke(n: string, i: unknown): Promise<unknown>; on(n: string, l: (p: unknown) => void): () => void };

// Runs first: the core starts with the consent banner unacknowledged.
describe('consent before connecting', () => {
  it('[UCR-G3] the core refuses to connect until the DoD consent banner is acknowledged', async () => {
    const tb = getTestbed();
    const alice = tb.accounts.prosody.find((a) => a.username === 'alice');
    if (!alice) throw new Error('no alice');
    const page = await chrome.newPage();
    await page.goto(app.host.url);
    const r = await page.evaluate(async ({ account, password }) => {
      const api = (window as unknown as { bastion: Api }).bastion;
      const consent = await api.invoke('getConsent', {});
      const refused = await api.invoke('connect', { account, auth: { kind: 'password', password } });
      return { consent, refused };
    }, { account: alice.jid, password: alice.password });
    expect(r.consent).toMatchObject({ ok: true, value: { acknowledged: false, text: expect.stringContaining('U.S. Government (USG) Information System') } });
    expect(r.refused).toMatchObject({ ok: false, error: { code: 'consent-required' } });
    expect(app.core.handlers.getSecurityReport({}, { sender: 'test' })).toBeNull(); // nothing was attempted
  });
});

describe.each<ServerKind>(['prosody', 'ejabberd'])('connect through IPC (%s)', (kind) => {
  it('connects, reports the session, and disconnects; events arrive; the password never comes back', async () => {
    const tb = getTestbed();
    const alice = tb.accounts[kind].find((a) => a.username === 'alice');
    if (!alice) throw new Error('no alice');
    const page = await chrome.newPage();
    await page.goto(app.host.url);
    const result = await page.evaluate(
      async ({ account, password }) => {
        const api = (window as unknown as { bastion: Api }).bastion;
        const events: unknown[] = [];
        api.on('didChangeConnectionState', (p) => events.push(['state', p]));
        api.on('didUpdateSecurityReport', (p) => events.push(['report', p]));
        await api.invoke('acknowledgeConsent', {});
        const connected = await api.invoke('connect', { account, auth: { kind: 'password', password } });
        const report = await api.invoke('getSecurityReport', {});
        const again = await api.invoke('connect', { account, auth: { kind: 'password', password } });
        const disconnected = await api.invoke('disconnect', {});
        await new Promise((r) => setTimeout(r, 100));
        return { connected, report, again, disconnected, events };
      },
      { account: alice.jid, password: alice.password },
    );
    expect(result.connected).toEqual({ ok: true, value: { jid: expect.stringMatching(new RegExp(`^${alice.jid}/`)) } });
    expect(result.report).toMatchObject({ ok: true, value: { outcome: 'established', tls: { version: 'TLS1.3', nameMatch: { type: 'DNS-ID' } } } });
    expect(result.again).toMatchObject({ ok: false, error: { code: 'invalid-state' } });
    expect(result.disconnected).toEqual({ ok: true, value: {} });
    const states = result.events.filter((e) => (e as [string])[0] === 'state').map((e) => ((e as [string, { state: string }])[1]).state);
    expect(states).toEqual(['connecting', 'connected', 'disconnected']);
    expect(JSON.stringify(result)).not.toContain(alice.password);
  });

  it('a wrong password comes back as a connection-failed value with the stage', async () => {
    const tb = getTestbed();
    const alice = tb.accounts[kind].find((a) => a.username === 'alice');
    if (!alice) throw new Error('no alice');
    const page = await chrome.newPage();
    await page.goto(app.host.url);
    const r = await page.evaluate(async (account) => {
      const api = (window as unknown as { bastion: Api }).bastion;
      await api.invoke('acknowledgeConsent', {});
      return [await api.invoke('connect', { account, auth: { kind: 'password', password: 'definitely-wrong' } }), await api.invoke('getSecurityReport', {})];
    }, alice.jid);
    expect(r[0]).toMatchObject({ ok: false, error: { code: 'connection-failed', message: expect.stringMatching(/authentication failed/) } });
    expect(r[1]).toMatchObject({ ok: true, value: { outcome: 'failed', failure: { stage: 'sasl' } } });
    expect(JSON.stringify(r)).not.toContain('definitely-wrong');
  });
});

// The reconnect banner through the real UI and core: the link to Prosody is cut (a loopback
// proxy in front of the real server) while DNS answers nothing, so the core waits and retries;
// the banner counts down to the next attempt and shows the error and the queued messages; a
// message written meanwhile is shown as queued and goes out once the network is back.
import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DnsPort } from '../electron/main/net/dns';
import { establishSession } from '../electron/main/xmpp/session/establish';
import { waitFor } from '../test/support/clients';
import { startCutProxy, type CutProxy } from '../test/support/cut-proxy';
import { closeFreshSessions, freshAccount } from '../test/support/fresh-user';
import { dnsTo } from '../test/support/proxy-dns';
import { getTestbed } from '../test/support/testbed/get-testbed.js';
import type { Account } from '../test/support/testbed/info.js';
import { testAddress } from '../test/support/testbed/net.js';
import { startUiApp, type RunningApp, type UiApp } from './support/app';
import type { BrowserSession } from './support/browser';
import { chatPeer, type ChatPeer } from './support/peer';
import { addContactAndOpen, expectAccessible, openApp, passwordLogin, screenshotScreen, waitForRoute } from './support/ui';

let app: RunningApp;
let chrome: BrowserSession;
let harness: UiApp;
let proxy: CutProxy;
let peer: ChatPeer;
let page: Page;
let problems: string[];
/** While true, every DNS query fails (the network is "down"). */
let dnsDown = false;
let me: Account;

const poll = { timeout: 20_000 };
const text = async (l: Locator): Promise<string> => ((await l.textContent()) ?? '').trim();

beforeAll(async () => {
  const tb = getTestbed();
  const target = tb.servers.prosody;
  proxy = await startCutProxy({ host: testAddress(60), port: 5222 }, { host: target.host, port: target.port });
  const real = dnsTo(target.domain, proxy.host).port;
  const down = (name: string): Promise<never> => Promise.reject(Object.assign(new Error(`no route to the DNS server for ${name}`), { code: 'ECONNREFUSED' }));
  const dns: DnsPort = {
    resolveSrv: (n) => (dnsDown ? down(n) : real.resolveSrv(n)),
    resolve4: (n) => (dnsDown ? down(n) : real.resolve4(n)),
    resolve6: (n) => (dnsDown ? down(n) : real.resolve6(n)),
  };
  harness = await startUiApp('reconnect', {
    env: { BASTION_TRUST_ANCHORS: tb.pki.caCert },
    // Several seconds between attempts, so the countdown is visible; a fresh lookup each time [UCR-S4].
    session: (env) => ({ ...env, backoff: { initialMs: 20_000, maxMs: 30_000, factor: 1.2 }, establish: (o) => establishSession({ ...o, dns }) }),
  });
  ({ app, chrome } = harness);
  let other: Account;
  [me, other] = await Promise.all([freshAccount('prosody', 'ui-rc'), freshAccount('prosody', 'ui-rc-peer')]);
  peer = await chatPeer(other);
  peer.autoReceipts = true;
  ({ page, problems } = await openApp(chrome, app));
});

afterAll(async () => {
  await closeFreshSessions();
  await harness?.close();
  await proxy?.close();
});

describe('reconnect banner (prosody behind a cut proxy)', () => {
  it('counts down to the next attempt with the error and the queued count; a message written offline is queued, then sent and delivered', async () => {
    // (expect.poll only works inside a test: the sign-in is the first step here.)
    await passwordLogin(page, me.jid, me.password);
    await waitForRoute(page, 'connected');
    // A contact to write to (added through the UI).
    const item = await addContactAndOpen(page, peer.jid);
    // Let the session finish starting (stream management, roster, archive) before cutting it.
    await new Promise((r) => setTimeout(r, 1500));

    dnsDown = true;
    proxy.cut();
    const banner = page.getByTestId('reconnect-banner');
    await expect.poll(() => text(page.getByTestId('reconnect-countdown')), poll).toMatch(/^Next attempt in \d+ s$/);
    expect(await text(page.getByTestId('reconnect-error'))).toMatch(/^Last error: .+/);
    expect(await text(page.getByTestId('reconnect-queued'))).toBe('No messages waiting to be sent.');
    expect(await page.getByText('Reconnecting', { exact: true }).isVisible()).toBe(true);
    expect(await text(item.getByTestId('roster-status'))).toBe('Status unknown while disconnected');
    // The countdown is live.
    const first = Number((await text(page.getByTestId('reconnect-countdown'))).match(/\d+/)?.[0]);
    await expect.poll(() => text(page.getByTestId('reconnect-countdown')).then((s) => Number(s.match(/\d+/)?.[0] ?? -1)), { timeout: 4000 }).toBeLessThan(first);

    // Written while offline: queued, and counted in the banner.
    await page.getByTestId('composer').fill('written while offline');
    await page.keyboard.press('Enter');
    const row = page.locator('[data-testid="message"][data-direction="out"]').last();
    await expect.poll(() => text(row.getByTestId('message-state')), poll).toBe('Queued');
    await expect.poll(() => text(page.getByTestId('reconnect-queued')), poll).toBe('1 message waiting to be sent.');
    expect(await page.getByText('You are offline: new messages are queued and sent when the connection is back.').isVisible()).toBe(true);
    // Attempts keep failing while DNS is down; the banner stays (the screen is checked meanwhile).
    await expect.poll(() => banner.isVisible()).toBe(true);
    await expectAccessible(page, 'chat-reconnecting');
    await screenshotScreen(page, 'chat-reconnecting');

    // The network is back and the user presses "Retry now": the attempt starts at once (no
    // waiting out the backoff), the outbox goes out, the peer's receipt arrives.
    dnsDown = false;
    const retry = page.getByTestId('reconnect-now');
    await expect.poll(() => retry.isVisible(), poll).toBe(true);
    await retry.click();
    await expect.poll(() => banner.count(), { timeout: 10_000 }).toBe(0);
    const got = await waitFor(peer.inbox, (m) => m.body === 'written while offline', 20_000);
    expect(got.fromBare).toBeDefined();
    await expect.poll(() => text(row.getByTestId('message-state')), poll).toBe('Delivered');
    expect(problems).toEqual([]);
  }, 120_000);
});

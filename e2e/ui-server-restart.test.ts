// A real server restart through the real UI and core: the user is signed in to a private Prosody
// (its own address and data directory: the shared test bed's servers serve other test files in
// parallel) and chats with a peer; the Prosody process is stopped, the reconnect banner shows
// and a message written meanwhile is queued; the same Prosody starts again on the same data and
// the peer, back first, writes to the user while the user's session is still down (so the server
// has to keep it: offline storage, XEP-0160, and the archive, XEP-0313). Then the session comes
// back by itself: the banner goes, the queued message reaches the peer once, the peer's message
// shows once, and what was said before the restart is still shown once.
import xml from '@xmpp/xml';
import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { establishSession } from '../electron/main/xmpp/session/establish';
import { waitFor } from '../test/support/clients';
import { startPrivateProsody, type PrivateProsody } from '../test/support/private-prosody';
import { getTestbed } from '../test/support/testbed/get-testbed.js';
import type { Account } from '../test/support/testbed/info.js';
import { testAddress } from '../test/support/testbed/net.js';
import { randomToken } from '../test/support/testbed/secret.js';
import { startUiApp, type RunningApp, type UiApp } from './support/app';
import type { BrowserSession } from './support/browser';
import { chatPeerOn, type ChatPeer } from './support/peer';
import { addContactAndOpen, expectAccessible, openApp, passwordLogin, screenshotScreen, waitForRoute } from './support/ui';

let server: PrivateProsody;
let app: RunningApp;
let chrome: BrowserSession;
let harness: UiApp;
let me: Account;
let other: Account;
/** The peer's session before the restart, and the one it opens once the server is back. */
let peerBefore: ChatPeer;
let peerAfter: ChatPeer | undefined;
let page: Page;
let problems: string[];

/**
 * Session initiations of the app. While `hold` is set, an attempt waits before it starts (as a
 * client whose backoff has not run out yet would): the test releases it once the peer's message
 * is on the server, so that message is certain to arrive while the user has no session.
 */
let hold: Promise<void> | undefined;
let release: () => void = () => undefined;
let held = 0;
let sessionsUp = 0;

const tag = randomToken(3);
const said = {
  peerBefore: `peer, before the restart ${tag}`,
  meBefore: `me, before the restart ${tag}`,
  meQueued: `me, written while the server is down ${tag}`,
  peerOffline: `peer, while my session is down ${tag}`,
  peerLive: `peer, once my session is back ${tag}`,
};

const poll = { timeout: 20_000 };
const text = async (l: Locator): Promise<string> => ((await l.textContent()) ?? '').trim();
/** How many message rows in the open conversation show exactly this body. */
const shown = async (body: string): Promise<number> => (await page.getByTestId('message-body').allTextContents()).filter((b) => b.trim() === body).length;
/** How many times the peer received this body, over both of its sessions. */
const atPeer = (body: string): number => [...peerBefore.inbox, ...(peerAfter?.inbox ?? [])].filter((m) => m.body === body).length;
const settle = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  const tb = getTestbed();
  server = await startPrivateProsody({ domain: 'ui-restart.test', address: testAddress(71) });
  [me, other] = await Promise.all([server.account('ui-rs'), server.account('ui-rs-peer')]);
  harness = await startUiApp('restart', {
    env: { BASTION_TRUST_ANCHORS: tb.pki.caCert },
    // Short backoff: the session is back within seconds of the server.
    session: (env) => ({
      ...env,
      backoff: { initialMs: 1000, maxMs: 3000, factor: 1.5 },
      establish: async (o) => {
        if (hold) {
          held += 1;
          await hold;
        }
        const s = await establishSession({ ...o, dns: server.dns });
        sessionsUp += 1;
        return s;
      },
    }),
  });
  ({ app, chrome } = harness);
  peerBefore = await chatPeerOn(other, await server.openSession(other));
  peerBefore.autoReceipts = true;
  peerBefore.autoApprove = true;
  ({ page, problems } = await openApp(chrome, app));
});

afterAll(async () => {
  release();
  await harness?.close();
  await server?.close();
});

describe('server restart through the UI (private prosody, real stop and start)', () => {
  it('signed in through the login screen, one message each way', async () => {
    await passwordLogin(page, me.jid, me.password);
    await waitForRoute(page, 'connected');
    const item = await addContactAndOpen(page, peerBefore.jid);
    // The peer approved: its presence shows.
    await expect.poll(() => text(item.getByTestId('roster-status')), poll).toMatch(/^Available/);

    peerBefore.messages.send({ to: me.jid, body: said.peerBefore });
    await expect.poll(() => shown(said.peerBefore), poll).toBe(1);
    await page.getByTestId('composer').fill(said.meBefore);
    await page.keyboard.press('Enter');
    await waitFor(peerBefore.inbox, (m) => m.body === said.meBefore, 10_000);
    const mine = page.locator('[data-testid="message"][data-direction="out"]').last();
    await expect.poll(() => text(mine.getByTestId('message-state')), poll).toBe('Delivered');
    expect(sessionsUp).toBe(1);
    // Let the session finish starting (stream management, archive sync) before the restart.
    await settle(1500);
    expect(problems).toEqual([]);
  }, 90_000);

  let queuedId = '';
  it('the server stops: the reconnect banner shows and a message written meanwhile is queued', async () => {
    await server.stop();
    const banner = page.getByTestId('reconnect-banner');
    await expect.poll(() => banner.isVisible(), poll).toBe(true);
    expect(await page.getByRole('heading', { name: 'Connection lost — reconnecting' }).isVisible()).toBe(true);
    // Attempts fail while nothing listens (the process is gone, not a cut link); the banner names the error.
    await expect.poll(() => text(page.getByTestId('reconnect-error')), poll).toMatch(/^Last error: .*ECONNREFUSED/);
    expect(await page.getByText('You are offline: new messages are queued and sent when the connection is back.').isVisible()).toBe(true);

    await page.getByTestId('composer').fill(said.meQueued);
    await page.keyboard.press('Enter');
    const row = page.locator('[data-testid="message"][data-direction="out"]').last();
    await expect.poll(() => text(row.getByTestId('message-body')), poll).toBe(said.meQueued);
    queuedId = (await row.getAttribute('data-id')) ?? '';
    expect(queuedId).not.toBe('');
    await expect.poll(() => text(row.getByTestId('message-state')), poll).toBe('Queued');
    await expect.poll(() => text(page.getByTestId('reconnect-queued')), poll).toBe('1 message waiting to be sent.');
    expect(await banner.isVisible()).toBe(true);
    await expectAccessible(page, 'chat-server-restart');
    await screenshotScreen(page, 'chat-server-restart');
    expect(sessionsUp).toBe(1);
    expect(problems).toEqual([]);
  }, 90_000);

  it('the server starts again: the session comes back by itself, no message lost, none twice', async () => {
    hold = new Promise((r) => {
      release = r;
    });
    await server.start();
    // The peer is back first and writes while the user has no session.
    peerAfter = await chatPeerOn(other, await server.openSession(other));
    peerAfter.autoReceipts = true;
    peerAfter.messages.send({ to: me.jid, body: said.peerOffline });
    // A round trip after the message: the server has handled (stored) it.
    await peerAfter.client.request('get', server.domain, xml('ping', { xmlns: 'urn:xmpp:ping' }));
    // The app's next attempt is waiting: the user's session is really down at this point.
    await expect.poll(() => held, poll).toBeGreaterThan(0);
    expect(sessionsUp).toBe(1);
    expect(await page.getByTestId('reconnect-banner').isVisible()).toBe(true);
    hold = undefined;
    release();

    // Back: the banner goes, the queued message goes out and the peer acknowledges it.
    await expect.poll(() => page.getByTestId('reconnect-banner').count(), { timeout: 30_000 }).toBe(0);
    await waitForRoute(page, 'connected');
    expect(sessionsUp).toBe(2);
    const queued = page.locator(`[data-testid="message"][data-id="${queuedId}"]`);
    await expect.poll(() => text(queued.getByTestId('message-state')), { timeout: 30_000 }).toBe('Delivered');
    await waitFor(peerAfter.inbox, (m) => m.body === said.meQueued, 10_000);
    // The peer's message from the offline store / archive, and a live one after it.
    await expect.poll(() => shown(said.peerOffline), { timeout: 30_000 }).toBe(1);
    peerAfter.messages.send({ to: me.jid, body: said.peerLive });
    await expect.poll(() => shown(said.peerLive), poll).toBe(1);

    // Nothing arrives twice, however late: offline delivery and the archive catch-up both carry
    // the peer's message; the outbox must not send the queued one again.
    await settle(3000);
    expect(atPeer(said.meQueued)).toBe(1);
    expect(atPeer(said.meBefore)).toBe(1);
    for (const body of [said.peerBefore, said.meBefore, said.meQueued, said.peerOffline, said.peerLive]) expect(await shown(body), body).toBe(1);
    expect(problems).toEqual([]);
  }, 120_000);
});

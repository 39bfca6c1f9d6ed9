// Chat both ways through the real UI with a third-party client: go-sendxmpp (Go, its own XMPP
// stack) on the test bed's Prosody. The contact is added through the UI; what is typed in the UI
// reaches go-sendxmpp's listener, and go-sendxmpp's message shows up in the conversation.
import { randomBytes } from 'node:crypto';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeFreshSessions, freshAccount } from '../test/support/fresh-user';
import { getTestbed } from '../test/support/testbed/get-testbed.js';
import type { Account } from '../test/support/testbed/info.js';
import { listen, sendMessage, type PeerListener, type PeerServer } from '../test/support/testbed/peers.js';
import { startUiApp, type RunningApp, type UiApp } from './support/app';
import type { BrowserSession } from './support/browser';
import { addContactAndOpen, openApp, passwordLogin, screenshotScreen, waitForRoute } from './support/ui';

let app: RunningApp;
let chrome: BrowserSession;
let harness: UiApp;
let me: Account;
let other: Account;
let page: Page;
let listener: PeerListener | undefined;
const poll = { timeout: 20_000 };

beforeAll(async () => {
  harness = await startUiApp('sendxmpp');
  ({ app, chrome } = harness);
  [me, other] = await Promise.all([freshAccount('prosody', 'ui-gs-me'), freshAccount('prosody', 'ui-gs-peer')]);
  ({ page } = await openApp(chrome, app));
});

afterAll(async () => {
  await listener?.stop();
  await closeFreshSessions();
  await harness?.close();
});

describe('chat with go-sendxmpp through the UI (prosody)', () => {
  it('[APP-4] a message typed in the UI reaches go-sendxmpp, and a go-sendxmpp message appears in the conversation', async () => {
    const tb = getTestbed();
    const server: PeerServer = { host: tb.servers.prosody.host, port: tb.servers.prosody.port, caCert: tb.pki.caCert, workDir: tb.peersDir };
    await passwordLogin(page, me.jid, me.password);
    await waitForRoute(page, 'connected');
    await addContactAndOpen(page, other.jid);

    // UI → go-sendxmpp first, while `other` has never been online: the message waits in offline
    // storage and the listener gets it on login. The other order races: go-sendxmpp ends a session
    // by closing the socket, and the server may read our message before that close (two
    // connections, no order between them) and hand it to the dead session (seen in Prosody's log).
    const outgoing = `from the Bastion UI ${randomBytes(4).toString('hex')}`;
    await page.getByTestId('composer').fill(outgoing);
    await page.keyboard.press('Enter');
    // 'Sent' is the server's confirmation (XEP-0198 ack or a later IQ's answer): Prosody has
    // stored the message by then, before go-sendxmpp logs in.
    const mine = page.locator('[data-testid="message"][data-direction="out"][data-state="sent"]', { hasText: outgoing });
    await expect.poll(() => mine.count(), poll).toBe(1);
    listener = await listen(server, other);
    const got = await listener.waitFor((m) => m.body === outgoing, 20_000);
    expect(got.from).toBe(me.jid);
    await listener.stop();
    listener = undefined;

    const incoming = `from go-sendxmpp ${randomBytes(4).toString('hex')}`;
    await sendMessage(server, other, me.jid, incoming);
    const row = page.locator('[data-testid="message"][data-direction="in"]', { hasText: incoming });
    await expect.poll(() => row.count(), poll).toBe(1);
    await screenshotScreen(page, 'chat-go-sendxmpp');
  }, 90_000);
});

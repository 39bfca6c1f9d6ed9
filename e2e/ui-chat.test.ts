// The main window through the real UI, the real core and the test bed's Prosody: a fresh account
// signs in; a second fresh account, driven at the protocol level (e2e/support/peer.ts), asks to
// see its presence, chats with it, types, acknowledges; history survives a reload. Every new
// screen is checked with axe-core and saved as a screenshot (reports/screenshots/).
import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../test/support/clients';
import { closeFreshSessions, freshAccount } from '../test/support/fresh-user';
import type { Account } from '../test/support/testbed/info.js';
import { startUiApp, type RunningApp, type UiApp } from './support/app';
import type { BrowserSession } from './support/browser';
import { chatPeer, type ChatPeer } from './support/peer';
import { expectAccessible, openApp, passwordLogin, screenshotScreen, waitForRoute } from './support/ui';

let app: RunningApp;
let chrome: BrowserSession;
let harness: UiApp;
let me: Account;
let peer: ChatPeer;
let page: Page;
let problems: string[];

const poll = { timeout: 20_000 };

beforeAll(async () => {
  harness = await startUiApp('chat');
  ({ app, chrome } = harness);
  const [a, b] = await Promise.all([freshAccount('prosody', 'ui-me'), freshAccount('prosody', 'ui-peer')]);
  me = a;
  peer = await chatPeer(b);
  peer.presence.setOwn({ status: 'At my desk' });
  ({ page, problems } = await openApp(chrome, app));
});

afterAll(async () => {
  await closeFreshSessions();
  await harness?.close();
});

const rosterItem = (jid: string): Locator => page.locator(`.roster-item[data-jid="${jid}"]`).first();
const composer = (): Locator => page.getByTestId('composer');
const messageRow = (id: string): Locator => page.locator(`[data-testid="message"][data-id="${id}"]`);
const text = async (l: Locator): Promise<string> => ((await l.textContent()) ?? '').trim();

describe('roster and one-to-one chat through the UI (prosody)', () => {
  it('[IMPP-P1] a subscription request waits in the inbox; approving puts the contact in the roster with presence', async () => {
    // (expect.poll only works inside a test: the sign-in is the first step here.)
    await passwordLogin(page, me.jid, me.password);
    await waitForRoute(page, 'connected');
    await expect.poll(() => page.getByText('No contacts yet.').isVisible(), poll).toBe(true);
    peer.autoApprove = true;
    peer.presence.requestSubscription(me.jid as never, 'Please add me');
    const inbox = page.getByRole('region', { name: /Contact requests/ });
    await expect.poll(() => inbox.isVisible(), poll).toBe(true);
    expect(await text(inbox.locator(`.request[data-jid="${peer.jid}"]`))).toContain('“Please add me”');
    // Nobody sees our presence before the user approves [IMPP-P1].
    expect(peer.presenceEvents.some((e) => e.kind === 'available' && e.resource.jid.startsWith(`${me.jid}/`))).toBe(false);
    await expectAccessible(page, 'chat-subscription-inbox');
    await screenshotScreen(page, 'chat-subscription-inbox');

    await page.getByRole('button', { name: `Approve ${peer.jid}` }).click();
    await expect.poll(() => inbox.count(), poll).toBe(0);
    // Approving also asked for theirs; the peer approves, and its presence arrives.
    await expect.poll(() => text(rosterItem(peer.jid).getByTestId('roster-status')), poll).toBe('Available — At my desk');
    await waitFor(peer.presenceEvents, (e) => e.kind === 'available' && e.resource.jid.startsWith(`${me.jid}/`), 10_000);
    await expectAccessible(page, 'chat-roster');
    await screenshotScreen(page, 'chat-roster');
    expect(problems).toEqual([]);
  }, 90_000);

  it('[APP-2] chat both ways: the peer’s message and typing appear; ours reaches the peer with chat states; receipts and markers move its state', async () => {
    await rosterItem(peer.jid).click();
    await expect.poll(() => page.getByRole('heading', { name: `Conversation with ${peer.jid}` }).isVisible(), poll).toBe(true);

    // The peer types, then sends.
    peer.messages.sendChatState(me.jid, 'composing');
    await expect.poll(() => text(page.getByTestId('typing')), poll).toBe(`${peer.jid} is typing…`);
    peer.messages.sendChatState(me.jid, 'paused');
    await expect.poll(() => text(page.getByTestId('typing')), poll).toBe(`${peer.jid} stopped typing.`);
    const incoming = peer.messages.send({ to: me.jid, body: 'Hello from the peer' });
    await expect.poll(() => text(messageRow(incoming.id).getByTestId('message-body')), poll).toBe('Hello from the peer');
    expect(await text(page.getByTestId('typing'))).toBe('');
    // Visible in a focused window: the UI tells the peer it was displayed (XEP-0333).
    await waitFor(peer.inbox, (m) => m.marker?.kind === 'displayed' && m.marker.id === incoming.id, 10_000);

    // We type (composing reaches the peer) and send with Enter.
    await composer().click();
    await page.keyboard.type('Hi peer');
    await waitFor(peer.inbox, (m) => m.chatState === 'composing' && m.body === undefined && m.fromBare === me.jid, 10_000);
    await page.keyboard.press('Enter');
    const out = await waitFor(peer.inbox, (m) => m.body === 'Hi peer', 10_000);
    expect(await composer().inputValue()).toBe('');
    const row = messageRow(out.id ?? '');
    await expect.poll(() => row.getAttribute('data-state'), poll).toBe('sent');
    expect(await text(row.getByTestId('message-state'))).toBe('Sent');
    peer.sendReceipt(out);
    await expect.poll(() => text(row.getByTestId('message-state')), poll).toBe('Delivered');
    peer.messages.markDisplayed(me.jid, out.id ?? '');
    await expect.poll(() => text(row.getByTestId('message-state')), poll).toBe('Read');

    // Shift+Enter is a new line, not a send.
    await page.keyboard.type('line one');
    await page.keyboard.press('Shift+Enter');
    await page.keyboard.type('line two');
    expect(peer.inbox.filter((m) => m.body?.startsWith('line one'))).toHaveLength(0);
    await page.keyboard.press('Enter');
    const twoLines = await waitFor(peer.inbox, (m) => m.body?.startsWith('line one') === true, 10_000);
    expect(twoLines.body).toBe('line one\nline two');
    await expect.poll(() => text(messageRow(twoLines.id ?? '').getByTestId('message-body')), poll).toBe('line one\nline two');

    // Up in the empty box edits our last message (XEP-0308).
    await page.keyboard.press('ArrowUp');
    expect(await composer().inputValue()).toBe('line one\nline two');
    expect(await page.getByTestId('composer-editing').isVisible()).toBe(true);
    await composer().fill('line one, corrected');
    await page.keyboard.press('Enter');
    const correction = await waitFor(peer.inbox, (m) => m.replaces !== undefined, 10_000);
    expect(correction).toMatchObject({ replaces: twoLines.id, body: 'line one, corrected' });
    const edited = messageRow(twoLines.id ?? '');
    await expect.poll(() => text(edited.getByTestId('message-body')), poll).toBe('line one, corrected');
    expect(await edited.getByTestId('message-edited').textContent()).toBe('edited');

    await expectAccessible(page, 'chat-conversation');
    await screenshotScreen(page, 'chat-conversation');
    expect(problems).toEqual([]);
  }, 90_000);

  it('unread counts while the conversation is closed; history survives a reload and older pages load on scrolling up', async () => {
    await page.reload();
    await waitForRoute(page, 'connected');
    await expect.poll(() => rosterItem(peer.jid).isVisible(), poll).toBe(true);
    expect(await page.getByText('Choose a contact to start a conversation.').isVisible()).toBe(true);

    // 70 messages while no conversation is open: an unread count on the contact. (Spaced out:
    // the store pages by time, so messages must not share a millisecond — see the report.)
    const sent: string[] = [];
    for (let i = 1; i <= 70; i++) {
      sent.push(peer.messages.send({ to: me.jid, body: `flood ${String(i).padStart(2, '0')}` }).id);
      await new Promise((r) => setTimeout(r, 25));
    }
    const badge = rosterItem(peer.jid).getByTestId('unread-badge');
    await expect.poll(() => text(badge.locator('[aria-hidden="true"]')), poll).toBe('70');
    expect(await text(badge.locator('.visually-hidden'))).toBe('70 unread messages');
    await screenshotScreen(page, 'chat-roster-unread');

    await rosterItem(peer.jid).click();
    // Opening shows the newest message: displayed, so the count goes and the peer is told.
    await expect.poll(() => badge.count(), poll).toBe(0);
    await waitFor(peer.inbox, (m) => m.marker?.kind === 'displayed' && m.marker.id === sent[69], 10_000);

    // A reload: the conversation comes back from the store (getHistory), a page at a time.
    await page.reload();
    await waitForRoute(page, 'connected');
    await expect.poll(() => rosterItem(peer.jid).isVisible(), poll).toBe(true);
    await rosterItem(peer.jid).click();
    const scroller = page.getByTestId('message-scroller');
    await expect.poll(() => messageRow(sent[69] ?? '').isVisible(), poll).toBe(true);
    // Virtualised: only the rows near the viewport are in the DOM.
    expect(await page.getByTestId('message').count()).toBeLessThan(40);
    expect(await messageRow(sent[0] ?? '').count()).toBe(0);
    // Scroll up until the start of the conversation; older pages load on the way.
    await expect
      .poll(
        async () => {
          await scroller.evaluate((el) => el.scrollBy(0, -4000));
          return text(page.getByTestId('history-state'));
        },
        { timeout: 30_000, interval: 300 },
      )
      .toBe('Start of the conversation');
    await scroller.evaluate((el) => el.scrollTo(0, 0));
    await expect.poll(() => text(page.getByTestId('message-body').first()), poll).toBe('Hello from the peer');
    // Our corrected message kept its correction and its state across the reload.
    await scroller.evaluate((el) => el.scrollTo(0, 0));
    const bodies = await page.getByTestId('message-body').allTextContents();
    expect(bodies.slice(0, 4)).toEqual(['Hello from the peer', 'Hi peer', 'line one, corrected', 'flood 01']);
    expect(await page.getByTestId('message-edited').count()).toBe(1);
    const states = await page.locator('[data-direction="out"]').evaluateAll((els) => els.map((e) => e.getAttribute('data-state')));
    expect(states).toEqual(['displayed', 'sent']);
    await expectAccessible(page, 'chat-history-reloaded');
    await screenshotScreen(page, 'chat-history-reloaded');
    expect(problems).toEqual([]);
  }, 120_000);

  it('Tab order: header, own presence, roster tools, search, groups, contacts, then the conversation', async () => {
    // The focused element's name as a screen reader gets it (label, aria-label, or text without aria-hidden parts).
    const name = (): Promise<string> =>
      page.evaluate(() => {
        const el = document.activeElement as HTMLElement | null;
        if (!el) return '';
        const labelled = (el as HTMLInputElement).labels?.[0]?.textContent;
        const copy = el.cloneNode(true) as HTMLElement;
        copy.querySelectorAll('[aria-hidden="true"]').forEach((h) => h.remove());
        return (el.getAttribute('aria-label') ?? labelled ?? copy.textContent ?? '').replace(/\s+/g, ' ').trim();
      });
    await page.getByTestId('account-jid').focus();
    const seen: string[] = [];
    for (let i = 0; i < 13; i++) {
      await page.keyboard.press('Tab');
      seen.push(await name());
    }
    expect(seen).toEqual([
      'Connection security',
      'Settings',
      'Disconnect',
      'Your status',
      'Status message',
      'Set status',
      'Add contact',
      'Search contacts',
      'Other contacts 1 contact',
      `${peer.jid} Available — At my desk`,
      'Remove contact',
      `Messages with ${peer.jid}`,
      `Message to ${peer.jid}`,
    ]);
  });

  it('[APP-2] own presence reaches the peer; Ctrl+K searches; groups collapse; add and remove a contact (with confirmation, Escape cancels)', async () => {
    await page.getByLabel('Your status').selectOption('away');
    await waitFor(peer.presenceEvents, (e) => e.kind === 'available' && e.resource.jid.startsWith(`${me.jid}/`) && e.resource.show === 'away', 10_000);
    await page.getByLabel('Status message').fill('In a meeting');
    await page.getByRole('button', { name: 'Set status' }).click();
    await waitFor(peer.presenceEvents, (e) => e.kind === 'available' && e.resource.status === 'In a meeting', 10_000);

    // Add a contact into a group of its own.
    const other = await freshAccount('prosody', 'ui-other');
    await page.getByRole('button', { name: 'Add contact' }).click();
    const dialog = page.getByRole('dialog', { name: 'Add a contact' });
    await expect.poll(() => dialog.isVisible()).toBe(true);
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('add-contact-jid');
    await dialog.getByRole('button', { name: 'Add' }).click();
    expect(await text(page.locator('#add-contact-jid-error'))).toBe('Enter the contact’s address as user@domain.');
    await dialog.getByLabel('Address (JID)').fill(other.jid);
    await dialog.getByLabel('Name (optional)').fill('Other Person');
    await dialog.getByLabel('Group (optional)').fill('Project X');
    await expectAccessible(page, 'chat-add-contact');
    await screenshotScreen(page, 'chat-add-contact');
    await dialog.getByRole('button', { name: 'Add' }).click();
    await expect.poll(() => dialog.count(), poll).toBe(0);
    const otherItem = rosterItem(other.jid);
    await expect.poll(() => text(otherItem), poll).toContain('Other Person');
    // The roster push for the item comes first, then the one that says we asked (ask='subscribe').
    await expect.poll(() => text(otherItem.getByTestId('roster-status')), poll).toBe('Waiting for approval');
    expect(await page.locator('.roster-group[data-group="Project X"]').locator('.roster-item').count()).toBe(1);

    // Ctrl+K focuses the search; it filters by name or JID.
    await composer().click().catch(() => undefined);
    await page.keyboard.press('Control+k');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('roster-search');
    await page.keyboard.type('other per');
    await expect.poll(() => page.locator('.roster-item').count()).toBe(1);
    await page.keyboard.press('Escape');
    await expect.poll(() => page.locator('.roster-item').count()).toBe(2);

    // Groups collapse and expand.
    const toggle = page.locator('.roster-group[data-group="Project X"] .group-toggle');
    await toggle.click();
    expect(await toggle.getAttribute('aria-expanded')).toBe('false');
    expect(await otherItem.isVisible()).toBe(false);
    await toggle.click();
    expect(await otherItem.isVisible()).toBe(true);

    // Remove, with confirmation; Escape cancels.
    await otherItem.click();
    await page.getByRole('button', { name: 'Remove contact' }).click();
    const confirm = page.getByRole('dialog', { name: 'Remove Other Person?' });
    await expect.poll(() => confirm.isVisible()).toBe(true);
    await expectAccessible(page, 'chat-remove-contact');
    await screenshotScreen(page, 'chat-remove-contact');
    await page.keyboard.press('Escape');
    await expect.poll(() => confirm.count()).toBe(0);
    expect(await otherItem.isVisible()).toBe(true);
    await page.getByRole('button', { name: 'Remove contact' }).click();
    await confirm.getByRole('button', { name: 'Remove', exact: true }).click();
    await expect.poll(() => otherItem.count(), poll).toBe(0);
    expect(await page.getByText('Choose a contact to start a conversation.').isVisible()).toBe(true);
    expect(problems).toEqual([]);
  }, 90_000);

  it('dark theme: the roster and the conversation pass axe too', async () => {
    const dark = await openApp(chrome, app, { colorScheme: 'dark' });
    await waitForRoute(dark.page, 'connected');
    await expect.poll(() => dark.page.locator(`.roster-item[data-jid="${peer.jid}"]`).isVisible(), poll).toBe(true);
    await dark.page.locator(`.roster-item[data-jid="${peer.jid}"]`).click();
    await expect.poll(() => dark.page.getByTestId('message').count(), poll).toBeGreaterThan(0);
    await expectAccessible(dark.page, 'chat-conversation-dark');
    await screenshotScreen(dark.page, 'chat-conversation-dark');
    await dark.page.context().close();
    expect(dark.problems).toEqual([]);
  }, 60_000);
});

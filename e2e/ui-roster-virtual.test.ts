// The virtualised roster (renderer/src/ui/im/RosterList.tsx) with 300 contacts in two groups:
// only the rows near the viewport are mounted, and the keyboard still reaches every contact
// (Up/Down/Home/End scroll a contact that is not mounted yet into view and focus it), the focused
// row survives being scrolled away, collapsed groups are skipped, Ctrl+K search still filters,
// and axe finds nothing. Signed in for real on the test bed's Prosody; the 300 contacts come
// through the core's event hub as didUpdateIm batches (as bench/ui-history.ts does): a real roster
// of that size would need 300 accounts and subscriptions, and the renderer sees the same batches.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ImUpdate } from '../shared/ipc/index';
import { closeFreshSessions, freshAccount } from '../test/support/fresh-user';
import type { Account } from '../test/support/testbed/info.js';
import { startUiApp, type RunningApp, type UiApp } from './support/app';
import type { BrowserSession } from './support/browser';
import { expectAccessible, openApp, passwordLogin, waitForRoute } from './support/ui';

let app: RunningApp;
let chrome: BrowserSession;
let harness: UiApp;
let page: Page;
let problems: string[];
let me: Account;

const N = 300;
const jid = (i: number): string => `c${String(i).padStart(4, '0')}@roster.test`;
const poll = { timeout: 10_000 };
const focused = (): Promise<string | undefined> => page.evaluate(() => (document.activeElement as HTMLElement | null)?.dataset.jid);

beforeAll(async () => {
  harness = await startUiApp('roster');
  ({ app, chrome } = harness);
  me = await freshAccount('prosody', 'ui-roster');
  ({ page, problems } = await openApp(chrome, app));
});

afterAll(async () => {
  await closeFreshSessions();
  await harness?.close();
});

describe('virtualised roster (prosody)', () => {
  it('mounts only the rows near the viewport; the keyboard reaches every contact; axe finds nothing', async () => {
    // (expect.poll only works inside a test: the sign-in is the first step here.)
    await passwordLogin(page, me.jid, me.password);
    await waitForRoute(page, 'connected');
    const updates: ImUpdate[] = Array.from({ length: N }, (_, i) => ({
      kind: 'contact',
      contact: { jid: jid(i), name: `C ${String(i).padStart(4, '0')}`, subscription: 'both', pendingOut: false, groups: [i < N / 2 ? 'A group' : 'B group'] },
    }));
    app.core.events.emit('didUpdateIm', { updates });
    await page.locator(`.roster-item[data-jid="${jid(0)}"]`).waitFor();
    expect(await page.locator('.roster-item').count()).toBeLessThan(60);
    await expectAccessible(page, 'roster-virtual');
    await page.locator(`.roster-item[data-jid="${jid(0)}"]`).focus();
    // Down through the first group into the second: most of these rows were not mounted.
    for (let i = 1; i < 200; i++) {
      await page.keyboard.press('ArrowDown');
      await expect.poll(focused, poll).toBe(jid(i));
    }
    await page.keyboard.press('End');
    await expect.poll(focused, poll).toBe(jid(N - 1));
    const inView = await page.evaluate(() => {
      const el = document.activeElement?.getBoundingClientRect();
      const box = document.querySelector('.roster')?.getBoundingClientRect();
      return el !== undefined && box !== undefined && el.top >= box.top - 1 && el.bottom <= box.bottom + 1;
    });
    expect(inView).toBe(true);
    await page.keyboard.press('Home');
    await expect.poll(focused, poll).toBe(jid(0));
    await page.keyboard.press('ArrowUp');
    await expect.poll(focused, poll).toBe(jid(0));
    expect(problems).toEqual([]);
  }, 90_000);

  it('the focused row stays mounted while scrolled away; collapsed groups are skipped; Ctrl+K filters', async () => {
    await page.locator(`.roster-item[data-jid="${jid(0)}"]`).focus();
    // Scrolled to the end (again while the rows below are measured): the first row is long gone from view.
    const toEnd = async (): Promise<number> => {
      await page.evaluate(() => document.querySelector('.roster')?.scrollTo(0, 1e6));
      return page.locator(`.roster-item[data-jid="${jid(N - 1)}"]`).count();
    };
    await expect.poll(toEnd, poll).toBe(1);
    expect(await focused()).toBe(jid(0));
    await page.keyboard.press('ArrowDown');
    await expect.poll(focused, poll).toBe(jid(1));

    // Scroll (as a wheel would) until the second group's header is mounted.
    await page.evaluate(async () => {
      const roster = document.querySelector('.roster');
      for (let y = 0; roster && y < 40_000 && !document.querySelector('.roster-group[data-group="B group"] .group-toggle'); y += 300) {
        roster.scrollTop = y;
        await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
      }
    });
    const toggle = page.locator('.roster-group[data-group="B group"] .group-toggle');
    await toggle.click();
    expect(await toggle.getAttribute('aria-expanded')).toBe('false');
    await expectAccessible(page, 'roster-virtual-collapsed');
    await page.evaluate(() => document.querySelector('.roster')?.scrollTo(0, 0));
    await page.locator(`.roster-item[data-jid="${jid(0)}"]`).focus();
    await page.keyboard.press('End');
    await expect.poll(focused, poll).toBe(jid(N / 2 - 1));

    await page.keyboard.press('Control+k');
    await page.keyboard.type('0299');
    await expect.poll(() => page.locator('.roster-item').count(), poll).toBe(1);
    expect(await page.locator(`.roster-item[data-jid="${jid(N - 1)}"]`).count()).toBe(1);
    await page.keyboard.press('Escape');
    expect(problems).toEqual([]);
  }, 60_000);
});

// Helpers for the UI tests: open the app in a fresh page, accessibility checks (axe-core),
// whole-screen screenshots, and the few steps most tests share.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import type { Locator, Page } from 'playwright-core';
import { expect } from 'vitest';
import { REPORTS_DIR, screenshot, type BrowserSession } from './browser';
import type { RunningApp } from './app';

export interface AppPage {
  readonly page: Page;
  /** Uncaught errors, console errors and CSP violations seen by the page. */
  readonly problems: string[];
}

export async function openApp(chrome: BrowserSession, app: RunningApp, opts: { colorScheme?: 'light' | 'dark' } = {}): Promise<AppPage> {
  // A context of its own: axe-core's finishRun opens a helper page in the page's context, which
  // the implicit context of browser.newPage() refuses.
  const context = await chrome.browser.newContext({
    viewport: { width: 1280, height: 860 },
    colorScheme: opts.colorScheme ?? 'light',
    reducedMotion: 'reduce',
  });
  const page = await context.newPage();
  page.setDefaultTimeout(10_000);
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()}`);
  });
  await page.goto(app.host.url);
  return { page, problems };
}

/** The visible screen: the shell marks it with data-route. */
export function route(page: Page): Promise<string | null> {
  return page.locator('.shell-content').getAttribute('data-route');
}

export async function waitForRoute(page: Page, name: string): Promise<void> {
  await expect.poll(() => route(page), { timeout: 20_000 }).toBe(name);
}

export interface AxeSummary {
  readonly screen: string;
  readonly violations: ReadonlyArray<{ id: string; impact: string | null | undefined; help: string; nodes: string[] }>;
  readonly passes: number;
  readonly incomplete: number;
}

/**
 * Runs axe-core (all default rules: WCAG A/AA and best practices) on the page as it is and
 * expects no violation. Each run is also written to reports/accessibility/<screen>.json.
 */
export async function expectAccessible(page: Page, screen: string): Promise<AxeSummary> {
  const results = await new AxeBuilder({ page }).analyze();
  const summary: AxeSummary = {
    screen,
    violations: results.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => n.target.join(' ')) })),
    passes: results.passes.length,
    incomplete: results.incomplete.length,
  };
  const dir = path.join(REPORTS_DIR, 'accessibility');
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, `${screen}.json`), `${JSON.stringify({ ...summary, incomplete: results.incomplete.map((i) => ({ id: i.id, nodes: i.nodes.map((n) => ({ target: n.target.join(' '), why: n.any.map((c) => c.message).join('; ') })) })) }, null, 2)}\n`);
  expect(summary.violations, `axe violations on ${screen}`).toEqual([]);
  return summary;
}

/**
 * Screenshot of the whole screen: the app scrolls inside its shell (the classification banners
 * stay put), so the viewport is grown to the content's height first, then restored.
 */
export async function screenshotScreen(page: Page, name: string): Promise<string> {
  const size = page.viewportSize() ?? { width: 1280, height: 860 };
  const extra = await page.evaluate(() => {
    const el = document.querySelector('.shell-content');
    const dialog = document.querySelector('dialog[open]');
    const over = el ? el.scrollHeight - el.clientHeight : 0;
    const dialogOver = dialog ? Math.max(0, dialog.scrollHeight - window.innerHeight + 80) : 0;
    return Math.max(over, dialogOver);
  });
  if (extra > 0) await page.setViewportSize({ width: size.width, height: size.height + extra });
  try {
    return await screenshot(page, name);
  } finally {
    if (extra > 0) await page.setViewportSize(size);
  }
}

export const ui = {
  acknowledge: (page: Page): Locator => page.getByRole('button', { name: 'I acknowledge' }),
  account: (page: Page): Locator => page.getByLabel('Account (JID)'),
  method: (page: Page, name: 'Password' | 'Smart card (CAC)' | 'Certificate file (PKCS#12)'): Locator => page.getByRole('radio', { name, exact: true }),
  password: (page: Page): Locator => page.getByRole('textbox', { name: 'Password', exact: true }),
  connect: (page: Page): Locator => page.getByRole('button', { name: /^Connect/ }),
  alert: (page: Page): Locator => page.getByTestId('login-alert'),
  lock: (page: Page): Locator => page.getByRole('button', { name: 'Connection security' }),
  disconnect: (page: Page): Locator => page.getByRole('button', { name: 'Disconnect' }),
};

/** The current value of every input on the page (values are DOM properties, not in page.content()). */
export function inputValues(page: Page): Promise<string[]> {
  return page.locator('input').evaluateAll((els) => els.map((e) => (e as HTMLInputElement).value));
}

export async function passwordLogin(page: Page, jid: string, password: string): Promise<void> {
  await waitForRoute(page, 'login');
  await ui.account(page).fill(jid);
  await ui.method(page, 'Password').check();
  await ui.password(page).fill(password);
  await ui.connect(page).click();
}

/**
 * Adds a contact through the "Add contact" dialog, waits for its roster row and opens the
 * conversation; returns the row.
 */
export async function addContactAndOpen(page: Page, jid: string, timeout = 20_000): Promise<Locator> {
  await page.getByRole('button', { name: 'Add contact' }).click();
  await page.getByLabel('Address (JID)').fill(jid);
  await page.getByRole('dialog').getByRole('button', { name: 'Add' }).click();
  const item = page.locator(`.roster-item[data-jid="${jid}"]`).first();
  await expect.poll(() => item.isVisible(), { timeout }).toBe(true);
  await item.click();
  return item;
}

import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

/** Debian's Chromium: Playwright's own browser download is impossible on our machines. */
export const CHROMIUM = process.env.BASTION_CHROMIUM ?? '/usr/bin/chromium';
export const REPORTS_DIR = path.resolve(import.meta.dirname, '../../reports');

export interface BrowserSession {
  readonly browser: Browser;
  newPage(): Promise<Page>;
  close(): Promise<void>;
}

/**
 * Headless Chromium with a fresh profile (Playwright makes and removes a temporary one). The
 * background-networking flags matter: the machine has no network, and Chromium's own background
 * connections would otherwise fail noisily.
 */
export async function launchChromium(): Promise<BrowserSession> {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  return {
    browser,
    newPage: async () => {
      const page = await browser.newPage();
      page.setDefaultTimeout(10_000);
      return page;
    },
    close: async () => {
      await browser.close();
    },
  };
}

/** Saves a screenshot under reports/screenshots/ (a CI artifact, and for people to look at). */
export async function screenshot(page: Page, name: string): Promise<string> {
  const dir = path.join(REPORTS_DIR, 'screenshots');
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

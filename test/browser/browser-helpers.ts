/**
 * What the browser tests share: Debian's Chromium (/usr/bin/chromium) driven by playwright-core, and the steps
 * a person takes on the demo page (open a tab and pick a nickname, say something, read the chat).
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
export const available = existsSync(CHROMIUM);
/** Without Chromium a browser test is skipped, except in CI (`CI` set), where .ci/run installs it. */
export const mustRun = available || Boolean(process.env.CI);
const STEP_MS = 10000;

/** Headless Chromium, with `extraArgs` after the usual quiet flags. */
export function launchChromium(extraArgs: readonly string[] = []): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-quic',
      ...extraArgs,
    ],
    timeout: 30000,
  });
}

/** A fresh tab (its own browser context) on the demo, connected, with its nickname set. */
export async function openTab(browser: Browser, url: string, nickname: string, problems: string[]): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1200, height: 760 } });
  page.setDefaultTimeout(STEP_MS);
  page.on('pageerror', (error) => problems.push(`${nickname}: page error: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`${nickname}: console error: ${message.text()}`);
  });
  await page.goto(url);
  await page.locator('#status[data-state="open"]').waitFor();
  await page.fill('#nickname', nickname);
  await page.press('#nickname', 'Enter');
  return page;
}

export async function say(page: Page, text: string): Promise<void> {
  await page.fill('#text', text);
  await page.press('#text', 'Enter');
}

/** The chat messages a tab shows, as `from: text`, once there are `count` of them. */
export async function shownMessages(page: Page, count: number): Promise<string[]> {
  await page.locator(`#messages li.message >> nth=${count - 1}`).waitFor();
  return page.locator('#messages li.message').evaluateAll((items) =>
    items.map((item) => `${item.querySelector('.from')?.textContent}: ${item.querySelector('.text')?.textContent}`),
  );
}

/**
 * The demo page in a real browser: Debian's Chromium (/usr/bin/chromium) driven by playwright-core. Two tabs
 * (two browser contexts) chat over their own WebSockets; both see both messages, and Chromium's own
 * `EventSource` shows the room's activity in each tab's live feed.
 *
 * Without /usr/bin/chromium the test is skipped, except in CI (`CI` set), where it must run: .ci/run installs
 * Chromium. `DEMO_SCREENSHOT=/tmp/demo.png npx jest test/browser` also saves a screenshot of the first tab.
 */
import type { Browser } from 'playwright-core';
import { CHROMIUM, launchChromium, mustRun, openTab, say, shownMessages } from './browser-helpers.js';
import { serve, type RunningExample } from '../examples/example-helpers.js';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { createDemoApp } = require('../../examples/demo/app.js') as { createDemoApp(): unknown };

let example: RunningExample | undefined;
let browser: Browser | undefined;

afterEach(async () => {
  // The browser first: its WebSockets are connections the server would otherwise wait for.
  await browser?.close();
  browser = undefined;
  await example?.close();
  example = undefined;
});

const title = mustRun
  ? 'two tabs chat through the demo page and both see both messages, and the live feed (EventSource) shows them'
  : `SKIPPED: ${CHROMIUM} not found (apt-get install chromium to run the browser test; in CI it always runs)`;

(mustRun ? test : test.skip)(title, async () => {
  example = await serve(createDemoApp());
  const url = `${example.httpBase}/`;
  browser = await launchChromium();
  const problems: string[] = [];

  const alice = await openTab(browser!, url, 'alice', problems);
  const bob = await openTab(browser!, url, 'bob', problems);
  // Alice sees Bob arrive (as a join, then a rename to his nickname) before anyone speaks.
  await alice.locator('#messages li.notice', { hasText: 'is now bob' }).waitFor();

  await say(alice, 'Hello from Alice');
  await bob.locator('#messages li.message', { hasText: 'Hello from Alice' }).waitFor();
  await say(bob, 'Hi Alice, Bob here');

  const expected = ['alice: Hello from Alice', 'bob: Hi Alice, Bob here'];
  expect(await shownMessages(alice, 2)).toEqual(expected);
  // Chromium offers permessage-deflate (with client_max_window_bits); both directions were compressed.
  expect(await alice.locator('body').getAttribute('data-ws-extensions')).toMatch(/^permessage-deflate/);
  expect(await shownMessages(bob, 2)).toEqual(expected);
  // Each tab marks its own message.
  expect(await alice.locator('#messages li.message.mine .text').allTextContents()).toEqual(['Hello from Alice']);
  expect(await bob.locator('#messages li.message.mine .text').allTextContents()).toEqual(['Hi Alice, Bob here']);
  // The input is cleared after sending.
  expect(await alice.inputValue('#text')).toBe('');

  // The live feed: Chromium's EventSource on /feed is open, shows the server clock and the chat activity.
  for (const page of [alice, bob]) {
    await page.locator('#feed-status[data-state="live"]').waitFor();
    await page.locator('#feed li.message', { hasText: 'alice: Hello from Alice' }).waitFor();
    await page.locator('#feed li.message', { hasText: 'bob: Hi Alice, Bob here' }).waitFor();
    expect(await page.locator('#clock').getAttribute('datetime')).toMatch(/^\d{4}-\d\d-\d\dT/);
  }
  await alice.locator('#feed li', { hasText: 'is now bob' }).waitFor();

  if (process.env.DEMO_SCREENSHOT) await alice.screenshot({ path: process.env.DEMO_SCREENSHOT });

  // Bob closes his tab: Alice is told he left, in the chat and in the feed.
  await bob.context().close();
  await alice.locator('#messages li.notice', { hasText: 'bob left' }).waitFor();
  await alice.locator('#feed li.leave', { hasText: 'bob left' }).waitFor();

  expect(problems).toEqual([]);
}, 60000);

/**
 * The demo over HTTPS with HTTP/2, in a real browser: the Express demo app on `http2.createSecureServer`
 * (`allowHTTP1` too), attached. Chromium loads the page and the feed over HTTP/2 and, since the server
 * advertises extended CONNECT (RFC 8441), opens the chat WebSocket as a CONNECT stream on that same
 * connection: the server sees it arrive as an HTTP/2 stream, never as an HTTP/1.1 upgrade. The
 * certificate is made at test time; Chromium is told to accept it (`--ignore-certificate-errors`).
 */
import * as http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';
import { makeCertificates, removeCertificates, type Certificates } from '../client/tls-fixtures.js';
import { CHROMIUM, launchChromium, mustRun, openTab, say, shownMessages } from './browser-helpers.js';

/* eslint-disable @typescript-eslint/no-require-imports */
const { createDemoApp } = require('../../examples/demo/app.js') as { createDemoApp(): Listener };
const { attach } = require('hatchway') as { attach(server: http2.Http2SecureServer, app: unknown): http2.Http2SecureServer };
/* eslint-enable @typescript-eslint/no-require-imports */
type Listener = (request: http2.Http2ServerRequest, response: http2.Http2ServerResponse) => void;

let certs: Certificates | undefined;
let server: http2.Http2SecureServer | undefined;
let browser: Browser | undefined;

afterEach(async () => {
  await browser?.close();
  browser = undefined;
  if (server !== undefined) {
    const closing = new Promise<void>((resolve) => server!.close(() => resolve()));
    await closing;
  }
  server = undefined;
  removeCertificates(certs);
  certs = undefined;
});

const title = mustRun
  ? 'Chromium loads the demo over HTTP/2 and opens its chat WebSocket as an extended CONNECT stream'
  : `SKIPPED: ${CHROMIUM} not found (apt-get install chromium to run the browser test; in CI it always runs)`;

(mustRun ? test : test.skip)(title, async () => {
  certs = await makeCertificates();
  const app = createDemoApp();
  server = attach(http2.createSecureServer({ key: certs.server.private, cert: certs.server.cert, allowHTTP1: true }, app), app);
  const streams: string[] = [];
  let upgrades = 0;
  // First of the stream's listeners: the app may rewrite the method and path it routes on.
  server.prependListener('stream', (_stream, headers) => streams.push(`${headers[':method']} ${headers[':protocol'] ?? '-'} ${headers[':path']}`));
  server.on('upgrade', () => upgrades++);
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  const url = `https://localhost:${(server.address() as AddressInfo).port}/`;

  browser = await launchChromium(['--ignore-certificate-errors']);
  const problems: string[] = [];
  const alice = await openTab(browser, url, 'alice', problems);
  const bob = await openTab(browser, url, 'bob', problems);
  await say(alice, 'Hello over HTTP/2');
  await bob.locator('#messages li.message', { hasText: 'Hello over HTTP/2' }).waitFor();
  await say(bob, 'Same here');
  expect(await shownMessages(alice, 2)).toEqual(['alice: Hello over HTTP/2', 'bob: Same here']);
  expect(await alice.locator('body').getAttribute('data-ws-extensions')).toMatch(/^permessage-deflate/);
  await alice.locator('#feed li.message', { hasText: 'bob: Same here' }).waitFor();

  // The page, the feed and the chat: all HTTP/2 streams; the chat one an extended CONNECT, and no upgrade at all.
  expect(streams).toContain('GET - /');
  expect(streams).toContain('GET - /feed');
  expect(streams.filter((s) => s.startsWith('CONNECT websocket /chat'))).toHaveLength(2);
  expect(upgrades).toBe(0);
  expect(problems).toEqual([]);
  await bob.context().close();
  await alice.locator('#messages li.notice', { hasText: 'bob left' }).waitFor();
}, 60000);

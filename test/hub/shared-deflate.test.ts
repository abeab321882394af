/**
 * permessage-deflate subscribers that negotiated the same settings without server context takeover
 * share one compression of each published event (RFC 7692 §7.1.1.1: each message is compressed on
 * its own, so the bytes are the same for all of them), received intact by `ws` clients; the frame
 * still goes out behind what the session sent before it; other subscribers (no extension, context
 * takeover) get the event their own way in the same order.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import WS from 'ws';
import { Hub, WebSocket, permessageDeflate, type PermessageDeflateOptions } from '../../src/index.js';
import { SharedCompressor } from '../../src/extensions/shared-compression.js';

const servers = new Set<http.Server>();
const clients = new Set<WS>();

afterEach(async () => {
  jest.restoreAllMocks();
  for (const client of clients) client.terminate();
  clients.clear();
  for (const server of servers) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
  servers.clear();
});

/** `/t?deflate=shared|takeover|none&envelope=1`: a WebSocket on topic `t`; a message it sends is sent back by its own send() and then published. */
async function hubServer(hub: Hub): Promise<number> {
  const server = http.createServer();
  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url!, 'http://x');
    const mode = url.searchParams.get('deflate');
    const options: PermessageDeflateOptions = mode === 'shared' ? { serverNoContextTakeover: true, threshold: 64 } : { threshold: 64 };
    const ws = new WebSocket(req, socket, head, null, { extensions: mode === 'none' ? [] : [permessageDeflate(options)] });
    ws.on('error', () => {});
    void hub.subscribe(ws, 't', { envelope: url.searchParams.get('envelope') === '1' });
    ws.on('message', (e) => {
      ws.send(`own:${String(e.data)}`);
      void hub.publish('t', String(e.data));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.add(server);
  return (server.address() as AddressInfo).port;
}

/** A `ws` client, the extensions the server agreed to, and every message it gets, as text. */
async function client(port: number, query: string, deflate: boolean): Promise<{ ws: WS; agreed: string; messages: string[] }> {
  const ws = new WS(`ws://127.0.0.1:${port}/?${query}`, { perMessageDeflate: deflate ? { threshold: 0 } : false });
  clients.add(ws);
  const messages: string[] = [];
  let agreed = '';
  ws.on('upgrade', (response) => (agreed = String(response.headers['sec-websocket-extensions'] ?? '')));
  ws.on('message', (data) => messages.push(String(data)));
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  return { ws, agreed, messages };
}

async function until(done: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

test('subscribers alike share one compression per event; each gets it intact and compressed', async () => {
  const hub = new Hub();
  const port = await hubServer(hub);
  const compress = jest.spyOn(SharedCompressor.prototype, 'compress');
  const subscribers = await Promise.all([1, 2, 3, 4].map(() => client(port, 'deflate=shared', true)));
  for (const { agreed } of subscribers) expect(agreed).toMatch(/server_no_context_takeover/);
  const events = Array.from({ length: 5 }, (_, i) => `event ${i} `.repeat(100));
  for (const event of events) await hub.publish('t', event);
  await until(() => subscribers.every((s) => s.messages.length === events.length), 'every event on every subscriber');
  for (const { messages } of subscribers) expect(messages).toEqual(events);
  // One compression per event, not one per subscriber; and the compressed form is what went out.
  expect(compress).toHaveBeenCalledTimes(events.length);
  const out = compress.mock.results.map((result) => result.value as Buffer | null);
  expect(out.every((payload) => payload !== null && payload.length < 200)).toBe(true);
});

test('a short event goes uncompressed; envelopes are compressed once for their subscribers', async () => {
  const hub = new Hub();
  const port = await hubServer(hub);
  const compress = jest.spyOn(SharedCompressor.prototype, 'compress');
  const [plain, wrapped] = [await client(port, 'deflate=shared', true), await client(port, 'deflate=shared&envelope=1', true)];
  const short = await hub.publish('t', 'hi');
  const long = await hub.publish('t', 'x'.repeat(500));
  await until(() => plain.messages.length === 2 && wrapped.messages.length === 2, 'both events on both');
  expect(plain.messages).toEqual(['hi', 'x'.repeat(500)]);
  expect(wrapped.messages.map((m) => JSON.parse(m))).toEqual([{ topic: 't', id: short, data: 'hi' }, { topic: 't', id: long, data: 'x'.repeat(500) }]);
  // Per event: the data for one subscriber, the envelope for the other.
  expect(compress).toHaveBeenCalledTimes(4);
});

test('a shared frame goes out behind what its session sent before it, and mixed subscribers see one order', async () => {
  const hub = new Hub();
  const port = await hubServer(hub);
  const shared = await client(port, 'deflate=shared', true);
  const takeover = await client(port, 'deflate=takeover', true);
  const none = await client(port, 'deflate=none', false);
  expect(shared.agreed).toMatch(/server_no_context_takeover/);
  expect(takeover.agreed).toMatch(/^permessage-deflate/);
  expect(takeover.agreed).not.toMatch(/server_no_context_takeover/);
  const big = 'y'.repeat(20_000);
  // The session's own send() (compressed on its own, asynchronously) comes first, then the published event.
  shared.ws.send(big);
  await until(() => shared.messages.length === 2, 'the own message and the event');
  expect(shared.messages).toEqual([`own:${big}`, big]);
  for (let i = 0; i < 20; i++) void hub.publish('t', `n${i}`.repeat(40));
  const expected = [big, ...Array.from({ length: 20 }, (_, i) => `n${i}`.repeat(40))];
  await until(() => shared.messages.length === 22 && takeover.messages.length === 21 && none.messages.length === 21, 'all events everywhere');
  expect(shared.messages.slice(1)).toEqual(expected);
  expect(takeover.messages).toEqual(expected);
  expect(none.messages).toEqual(expected);
});

/**
 * The Hub on real loopback sockets (api.md "Topics"): WebSockets and event streams on the same
 * topics, one order per topic, isolation between topics, replay after `Last-Event-ID` and after a
 * WebSocket's `since`, a closed subscriber leaving by itself, events framed once, and a slow
 * subscriber dropped by its own bound without holding back the others.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import WS from 'ws';
import { ArgumentError, Client, EventSource, Hub, WebSocket, type SubscribeOptions } from '../../src/index.js';
import { Outbox } from '../../src/websocket-session/outbox.js';
import { RawClient as SseClient, cleanup as cleanupSse } from '../sse/helpers';

const WAIT_MS = 5000;
const servers = new Set<http.Server>();
const clients = new Set<WS>();

afterEach(async () => {
  jest.restoreAllMocks();
  for (const client of clients) client.terminate();
  clients.clear();
  await cleanupSse();
  for (const server of servers) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
  servers.clear();
});

/** A server where `/ws/<topic>` subscribes a WebSocket and `/sse/<topic>` an event stream to `hub`. */
async function hubServer(hub: Hub, options: { ws?: SubscribeOptions; maxBuffered?: number } = {}): Promise<{ port: number; sockets: WebSocket[] }> {
  const sockets: WebSocket[] = [];
  const server = http.createServer((req, res) => {
    const topic = decodeURIComponent(req.url!.replace(/^\/sse\//, ''));
    void hub.subscribe(new EventSource(req, res, { ping: 0 }), topic);
  });
  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url!, 'http://x');
    const ws = new WebSocket(req, socket, head, null, { maxBuffered: options.maxBuffered });
    ws.on('error', () => {});
    sockets.push(ws);
    const since = url.searchParams.get('since');
    void hub.subscribe(ws, decodeURIComponent(url.pathname.replace(/^\/ws\//, '')), { ...options.ws, ...(since === null ? {} : { since }) });
    // Each message a client sends is published on the topic named in it: publish from a message handler.
    ws.on('message', (e) => {
      const [topic, data] = String(e.data).split('|');
      void hub.publish(topic!, data!);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.add(server);
  return { port: (server.address() as AddressInfo).port, sockets };
}

/** A `ws` client that collects every message as text. */
async function wsSubscriber(port: number, path: string): Promise<{ client: WS; messages: string[] }> {
  const client = new WS(`ws://127.0.0.1:${port}${path}`);
  clients.add(client);
  const messages: string[] = [];
  client.on('message', (data) => messages.push(String(data)));
  await new Promise((resolve, reject) => client.once('open', resolve).once('error', reject));
  return { client, messages };
}

async function until(done: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + WAIT_MS;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** The `data:` lines of an event stream's body, in order. */
function sseData(body: string): string[] {
  return [...body.matchAll(/^data: (.*)$/gm)].map((m) => m[1]!);
}

test('3 topics, 20 mixed subscribers: each sees its own topic\'s events, all of them, in publish order', async () => {
  const hub = new Hub();
  const { port } = await hubServer(hub);
  const topics = ['a', 'b', 'c'];
  const ws: Array<{ topic: string; messages: string[] }> = [];
  const sse: Array<{ topic: string; client: SseClient }> = [];
  for (let i = 0; i < 20; i++) {
    const topic = topics[i % 3]!;
    if (i % 2 === 0) ws.push({ topic, ...(await wsSubscriber(port, `/ws/${topic}`)) });
    else sse.push({ topic, client: SseClient.get(port, `/sse/${topic}`) });
  }
  await Promise.all(sse.map((s) => s.client.head()));
  await until(() => topics.reduce((n, t) => n + hub.size(t), 0) === 20, 'every subscriber to join');
  const publisher = (await wsSubscriber(port, '/ws/publisher')).client;
  // Interleaved across topics, from a message handler on the server.
  const expected: Record<string, string[]> = { a: [], b: [], c: [] };
  for (let n = 0; n < 60; n++) {
    const topic = topics[(n * 7) % 3]!;
    expected[topic]!.push(`m${n}`);
    publisher.send(`${topic}|m${n}`);
  }
  await until(() => ws.every((s) => s.messages.length >= 20) && sse.every((s) => sseData(s.client.body).length >= 20), 'every event');
  for (const s of ws) expect(s.messages).toEqual(expected[s.topic]);
  for (const s of sse) expect(sseData(s.client.body)).toEqual(expected[s.topic]);
  await hub.close();
});

test('publish() resolves with increasing ids per topic; event streams get them as id: lines', async () => {
  const hub = new Hub();
  const { port } = await hubServer(hub);
  const stream = SseClient.get(port, '/sse/news');
  await stream.head();
  await until(() => hub.size('news') === 1, 'the stream to join');
  expect(await hub.publish('news', 'one')).toBe('1');
  expect(await hub.publish('news', 'two', { event: 'headline' })).toBe('2');
  expect(await hub.publish('other', 'x')).toBe('1');
  await stream.until((text) => text.includes('data: two'), 'both events');
  expect(stream.body).toContain('id: 1\ndata: one\n\n');
  expect(stream.body).toContain('event: headline\nid: 2\ndata: two\n\n');
  await hub.close();
});

test('an event stream that comes back with Last-Event-ID gets exactly what it missed, or a reset when it is gone', async () => {
  const hub = new Hub({ history: 3 });
  const { port } = await hubServer(hub);
  for (let n = 1; n <= 5; n++) await hub.publish('feed', `e${n}`);
  const back = SseClient.get(port, '/sse/feed', 'Last-Event-ID: 3\r\n');
  await back.until((text) => text.includes('data: e5'), 'the replay');
  expect(sseData(back.body)).toEqual(['e4', 'e5']);
  await hub.publish('feed', 'e6');
  await back.until((text) => text.includes('data: e6'), 'the live event after the replay');
  expect(sseData(back.body)).toEqual(['e4', 'e5', 'e6']);
  // Only e4..e6 are kept: a client at 1 missed e2, which is gone.
  const lost = SseClient.get(port, '/sse/feed', 'Last-Event-ID: 1\r\n');
  await lost.until((text) => text.includes('event: reset'), 'the reset');
  expect(lost.body).toContain('event: reset\nid: 6\ndata: \n\n');
  expect(sseData(lost.body)).toEqual(['']);
  await hub.close();
});

test('a WebSocket with since and envelopes gets what it missed, learns ids from the envelopes, and a reset when gone', async () => {
  const hub = new Hub({ history: 2 });
  const { port } = await hubServer(hub, { ws: { envelope: true } });
  const first = await wsSubscriber(port, '/ws/room');
  await until(() => hub.size('room') === 1, 'the first socket to join');
  await hub.publish('room', 'hello', { event: 'chat' });
  await until(() => first.messages.length === 1, 'the first event');
  const envelope = JSON.parse(first.messages[0]!) as { id: string };
  expect(envelope).toEqual({ topic: 'room', id: '1', event: 'chat', data: 'hello' });
  first.client.terminate();
  await until(() => hub.size('room') === 0, 'the closed socket to leave');
  await hub.publish('room', 'while away');
  await hub.publish('room', Buffer.from([1, 2, 3]));
  const back = await wsSubscriber(port, `/ws/room?since=${envelope.id}`);
  await until(() => back.messages.length === 2, 'the replay');
  expect(back.messages.map((m) => JSON.parse(m))).toEqual([
    { topic: 'room', id: '2', data: 'while away' },
    { topic: 'room', id: '3', data: 'AQID', encoding: 'base64' },
  ]);
  await hub.publish('room', 'x');
  const gone = await wsSubscriber(port, '/ws/room?since=1');
  await until(() => gone.messages.length === 1, 'the reset');
  expect(JSON.parse(gone.messages[0]!)).toEqual({ topic: 'room', id: '4', reset: true });
  await hub.close();
});

test('a published event is framed once: every open server socket is written the same bytes', async () => {
  const hub = new Hub();
  const { port } = await hubServer(hub);
  const subscribers = await Promise.all(Array.from({ length: 5 }, () => wsSubscriber(port, '/ws/t')));
  await until(() => hub.size('t') === 5, 'every socket to join');
  const prepared = jest.spyOn(Outbox.prototype, 'prepared');
  await hub.publish('t', 'same bytes');
  expect(prepared).toHaveBeenCalledTimes(5);
  const frames = new Set(prepared.mock.calls.map(([frame]) => frame));
  expect(frames.size).toBe(1);
  await until(() => subscribers.every((s) => s.messages.length === 1), 'every socket to get it');
  expect(subscribers.map((s) => s.messages[0])).toEqual(Array(5).fill('same bytes'));
  await hub.close();
});

test('a hatchway Client subscribes too, and a closed subscriber leaves every topic by itself', async () => {
  const hub = new Hub();
  const echo = http.createServer();
  servers.add(echo);
  const serverSide: WebSocket[] = [];
  echo.on('upgrade', (req, socket, head) => serverSide.push(new WebSocket(req, socket, head)));
  await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
  const client = new Client(`ws://127.0.0.1:${(echo.address() as AddressInfo).port}/`);
  await hub.subscribe(client, 'x');
  await hub.subscribe(client, 'y');
  await new Promise((resolve) => client.once('open', resolve));
  await until(() => serverSide.length === 1, 'the server side');
  const received: string[] = [];
  serverSide[0]!.on('message', (e) => received.push(String(e.data)));
  await hub.publish('x', 'to the server');
  await until(() => received.length === 1, 'the masked message');
  expect(received).toEqual(['to the server']);
  expect([hub.size('x'), hub.size('y')]).toEqual([1, 1]);
  client.close();
  await new Promise((resolve) => client.once('close', resolve));
  expect([hub.size('x'), hub.size('y')]).toEqual([0, 0]);
  await hub.close();
});

test('a subscriber that never reads is dropped by its maxBuffered; the others get every event', async () => {
  const hub = new Hub();
  const { port, sockets } = await hubServer(hub, { maxBuffered: 1024 * 1024 });
  const slow = await wsSubscriber(port, '/ws/flood');
  (slow.client as unknown as { _socket: import('node:net').Socket })._socket.pause();
  const fast = await wsSubscriber(port, '/ws/flood');
  await until(() => hub.size('flood') === 2, 'both to join');
  const closes: number[] = [];
  sockets[0]!.on('close', (e) => closes.push(e.code));
  // 32 MB in all: far more than the kernel's socket buffers take for the peer that does not read.
  const payload = 'x'.repeat(64 * 1024);
  const EVENTS = 500;
  for (let n = 1; n <= EVENTS; n++) {
    const arrived = new Promise<void>((resolve) => {
      const check = (): void => void (fast.messages.length >= n && (fast.client.off('message', check), resolve()));
      fast.client.on('message', check);
    });
    await hub.publish('flood', payload);
    // The fast one reads each event before the next: the slow one alone falls behind.
    await arrived;
  }
  expect(fast.messages).toHaveLength(EVENTS);
  await until(() => closes.length === 1, 'the slow one to be dropped');
  expect(closes).toEqual([1008]);
  expect(sockets[1]!.readyState).toBe(WebSocket.OPEN);
  expect(hub.size('flood')).toBe(1);
  await hub.close();
}, 20000);

test('bad arguments throw ArgumentError: topic, subscriber, since without envelope, event and id fields', async () => {
  const hub = new Hub();
  expect(() => hub.publish('', 'x')).toThrow(ArgumentError);
  expect(() => hub.publish('t', 'x', { id: 'a\nb' })).toThrow(ArgumentError);
  expect(() => hub.publish('t', 'x', { id: '' })).toThrow(ArgumentError);
  expect(() => hub.publish('t', 'x', { event: 'a\rb' })).toThrow(ArgumentError);
  expect(() => hub.subscribe({} as never, 't')).toThrow(ArgumentError);
  expect(() => hub.publish('t', 'x', { retry: -1 })).toThrow(ArgumentError);
  expect(() => new Hub({ history: -1 })).toThrow(ArgumentError);
  await hub.close();
  await expect(hub.publish('t', 'x')).rejects.toMatchObject({ code: 'ERR_HUB_CLOSED' });
});

test('a publish made while an event is being delivered goes out after it, to everyone: one order per topic', async () => {
  const hub = new Hub();
  const server = http.createServer((req, res) => void hub.subscribe(new EventSource(req, res, { ping: 0 }), 'room'));
  // A socket with room for no event: the first one fails it in the middle of the delivery, and its
  // error listener publishes at once, before the others got the first event.
  server.on('upgrade', (req, socket, head) => {
    const ws = new WebSocket(req, socket, head, null, { maxBuffered: 1 });
    ws.on('error', () => void hub.publish('room', 'left'));
    void hub.subscribe(ws, 'room');
  });
  servers.add(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await wsSubscriber(port, '/');
  const streams = [SseClient.get(port, '/'), SseClient.get(port, '/')];
  await Promise.all(streams.map((stream) => stream.head()));
  await until(() => hub.size('room') === 3, 'every subscriber to join');
  await hub.publish('room', 'first');
  for (const stream of streams) {
    await stream.until((text) => text.includes('data: left'), 'both events');
    expect(sseData(stream.body)).toEqual(['first', 'left']);
  }
  await until(() => hub.size('room') === 2, 'the failed socket to leave');
  await hub.close();
});

test('a closed subscriber is not kept: after it left, nothing in the Hub holds it', async () => {
  v8.setFlagsFromString('--expose-gc');
  const gc = vm.runInNewContext('gc') as () => void;
  const hub = new Hub();
  let ref: WeakRef<WebSocket> | null = null;
  const server = http.createServer();
  server.on('upgrade', (req, socket, head) => {
    const ws = new WebSocket(req, socket, head);
    ref = new WeakRef(ws);
    void hub.subscribe(ws, 'a');
    void hub.subscribe(ws, 'b', { envelope: true });
  });
  servers.add(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { client } = await wsSubscriber((server.address() as AddressInfo).port, '/');
  await until(() => hub.size('a') === 1 && hub.size('b') === 1, 'the socket to join');
  await hub.publish('a', 'x');
  client.close();
  await until(() => hub.size('a') === 0 && hub.size('b') === 0, 'the socket to leave');
  await until(() => {
    gc();
    return ref!.deref() === undefined;
  }, 'the closed socket to be collected');
  await hub.close();
});

test('an application close listener added before subscribe() already sees the subscriber gone from size()', async () => {
  const hub = new Hub();
  const sizes: number[] = [];
  const server = http.createServer();
  server.on('upgrade', (req, socket, head) => {
    const ws = new WebSocket(req, socket, head);
    ws.on('close', () => sizes.push(hub.size('t')));
    void hub.subscribe(ws, 't');
  });
  servers.add(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { client } = await wsSubscriber((server.address() as AddressInfo).port, '/');
  await until(() => hub.size('t') === 1, 'the socket to join');
  client.close();
  await until(() => sizes.length === 1, 'the close listener');
  expect(sizes).toEqual([0]);
  await hub.close();
});

/**
 * Two Hubs on one Redis (two processes' worth, in one): an event stream that comes back to the other
 * Hub with its `Last-Event-ID` gets what it missed, a WebSocket with `since` too; subscribers told to
 * reset when Redis lost the topic; a Hub whose broker cannot reach Redis neither holds a subscriber
 * half-subscribed nor ends the process with a rejection nobody awaited.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import WS from 'ws';
import { EventSource, Hub, WebSocket } from '../../src/index.js';
import { redisBroker } from '../../src/redis/index.js';
import { RedisServer } from '../helpers/redis-server';
import { RawClient, cleanup as cleanupSse } from '../sse/helpers';
import { CLIENT_KINDS, inspector, until } from './redis-clients';

jest.setTimeout(30_000);

let server: RedisServer;
let redis: Awaited<ReturnType<typeof inspector>>;
const hubs = new Set<Hub>();
const servers = new Set<http.Server>();
const clients = new Set<WS>();
/** Every subscribe() the servers made: a Redis subscription is live once its promise resolves. */
const subscribing: Array<Promise<void>> = [];

/** Waits until `count` subscribe() calls were made and have all resolved (or rejected). */
async function subscribed(count: number): Promise<void> {
  await until(() => subscribing.length >= count, `${count} subscriptions`);
  await Promise.allSettled(subscribing);
}

beforeAll(async () => {
  server = await RedisServer.start();
  redis = await inspector(server.url);
});

afterAll(async () => {
  await redis.close();
  await server.close();
});

afterEach(async () => {
  for (const client of clients) client.terminate();
  clients.clear();
  await cleanupSse();
  for (const hub of hubs) await hub.close();
  hubs.clear();
  for (const listening of servers) {
    listening.closeAllConnections();
    await new Promise((resolve) => listening.close(resolve));
  }
  servers.clear();
  subscribing.length = 0;
  await redis.command('FLUSHALL');
});

function hubOnRedis(history = 100): Hub {
  const hub = new Hub({ broker: redisBroker({ client: CLIENT_KINDS[0]!.make(server.url), history }) });
  hubs.add(hub);
  return hub;
}

/** `/sse/<topic>` subscribes an event stream, `/ws/<topic>?since=` a WebSocket with envelopes. */
async function serveHub(hub: Hub): Promise<number> {
  const listening = http.createServer((req, res) => {
    subscribing.push(hub.subscribe(new EventSource(req, res, { ping: 0 }), req.url!.slice('/sse/'.length)));
  });
  listening.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url!, 'http://x');
    const ws = new WebSocket(req, socket, head);
    ws.on('error', () => {});
    const since = url.searchParams.get('since');
    subscribing.push(hub.subscribe(ws, url.pathname.slice('/ws/'.length), { envelope: true, ...(since === null ? {} : { since }) }));
  });
  await new Promise<void>((resolve) => listening.listen(0, '127.0.0.1', resolve));
  servers.add(listening);
  return (listening.address() as AddressInfo).port;
}

/** The `id:` and `data:` of each complete event in an event stream's body. */
function eventsOf(body: string): Array<{ id?: string; event?: string; data?: string }> {
  return body.split('\n\n').slice(0, -1).filter((block) => !block.startsWith(':')).map((block) => {
    const fields: Record<string, string> = {};
    for (const line of block.split('\n')) {
      const colon = line.indexOf(':');
      fields[line.slice(0, colon)] = line.slice(colon + 2);
    }
    return fields;
  });
}

test('an event stream that comes back to another process gets exactly what it missed', async () => {
  const [one, two] = [hubOnRedis(), hubOnRedis()];
  const [portOne, portTwo] = [await serveHub(one), await serveHub(two)];
  const first = RawClient.get(portOne, '/sse/feed');
  await subscribed(1);
  const ids: string[] = [];
  for (let i = 0; i < 5; i++) ids.push(await two.publish('feed', `e${i}`));
  await first.until(() => eventsOf(first.body).length === 5, 'five events');
  first.destroy();
  for (let i = 5; i < 9; i++) ids.push(await one.publish('feed', `e${i}`));
  const back = RawClient.get(portTwo, '/sse/feed', `Last-Event-ID: ${ids[4]}\r\n`);
  await back.until(() => eventsOf(back.body).length === 4, 'the four missed');
  ids.push(await one.publish('feed', 'e9'));
  await back.until(() => eventsOf(back.body).length === 5, 'the live one after them');
  expect(eventsOf(back.body)).toEqual(ids.slice(5).map((id, i) => ({ id, data: `e${i + 5}` })));
});

test('a WebSocket with since, on another process, gets what it missed as envelopes, then live ones', async () => {
  const [one, two] = [hubOnRedis(), hubOnRedis()];
  const port = await serveHub(two);
  const ids = [await one.publish('room', 'a'), await one.publish('room', 'b'), await one.publish('room', 'c')];
  const client = new WS(`ws://127.0.0.1:${port}/ws/room?since=${encodeURIComponent(ids[0]!)}`);
  clients.add(client);
  const messages: Array<{ id: string; data: string }> = [];
  client.on('message', (data) => messages.push(JSON.parse(String(data))));
  await until(() => messages.length === 2, 'the two missed');
  await subscribed(1);
  ids.push(await one.publish('room', 'd'));
  await until(() => messages.length === 3, 'the live one');
  expect(messages).toEqual([{ topic: 'room', id: ids[1], data: 'b' }, { topic: 'room', id: ids[2], data: 'c' }, { topic: 'room', id: ids[3], data: 'd' }]);
});

test('trimmed away: the returning stream gets a reset with the newest id, then live events', async () => {
  const [one, two] = [hubOnRedis(3), hubOnRedis(3)];
  const port = await serveHub(two);
  const ids: string[] = [];
  for (let i = 0; i < 6; i++) ids.push(await one.publish('t', `e${i}`));
  const back = RawClient.get(port, '/sse/t', `Last-Event-ID: ${ids[1]}\r\n`);
  await subscribed(1);
  await back.until(() => eventsOf(back.body).length === 1, 'the reset');
  ids.push(await one.publish('t', 'e6'));
  await back.until(() => eventsOf(back.body).length === 2, 'the live event');
  expect(eventsOf(back.body)).toEqual([{ event: 'reset', id: ids[5], data: '' }, { id: ids[6], data: 'e6' }]);
});

test('Redis lost the topic: a connected event stream is told to reset, and resumes in the new epoch', async () => {
  const [one, two] = [hubOnRedis(), hubOnRedis()];
  const port = await serveHub(two);
  const stream = RawClient.get(port, '/sse/lost');
  await subscribed(1);
  const before = await one.publish('lost', 'before');
  await stream.until(() => eventsOf(stream.body).length === 1, 'the first event');
  await redis.command('FLUSHALL');
  const after = await one.publish('lost', 'after');
  await stream.until(() => eventsOf(stream.body).length === 3, 'the reset and the new event');
  const epoch = after.split(':')[0]!;
  expect(eventsOf(stream.body)).toEqual([{ id: before, data: 'before' }, { event: 'reset', id: `${epoch}:0`, data: '' }, { id: after, data: 'after' }]);
});

test('Redis never reached: publish() rejects, and one nobody awaits does not end the process', async () => {
  const dead = await RedisServer.start();
  const url = dead.url;
  await dead.close();
  const hub = new Hub({ broker: redisBroker({ client: CLIENT_KINDS[0]!.make(url), connectTimeout: 300 }) });
  hubs.add(hub);
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
  process.on('unhandledRejection', onUnhandled);
  try {
    // Nobody awaits these: no unhandled rejection may come of them.
    void hub.publish('x', 'lost');
    const refused = await hub.publish('x', 'refused').catch((error: unknown) => error);
    expect(refused).toMatchObject({ code: 'ERR_BROKER_UNAVAILABLE' });
    await new Promise((resolve) => setImmediate(resolve));
    expect(unhandled).toEqual([]);
  } finally {
    process.off('unhandledRejection', onUnhandled);
  }
});

test('Redis down: a returning subscriber whose history cannot be read is left off the topic, not held half-subscribed', async () => {
  const hub = hubOnRedis();
  const port = await serveHub(hub);
  const live = RawClient.get(port, '/sse/down');
  await subscribed(1);
  const id = await hub.publish('down', 'e0');
  await live.until(() => eventsOf(live.body).length === 1, 'the event');
  await server.stop();
  try {
    // Once this process has seen Redis go (a publish refused at once), not before.
    await until(() => hub.publish('down', 'refused').then(() => false, () => true), 'Redis to be seen down');
    const es = new EventSource(...(await sseRequest(id)));
    const subscribed = hub.subscribe(es, 'down');
    await expect(subscribed).rejects.toMatchObject({ code: 'ERR_BROKER_UNAVAILABLE' });
    expect(hub.isSubscribed(es, 'down')).toBe(false);
    expect(hub.size('down')).toBe(1);
  } finally {
    await server.restart();
  }
});

/** A request and response of an event stream that comes back after `lastEventId`, made on a server of its own. */
async function sseRequest(lastEventId: string): Promise<[http.IncomingMessage, http.ServerResponse]> {
  const pair = new Promise<[http.IncomingMessage, http.ServerResponse]>((resolve) => {
    const own = http.createServer((req, res) => resolve([req, res]));
    servers.add(own);
    own.listen(0, '127.0.0.1', () => {
      RawClient.get((own.address() as AddressInfo).port, '/', `Last-Event-ID: ${lastEventId}\r\n`);
    });
  });
  return pair;
}

/**
 * The `eventsource` npm client (the WHATWG EventSource for Node, v4: the last major that runs on
 * Node 20) against a Channel: after a dropped connection it reconnects after the server's `retry`,
 * sends `Last-Event-ID`, and receives exactly the events it missed, then the live ones.
 */
import type * as http from 'node:http';
import { EventSource as EventSourceClient } from 'eventsource';
import { Channel, EventSource } from '../../src/index.js';
import { cleanup, serve, within } from './helpers.js';

const clients: EventSourceClient[] = [];
afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  await cleanup();
});

interface Connection {
  lastEventId: string | undefined;
  res: http.ServerResponse;
  es: EventSource;
  at: number;
}

async function feed(channel: Channel, retry: number) {
  const connections: Connection[] = [];
  const waiters: Array<() => void> = [];
  const { port } = await serve((req, res) => {
    const es = new EventSource(req, res, { retry, ping: 0 });
    connections.push({ lastEventId: req.headers['last-event-id'] as string | undefined, res, es, at: Date.now() });
    channel.add(es);
    waiters.shift()?.();
  });
  const connection = async (n: number): Promise<Connection> => {
    while (connections.length < n) await within(new Promise<void>((resolve) => waiters.push(resolve)), `connection ${n}`);
    return connections[n - 1]!;
  };
  return { url: `http://127.0.0.1:${port}/feed`, connection };
}

/** Every message the client receives (any event type), as `type:data:lastEventId`. */
function record(client: EventSourceClient, types: string[] = ['message']) {
  const seen: string[] = [];
  const waiters = new Set<() => void>();
  for (const type of types) {
    client.addEventListener(type, (event) => {
      const message = event as unknown as { data: string; lastEventId: string };
      seen.push(`${type}:${message.data}:${message.lastEventId}`);
      for (const waiter of [...waiters]) waiter();
    });
  }
  const count = (n: number): Promise<string[]> => {
    if (seen.length >= n) return Promise.resolve(seen.slice());
    let check: () => void = () => {};
    return within(
      new Promise<string[]>((resolve) => {
        check = () => seen.length >= n && resolve(seen.slice());
        waiters.add(check);
      }),
      `${n} messages (so far ${JSON.stringify(seen)})`,
    ).finally(() => waiters.delete(check));
  };
  return { seen, count };
}

test('reconnects after a dropped connection, after `retry`, with Last-Event-ID, and gets what it missed', async () => {
  const channel = new Channel({ history: 100 });
  const { url, connection } = await feed(channel, 0.05);
  const client = new EventSourceClient(url);
  clients.push(client);
  const messages = record(client);

  const first = await connection(1);
  expect(first.lastEventId).toBeUndefined();
  channel.send('one');
  channel.send('two');
  await messages.count(2);

  // The network drops; the channel goes on while the client is away.
  const dropped = Date.now();
  first.res.socket!.destroy();
  channel.send('three');
  channel.send('four');

  const second = await connection(2);
  expect(second.lastEventId).toBe('2');
  // It waited the server's 50 ms, not the client's default of 3 s.
  expect(second.at - dropped).toBeGreaterThanOrEqual(40);
  expect(second.at - dropped).toBeLessThan(2000);
  channel.send('five');
  expect(await messages.count(5)).toEqual([
    'message:one:1',
    'message:two:2',
    'message:three:3',
    'message:four:4',
    'message:five:5',
  ]);
  expect(first.es.readyState).toBe(EventSource.CLOSED);
  expect(channel.size).toBe(1);
});

test('a client whose last id fell out of the history receives the reset event, then resumes from the newest id', async () => {
  const channel = new Channel({ history: 1 });
  const { url, connection } = await feed(channel, 0.02);
  const client = new EventSourceClient(url);
  clients.push(client);
  const events = record(client, ['message', 'reset']);

  const first = await connection(1);
  channel.send('a');
  await events.count(1);
  first.res.destroy();
  // With a history of 1 only 'c' is kept, and the newest id before it is '2': the client's '1' is lost.
  channel.send('b');
  channel.send('c');

  expect((await connection(2)).lastEventId).toBe('1');
  expect(await events.count(2)).toEqual(['message:a:1', 'reset::3']);
  (await connection(2)).res.destroy();
  channel.send('d');
  expect((await connection(3)).lastEventId).toBe('3');
  expect(await events.count(3)).toEqual(['message:a:1', 'reset::3', 'message:d:4']);
});

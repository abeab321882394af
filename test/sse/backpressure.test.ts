/**
 * Backpressure on real loopback sockets: `send()` reports a full connection and `drain` follows
 * once the client reads; a client that stops reading while a channel keeps broadcasting is
 * dropped when `maxBuffered` is reached, while a healthy subscriber of the same channel stays.
 */
import * as net from 'node:net';
import { Channel, EventSource, type EventSourceCloseEvent } from '../../src/index.js';
import { cleanup, nextEvent, serve, within } from './helpers.js';

afterEach(cleanup);

const EVENT = 'x'.repeat(16 * 1024);

/** A raw client that only counts the bytes it receives (and can stop reading). */
function countingClient(port: number): { socket: net.Socket; received: () => number; reached: (n: number) => Promise<void> } {
  const socket = net.connect(port, '127.0.0.1');
  socket.on('error', () => {});
  let received = 0;
  const waiters = new Set<() => void>();
  socket.on('data', (chunk: Buffer) => {
    received += chunk.length;
    for (const waiter of [...waiters]) waiter();
  });
  socket.write('GET / HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n\r\n');
  const reached = (n: number): Promise<void> => {
    if (received >= n) return Promise.resolve();
    let check: () => void = () => {};
    return within(
      new Promise<void>((resolve) => {
        check = () => received >= n && resolve();
        waiters.add(check);
      }),
      `${n} bytes`,
    ).finally(() => waiters.delete(check));
  };
  return { socket, received: () => received, reached };
}

async function sessionsOn(count: number, maxBuffered: number) {
  /** Each session by the client's port. */
  const sessions = new Map<number, EventSource>();
  let ready: () => void = () => {};
  const all = new Promise<void>((resolve) => (ready = resolve));
  const { port } = await serve((req, res) => {
    sessions.set(req.socket.remotePort!, new EventSource(req, res, { ping: 0, maxBuffered }));
    if (sessions.size === count) ready();
  });
  return { port, sessions, all: () => within(all, `${count} sessions`) };
}

test('send() returns false on a full connection, and drain follows when the client reads', async () => {
  const { port, sessions, all } = await sessionsOn(1, 64 * 1024 * 1024);
  const client = countingClient(port);
  await all();
  const es = sessions.get(client.socket.localPort!)!;
  await client.reached(1);
  client.socket.pause();
  let sends = 0;
  while (es.send(EVENT)) {
    sends++;
    if (sends > 10000) throw new Error('the connection never filled up');
  }
  expect(es.bufferedAmount).toBeGreaterThan(0);
  const drained = nextEvent(es, 'drain');
  client.socket.resume();
  await drained;
  expect(es.readyState).toBe(EventSource.OPEN);
});

test('a stalled subscriber is dropped at maxBuffered; the healthy one keeps up and stays', async () => {
  const maxBuffered = 256 * 1024;
  const { port, sessions, all } = await sessionsOn(2, maxBuffered);
  const fastClient = countingClient(port);
  const slowClient = countingClient(port);
  await all();
  await Promise.all([fastClient.reached(1), slowClient.reached(1)]);
  slowClient.socket.pause();
  const slow = sessions.get(slowClient.socket.localPort!)!;
  const fast = sessions.get(fastClient.socket.localPort!)!;

  const channel = new Channel({ history: 0 });
  channel.add(fast);
  channel.add(slow);
  const slowClosed = nextEvent<EventSourceCloseEvent>(slow, 'close', 20000);
  let largest = 0;
  let expected = fastClient.received();
  for (let i = 0; i < 4000 && slow.readyState === EventSource.OPEN; i++) {
    channel.send(EVENT);
    largest = Math.max(largest, slow.bufferedAmount);
    // Paced by the healthy client: the next event goes once it has read this one.
    expected += EVENT.length;
    await fastClient.reached(expected);
  }
  const event = await slowClosed;
  expect(event.reason).toBe('overflow');
  expect(event.error).toMatchObject({ name: 'ConnectionError', code: 'SSE_ERR_BUFFER_FULL' });
  // Never more than the bound (plus a few bytes of chunk framing) waited for the slow client.
  expect(largest).toBeLessThanOrEqual(maxBuffered + 64);
  expect(largest).toBeGreaterThan(maxBuffered / 2);
  // Its connection was dropped, not left holding buffers (the client sees the end once it reads
  // what its kernel still holds); the channel forgot it.
  slowClient.socket.resume();
  await within(new Promise((resolve) => slowClient.socket.once('close', resolve)), 'the slow client to be disconnected');
  expect(channel.size).toBe(1);
  expect(fast.readyState).toBe(EventSource.OPEN);
  channel.send('still here');
  await fastClient.reached(expected + 'data: still here\n\n'.length);
});

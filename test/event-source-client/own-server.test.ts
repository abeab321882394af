/**
 * The client against hatchway's own event streams: `EventSource` on a plain node:http server,
 * `Channel` (replay after `Last-Event-ID` on reconnection), the `Hub`, and a 204 that stops the
 * client for good. Also the WHATWG surface: constants, `url`, `withCredentials`, `readyState` in
 * each listener, `onmessage` with `addEventListener`, `origin`.
 */
import * as http from 'node:http';
import { Channel, EventSource, EventSourceClient, Hub } from '../../src/index.js';
import { closeAll, listen, onCleanup, watch } from './helpers.js';

afterEach(closeAll);

interface Served {
  url: string;
  streams: EventSource[];
  requests: http.IncomingMessage[];
  /** Resolves with the `n`th server-side stream (1-based). */
  stream(n: number): Promise<EventSource>;
}

async function serve(handle: (req: http.IncomingMessage, res: http.ServerResponse, n: number) => EventSource | null): Promise<Served> {
  const streams: EventSource[] = [];
  const requests: http.IncomingMessage[] = [];
  const waiters = new Set<() => void>();
  const server = http.createServer((req, res) => {
    requests.push(req);
    const es = handle(req, res, requests.length);
    if (es !== null) {
      streams.push(es);
      onCleanup(() => es.close());
    }
    for (const waiter of [...waiters]) waiter();
  });
  const port = await listen(server);
  return {
    url: `http://127.0.0.1:${port}/feed?x=1`,
    streams,
    requests,
    stream: (n) =>
      new Promise<EventSource>((resolve) => {
        const check = (): void => {
          if (streams.length >= n) {
            waiters.delete(check);
            resolve(streams[n - 1]!);
          }
        };
        waiters.add(check);
        check();
      }),
  };
}

test('EventSource.Client is EventSourceClient, with the WHATWG constants and attributes', () => {
  expect(EventSource.Client).toBe(EventSourceClient);
  expect([EventSourceClient.CONNECTING, EventSourceClient.OPEN, EventSourceClient.CLOSED]).toEqual([0, 1, 2]);
  const es = new EventSource.Client('http://127.0.0.1:9/a#frag', { withCredentials: true });
  es.close();
  expect([es.CONNECTING, es.OPEN, es.CLOSED]).toEqual([0, 1, 2]);
  expect(es.url).toBe('http://127.0.0.1:9/a#frag');
  expect(es.withCredentials).toBe(true);
  const plain = new EventSourceClient('http://127.0.0.1:9/');
  plain.close();
  expect(plain.withCredentials).toBe(false);
  expect(() => new EventSourceClient('ws://127.0.0.1/')).toThrow(expect.objectContaining({ code: 'ERR_INVALID_URL' }));
  expect(() => new EventSourceClient('not a url')).toThrow(expect.objectContaining({ code: 'ERR_INVALID_URL' }));
  expect(() => new EventSourceClient('http://h/', { headers: { 'X-A': 'a\r\nb' } })).toThrow();
  expect(() => new EventSourceClient('http://h/', { retry: -1 })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_OPTION' }));
});

test('events from a hatchway EventSource: open, message, named events, ids, origin, readyState', async () => {
  const served = await serve((req, res) => new EventSource(req, res, { ping: 0 }));
  const c = watch(served.url, {}, ['message', 'update']);
  const seenByOnmessage: string[] = [];
  c.es.onmessage = (event) => seenByOnmessage.push(event.data);
  expect(c.es.readyState).toBe(EventSourceClient.CONNECTING);
  const es = await served.stream(1);
  await c.seen('open');
  es.send('hello');
  es.send('line 1\nline 2', { event: 'update', id: 'u1' });
  es.send('🎉 ünïcode', { id: 2 });
  await c.seen('message:', 2);
  expect(c.log).toEqual(['open', 'message:hello:', 'update:line 1\nline 2:u1', 'message:🎉 ünïcode:2']);
  expect(c.states).toEqual([1, 1, 1, 1]);
  expect(seenByOnmessage).toEqual(['hello', '🎉 ünïcode']);
  expect(c.es.lastEventId).toBe('2');
  expect(c.events[0]!.origin).toBe(new URL(served.url).origin);
  expect(c.events[0]!.target).toBe(c.es);
  const request = served.requests[0]!;
  expect(request.url).toBe('/feed?x=1');
  expect(request.headers.accept).toBe('text/event-stream');
  expect(request.headers['last-event-id']).toBeUndefined();
  c.es.close();
  expect(c.es.readyState).toBe(EventSourceClient.CLOSED);
  await new Promise<void>((resolve) => es.once('close', () => resolve()));
});

test('after the server closes, it reconnects after retry with Last-Event-ID and a Channel replays what was missed', async () => {
  const channel = new Channel({ history: 10 });
  const served = await serve((req, res) => {
    const es = new EventSource(req, res, { ping: 0, retry: 0.01 });
    channel.add(es);
    return es;
  });
  const c = watch(served.url);
  await c.seen('open');
  channel.send('one');
  channel.send('two');
  await c.seen('message:', 2);
  const firstId = c.es.lastEventId;
  expect(firstId).not.toBe('');
  (await served.stream(1)).close();
  // Sent while the client is away: the replay brings it.
  channel.send('three');
  await c.seen('message:three');
  expect(served.requests[1]!.headers['last-event-id']).toBe(firstId);
  expect(c.log.slice(0, 5)).toEqual(['open', `message:one:${c.events[0]!.lastEventId}`, `message:two:${firstId}`, 'error:SSE_ERR_STREAM_ENDED', 'open']);
  // The error came in CONNECTING (reconnecting), not CLOSED.
  expect(c.states[3]).toBe(EventSourceClient.CONNECTING);
  channel.send('four');
  await c.seen('message:four');
  expect(c.events.map((e) => e.data)).toEqual(['one', 'two', 'three', 'four']);
});

test('a Hub topic reaches the client, and the replay after Last-Event-ID comes from its history', async () => {
  const hub = new Hub({ history: 10 });
  const served = await serve((req, res) => {
    const es = new EventSource(req, res, { ping: 0, retry: 0.01 });
    void hub.subscribe(es, 'news');
    return es;
  });
  const c = watch(served.url);
  await c.seen('open');
  await hub.publish('news', 'a');
  await c.seen('message:a');
  (await served.stream(1)).close();
  await hub.publish('news', 'b');
  await c.seen('message:b');
  expect(served.requests[1]!.headers['last-event-id']).toBe(c.events[0]!.lastEventId);
});

test('a 204 on reconnection stops the client for good: error in CLOSED, no further request', async () => {
  const served = await serve((req, res, n) => {
    if (n === 1) return new EventSource(req, res, { ping: 0, retry: 0.01 });
    res.writeHead(204);
    res.end();
    return null;
  });
  const c = watch(served.url, { retry: 0.01 });
  await c.seen('open');
  (await served.stream(1)).close();
  await c.until(() => c.es.readyState === EventSourceClient.CLOSED, 'CLOSED after the 204');
  expect(c.log).toEqual(['open', 'error:SSE_ERR_STREAM_ENDED', 'error:SSE_ERR_STATUS']);
  expect(c.states).toEqual([1, 0, 2]);
  expect(c.errors[1]!.statusCode).toBe(204);
  // Several reconnection times later, still two requests.
  await new Promise((resolve) => setTimeout(resolve, 100));
  expect(served.requests).toHaveLength(2);
});

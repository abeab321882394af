/**
 * The EventSource session on real loopback sockets, read as raw HTTP: the response head and body
 * byte for byte, `lastEventId` and `url`, pings, closing from either side, and misuse.
 */
import type * as http from 'node:http';
import { ArgumentError, EventSource, type EventSourceCloseEvent, type EventSourceOptions } from '../../src/index.js';
import { cleanup, nextEvent, RawClient, serve, within } from './helpers.js';

afterEach(cleanup);

/** A server whose every request becomes a session made with `options`; `sessions` yields them in order. */
async function sessionServer(options: EventSourceOptions = { ping: 0 }, onSession?: (es: EventSource, req: http.IncomingMessage) => void) {
  const waiting: Array<(es: EventSource) => void> = [];
  const made: EventSource[] = [];
  const { port, server } = await serve((req, res) => {
    let es: EventSource;
    try {
      es = new EventSource(req, res, options);
    } catch (error) {
      res.writeHead(500).end(String((error as ArgumentError).code));
      return;
    }
    onSession?.(es, req);
    const resolve = waiting.shift();
    if (resolve) resolve(es);
    else made.push(es);
  });
  const nextSession = (): Promise<EventSource> =>
    within(made.length > 0 ? Promise.resolve(made.shift()!) : new Promise<EventSource>((resolve) => waiting.push(resolve)), 'a session');
  return { port, server, nextSession };
}

const STREAM_HEAD = [
  'HTTP/1.1 200 OK',
  'Content-Type: text/event-stream; charset=utf-8',
  'Cache-Control: no-cache, no-transform',
  'X-Accel-Buffering: no',
];

describe('the response', () => {
  test('head and first bytes, byte for byte, on HTTP/1.1', async () => {
    const { port } = await sessionServer({ ping: 0 });
    const client = RawClient.get(port, '/stream');
    const head = (await client.head()).split('\r\n');
    expect(head.slice(0, 4)).toEqual(STREAM_HEAD);
    // Not chunked: the body ends with the connection (WHATWG HTML §9.2.7 allows it).
    expect(head.slice(4).filter((line) => !line.startsWith('Date: '))).toEqual(['Connection: close']);
    // With no retry option, an empty comment goes first so the headers leave at once.
    await client.until((text) => text.endsWith('\r\n\r\n:\n\n'), 'the first bytes of the body');
  });

  test('the retry block goes first, in milliseconds', async () => {
    const { port, nextSession } = await sessionServer({ ping: 0, retry: 2.5 });
    const client = RawClient.get(port, '/');
    const es = await nextSession();
    es.send('one', { id: '1', event: 'tick' });
    await client.bodyEndsWith('data: one\n\n');
    expect(client.body).toBe('retry: 2500\n\nevent: tick\nid: 1\ndata: one\n\n');
  });

  test('multi-line data becomes several data: lines; the body is the events, unframed', async () => {
    const { port, nextSession } = await sessionServer();
    const client = RawClient.get(port, '/');
    const es = await nextSession();
    expect(es.send('a\r\nb\rc\nd', { retry: 1 })).toBe(true);
    es.send('');
    await client.bodyEndsWith('data: \n\n');
    expect(client.text.slice(client.text.indexOf('\r\n\r\n') + 4)).toBe(
      ':\n\n' + 'retry: 1000\ndata: a\ndata: b\ndata: c\ndata: d\n\n' + 'data: \n\n',
    );
  });

  test('custom headers (CORS) are added, and may replace a default', async () => {
    const { port } = await sessionServer({
      ping: 0,
      headers: { 'Access-Control-Allow-Origin': '*', 'cache-control': 'no-store', Vary: ['Origin', 'Cookie'] },
    });
    const head = await RawClient.get(port, '/').head();
    expect(head).toContain('\r\nAccess-Control-Allow-Origin: *\r\n');
    expect(head).toContain('\r\ncache-control: no-store\r\n');
    expect(head).not.toContain('no-transform');
    expect(head).toContain('\r\nVary: Origin\r\nVary: Cookie\r\n');
  });

  test('HTTP/1.0 gets no Connection: keep-alive (the body ends with the connection)', async () => {
    const { port, nextSession } = await sessionServer();
    const client = RawClient.get(port, '/', '', '1.0');
    const head = await client.head();
    expect(head).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(head).not.toMatch(/keep-alive/i);
    expect(head).not.toMatch(/transfer-encoding/i);
    (await nextSession()).send('x');
    await client.bodyEndsWith(':\n\ndata: x\n\n');
  });

  test.each([
    ['a CR in a header value', { headers: { 'X-A': 'a\r\nSet-Cookie: x' } }, 'ERR_INVALID_HEADER'],
    ['a bad header name', { headers: { 'X A': 'a' } }, 'ERR_INVALID_HEADER'],
    ['a Content-Type of its own', { headers: { 'Content-Type': 'text/plain' } }, 'ERR_INVALID_HEADER'],
    ['a Connection header', { headers: { Connection: 'close' } }, 'ERR_INVALID_HEADER'],
    ['a negative retry', { retry: -1 }, 'ERR_INVALID_OPTION'],
    ['a ping that is not a number', { ping: '10' as unknown as number }, 'ERR_INVALID_OPTION'],
    ['an infinite maxBuffered', { maxBuffered: Infinity }, 'ERR_INVALID_OPTION'],
  ])('%s throws before anything is written', async (_, options, code) => {
    const { port } = await sessionServer(options as EventSourceOptions);
    const client = RawClient.get(port, '/');
    await client.until((text) => text.includes(code), 'the 500 written by the test handler');
    expect(client.text).toMatch(/^HTTP\/1\.1 500 /);
  });
});

describe('send()', () => {
  test('a bad event or id throws ArgumentError and writes nothing', async () => {
    const { port, nextSession } = await sessionServer();
    const client = RawClient.get(port, '/');
    const es = await nextSession();
    for (const fields of [{ event: 'a\nb' }, { id: 'x\r' }, { id: 'nul\0' }]) {
      expect(() => es.send('data', fields)).toThrow(expect.objectContaining({ name: 'ArgumentError', code: 'ERR_INVALID_SSE_FIELD' }));
    }
    expect(() => es.send({} as unknown as string)).toThrow(ArgumentError);
    es.send('after');
    await client.bodyEndsWith('data: after\n\n');
    expect(client.body).toBe(':\n\ndata: after\n\n');
  });

  test('after close() it returns false and writes nothing', async () => {
    const { port, nextSession } = await sessionServer();
    const client = RawClient.get(port, '/');
    const es = await nextSession();
    es.close();
    expect(es.send('late')).toBe(false);
    expect(es.ping()).toBe(false);
    await within(client.closed, 'the connection to close (the end of the body)');
    expect(client.body).toBe(':\n\n');
  });
});

describe('request details', () => {
  test('lastEventId comes from the Last-Event-ID header; url is the full URL', async () => {
    const { port, nextSession } = await sessionServer();
    RawClient.get(port, '/feed?room=1', 'Last-Event-ID: 41\r\n');
    const es = await nextSession();
    expect(es.lastEventId).toBe('41');
    expect(es.url).toBe(`http://127.0.0.1:${port}/feed?room=1`);
    expect(es.readyState).toBe(EventSource.OPEN);
    expect([es.CONNECTING, es.OPEN, es.CLOSED]).toEqual([0, 1, 2]);
  });

  test('or from a lastEventId query parameter (polyfills); the header wins', async () => {
    const { port, nextSession } = await sessionServer();
    RawClient.get(port, '/feed?lastEventId=a%20b');
    expect((await nextSession()).lastEventId).toBe('a b');
    RawClient.get(port, '/feed?lastEventId=q', 'Last-Event-ID: h\r\n');
    expect((await nextSession()).lastEventId).toBe('h');
    RawClient.get(port, '/feed');
    expect((await nextSession()).lastEventId).toBe('');
  });
});

describe('pings', () => {
  test('a comment every `ping` seconds while idle; none with ping: 0', async () => {
    const { port } = await sessionServer({ ping: 0.02 });
    const { port: quietPort } = await sessionServer({ ping: 0 });
    const pinged = RawClient.get(port, '/');
    const quiet = RawClient.get(quietPort, '/');
    await quiet.bodyEndsWith(':\n\n');
    await pinged.until(() => pinged.body === ':\n\n'.repeat(4), 'three pings after the first comment');
    expect(quiet.body).toBe(':\n\n');
  });

  test('ping() writes one comment at once', async () => {
    const { port, nextSession } = await sessionServer({ retry: 1, ping: 0 });
    const client = RawClient.get(port, '/');
    expect((await nextSession()).ping()).toBe(true);
    await client.bodyEndsWith('retry: 1000\n\n:\n\n');
  });
});

describe('closing', () => {
  test('close() ends the response and its connection (which delimits the body), firing close once (reason "closed")', async () => {
    const { port, nextSession } = await sessionServer();
    const client = RawClient.get(port, '/');
    const es = await nextSession();
    const reasons: string[] = [];
    es.on('close', (event) => reasons.push(event.reason));
    es.close();
    es.close();
    expect(es.readyState).toBe(EventSource.CLOSED);
    expect(reasons).toEqual(['closed']);
    await within(client.closed, 'the connection to close');
    expect(client.body).toBe(':\n\n');
    expect(reasons).toEqual(['closed']);
  });

  test('the client going away fires close with reason "disconnected", and stops the ping timer', async () => {
    const { port, nextSession } = await sessionServer({ ping: 0.01 });
    const client = RawClient.get(port, '/');
    const es = await nextSession();
    const closed = nextEvent<EventSourceCloseEvent>(es, 'close');
    client.destroy();
    const event = await closed;
    expect(event).toMatchObject({ type: 'close', target: es, reason: 'disconnected', error: null });
    expect(es.readyState).toBe(EventSource.CLOSED);
    expect(es.send('x')).toBe(false);
  });

  test('onclose and addEventListener see the same single close event', async () => {
    const { port, nextSession } = await sessionServer();
    RawClient.get(port, '/');
    const es = await nextSession();
    const seen: string[] = [];
    es.onclose = (event) => seen.push(`onclose:${event.reason}`);
    es.addEventListener('close', (event) => seen.push(`listener:${event.reason}`), { once: true });
    es.close();
    expect(seen).toEqual(['onclose:closed', 'listener:closed']);
  });

  test('a session made for a response that is already over starts CLOSED and fires close on the next tick', async () => {
    let closed: Promise<EventSourceCloseEvent> | undefined;
    const states: number[] = [];
    const { port } = await serve((req, res) => {
      res.destroy();
      const es = new EventSource(req, res);
      states.push(es.readyState);
      closed = nextEvent<EventSourceCloseEvent>(es, 'close');
    });
    const client = RawClient.get(port, '/');
    await client.closed;
    expect(states).toEqual([EventSource.CLOSED]);
    expect((await closed!).reason).toBe('disconnected');
    expect(client.text).toBe('');
  });

  test('a response whose headers were sent is refused with ERR_HEADERS_SENT', async () => {
    const errors: unknown[] = [];
    const { port } = await serve((req, res) => {
      res.writeHead(200);
      try {
        new EventSource(req, res);
      } catch (error) {
        errors.push(error);
      }
      res.end('done');
    });
    const client = RawClient.get(port, '/');
    await client.until((text) => text.includes('done'), 'the plain response');
    expect(errors).toEqual([expect.objectContaining({ name: 'ArgumentError', code: 'ERR_HEADERS_SENT' })]);
  });
});

describe('EventSource.isEventSource', () => {
  const request = (accept?: string | string[]) => ({ headers: accept === undefined ? {} : { accept } }) as never;
  test.each([
    ['text/event-stream', true],
    ['Text/Event-Stream', true],
    ['text/html, text/event-stream;q=0.9', true],
    ['text/event-stream; charset=utf-8', true],
    ['text/event-stream;q=0', false],
    ['text/event-stream; q=0.000', false],
    ['text/event-streams', false],
    ['*/*', false],
    ['', false],
    [undefined, false],
  ])('Accept %p → %p', (accept, expected) => {
    expect(EventSource.isEventSource(request(accept))).toBe(expected);
  });
});

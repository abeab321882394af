/**
 * The client against a raw `net` server that misbehaves on purpose: a response cut into single
 * bytes (BOM, CRLF, UTF-8 split), a missing or wrong Content-Type, 500 and 204 (failed for good),
 * redirects 301 and 307 (followed; credentials dropped on another origin), a connection dropped in
 * the middle of an event (reconnects, the partial event is lost), the `retry:` field, a refused
 * connection (reconnects with a growing wait), `close()` inside a listener, the request headers.
 */
import { EventSourceClient } from '../../src/index.js';
import { closeAll, sseRawServer, streamHead, trickle, watch } from './helpers.js';

afterEach(closeAll);

const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

test('a response cut into single bytes, with a BOM, CRLF, CR and UTF-8 split across chunks', async () => {
  const server = await sseRawServer((_request, socket) => {
    const body = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('id: é1\r\ndata: héllo\r\ndata: 🎉\r\n\r\nevent: x\rdata: y\r\r: c\n', 'utf8')]);
    void trickle(socket, [streamHead(), ...[...body].map((byte) => Buffer.of(byte))]);
  });
  const c = watch(server.origin + '/s', {}, ['message', 'x']);
  await c.seen('x:');
  expect(c.log).toEqual(['open', 'message:héllo\n🎉:é1', 'x:y:é1']);
  const request = server.requests[0]!;
  expect(request.path).toBe('/s');
  expect(request.headers.accept).toBe('text/event-stream');
  expect(request.headers['cache-control']).toBe('no-cache');
});

test('the request carries the headers option; Last-Event-ID goes out as UTF-8 on reconnection', async () => {
  const server = await sseRawServer((_request, socket, n) => {
    if (n === 1) socket.end(`${streamHead()}retry: 1\nid: é✓\ndata: a\n\n`);
    else socket.write(streamHead());
  });
  const c = watch(server.origin, { headers: { Authorization: 'Bearer t', 'X-Extra': ['1', '2'] } });
  await c.seen('open', 2);
  const [first, second] = server.requests;
  expect(first!.headers.authorization).toBe('Bearer t');
  expect(first!.headers['x-extra']).toBe('1, 2');
  expect(first!.headers['last-event-id']).toBeUndefined();
  expect(Buffer.from(second!.headers['last-event-id']!, 'latin1').toString('utf8')).toBe('é✓');
  expect(c.es.lastEventId).toBe('é✓');
});

describe('responses that fail the connection for good (no reconnection)', () => {
  const cases: Array<[string, string, string, number | undefined]> = [
    ['no Content-Type', streamHead([], null), 'SSE_ERR_CONTENT_TYPE', 200],
    ['text/plain', streamHead([], 'text/plain'), 'SSE_ERR_CONTENT_TYPE', 200],
    ['500', 'HTTP/1.1 500 Internal Server Error\r\nContent-Type: text/event-stream\r\nContent-Length: 0\r\n\r\n', 'SSE_ERR_STATUS', 500],
    ['204', 'HTTP/1.1 204 No Content\r\n\r\n', 'SSE_ERR_STATUS', 204],
    ['a redirect without Location', 'HTTP/1.1 302 Found\r\nContent-Length: 0\r\n\r\n', 'SSE_ERR_STATUS', 302],
  ];
  test.each(cases)('%s', async (_name, head, code, status) => {
    const server = await sseRawServer((_request, socket) => socket.end(`${head}data: never\n\n`));
    const c = watch(server.origin, { retry: 0.001 });
    await c.seen('error:');
    expect(c.log).toEqual([`error:${code}`]);
    expect(c.states).toEqual([EventSourceClient.CLOSED]);
    expect(c.errors[0]!.name).toBe('HandshakeError');
    expect(c.errors[0]!.statusCode).toBe(status);
    await pause(50);
    expect(server.requests).toHaveLength(1);
  });

  test('with the content type parameters and case, text/event-stream is accepted', async () => {
    const server = await sseRawServer((_request, socket) => socket.write(`${streamHead([], 'Text/Event-Stream; charset=utf-8')}data: ok\n\n`));
    const c = watch(server.origin);
    await c.seen('message:ok');
  });
});

test.each([301, 307])('a %i redirect is followed: url unchanged, origin of the final URL, credentials kept only on the same origin', async (status) => {
  const final = await sseRawServer((_request, socket) => socket.write(`${streamHead()}data: moved\n\n`));
  const sameOrigin = await sseRawServer((request, socket) => {
    if (request.path === '/start') socket.end(`HTTP/1.1 ${status} Moved\r\nLocation: /next\r\nContent-Length: 0\r\n\r\n`);
    else socket.end(`HTTP/1.1 ${status} Moved\r\nLocation: ${final.origin}/end\r\nContent-Length: 0\r\n\r\n`);
  });
  const c = watch(`${sameOrigin.origin}/start`, { headers: { Authorization: 'secret', Cookie: 'c=1', 'X-Keep': 'k' } });
  await c.seen('message:moved');
  expect(sameOrigin.requests.map((r) => r.path)).toEqual(['/start', '/next']);
  expect(sameOrigin.requests[1]!.headers.authorization).toBe('secret');
  const last = final.requests[0]!;
  expect(last.path).toBe('/end');
  expect(last.headers.authorization).toBeUndefined();
  expect(last.headers.cookie).toBeUndefined();
  expect(last.headers['x-keep']).toBe('k');
  expect(last.headers.host).toBe(`127.0.0.1:${final.port}`);
  expect(c.es.url).toBe(`${sameOrigin.origin}/start`);
  expect(c.events[0]!.origin).toBe(final.origin);
});

test('a connection dropped mid-event: the partial event is lost, the client reconnects with Last-Event-ID', async () => {
  const server = await sseRawServer((_request, socket, n) => {
    if (n === 1) {
      socket.write(`${streamHead()}retry: 5\nid: 1\ndata: whole\n\nid: 2\ndata: part`);
      setImmediate(() => socket.destroy());
    } else socket.write(`${streamHead()}data: again\n\n`);
  });
  const c = watch(server.origin);
  await c.seen('message:again');
  expect(c.log).toEqual(['open', 'message:whole:1', 'error:SSE_ERR_STREAM_ENDED', 'open', 'message:again:1']);
  expect(server.requests[1]!.headers['last-event-id']).toBe('1');
});

test('the retry: field sets the reconnection time (the 3 s default would not fit the wait)', async () => {
  const server = await sseRawServer((_request, socket) => socket.end(`${streamHead()}retry: 10\n\n`));
  const c = watch(server.origin);
  await c.until(() => c.log.filter((entry) => entry === 'open').length === 2, 'the reconnection within 1 s', 1000);
  expect(server.requests).toHaveLength(2);
});

test('a refused connection: error in CONNECTING each time, reconnecting with a growing wait, until close()', async () => {
  const gone = await sseRawServer(() => undefined);
  const url = gone.origin;
  await new Promise<void>((resolve) => gone.server.close(() => resolve()));
  const c = watch(url, { retry: 0.001, maxRetry: 0.3 });
  const started = Date.now();
  await c.seen('error:SSE_ERR_SOCKET', 3);
  // 1 ms, then the doubled waits start from 100 ms: 200 ms before the third attempt.
  expect(Date.now() - started).toBeGreaterThanOrEqual(150);
  expect(c.states.every((state) => state === EventSourceClient.CONNECTING)).toBe(true);
  expect((c.errors[0]!.cause as NodeJS.ErrnoException).code).toBe('ECONNREFUSED');
  c.es.close();
  const errors = c.log.length;
  await pause(50);
  expect(c.log).toHaveLength(errors);
});

test('close() in a listener: no more events, even from the same chunk, and no reconnection', async () => {
  const server = await sseRawServer((_request, socket) => socket.end(`${streamHead()}retry: 1\ndata: 1\n\ndata: 2\n\n`));
  const c = watch(server.origin);
  c.es.addEventListener('message', () => c.es.close(), { once: true });
  await c.seen('message:1');
  await pause(50);
  expect(c.log).toEqual(['open', 'message:1:']);
  expect(server.requests).toHaveLength(1);
  expect(c.es.readyState).toBe(EventSourceClient.CLOSED);
});

test('close() while connecting: no event at all', async () => {
  const server = await sseRawServer((_request, socket) => socket.write(`${streamHead()}data: late\n\n`));
  const c = watch(server.origin);
  c.es.close();
  await pause(50);
  expect(c.log).toEqual([]);
  expect(server.requests.length).toBeLessThanOrEqual(1);
});

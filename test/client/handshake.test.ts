/**
 * The opening handshake as the client runs it: the request it sends, subprotocol choice,
 * `statusCode` and `headers` after open and after a refused handshake, redirects (off by
 * default, `followRedirects`, `maxRedirects`), and the argument checks of the constructor.
 */
import * as http from 'node:http';
import { Client, HandshakeError, WebSocket } from '../../src/index.js';
import { startEchoServer } from '../helpers/echo-server.js';
import { closeAll, listen, onCleanup, openClient, rawServer, record } from './helpers.js';
import { SERVERS } from './peers.js';

afterEach(closeAll);

async function echoUrl(): Promise<string> {
  const echo = await startEchoServer();
  onCleanup(() => echo.close());
  return echo.url;
}

describe('the request', () => {
  test('GET with path and query, Host, Upgrade, Connection, a fresh 16-byte key, version 13, no Origin', async () => {
    const server = await rawServer(() => undefined);
    record(`${server.url}/a/b?c=d&e`, ['chat', 'superchat']);
    await server.requested(1);
    record(server.url);
    await server.requested(2);
    const [first, second] = server.requests;
    expect(first!.requestLine).toBe('GET /a/b?c=d&e HTTP/1.1');
    expect(second!.requestLine).toBe('GET / HTTP/1.1');
    const h = first!.headers;
    expect(h.host).toBe(`127.0.0.1:${server.port}`);
    expect(h.upgrade).toBe('websocket');
    expect(h.connection).toBe('Upgrade');
    expect(h['sec-websocket-version']).toBe('13');
    expect(h['sec-websocket-protocol']).toBe('chat, superchat');
    expect(h['sec-websocket-extensions']).toBeUndefined();
    expect(h.origin).toBeUndefined();
    expect(h.authorization).toBeUndefined();
    for (const request of [first!, second!]) expect(Buffer.from(request.key, 'base64')).toHaveLength(16);
    expect(first!.key).not.toBe(second!.key);
    expect(second!.headers['sec-websocket-protocol']).toBeUndefined();
  });

  test('extra headers reach the server; URL userinfo becomes Authorization: Basic', async () => {
    const server = (await SERVERS[0]![1]())!;
    const port = new URL(server.url).port;
    const c = record(`ws://us%40er:p%3Ass@127.0.0.1:${port}/`, null, {
      headers: { Origin: 'https://app.example', Cookie: 'a=1', 'X-Many': ['1', '2'], 'User-Agent': 'hatchway-test' },
    });
    const peer = await server.nextPeer();
    await c.opened;
    const h = peer.request.headers;
    expect(h.origin).toBe('https://app.example');
    expect(h.cookie).toBe('a=1');
    expect(h['x-many']).toBe('1, 2');
    expect(h['user-agent']).toBe('hatchway-test');
    expect(h.authorization).toBe(`Basic ${Buffer.from('us@er:p:ss').toString('base64')}`);
  });

  test.each([
    [{ 'X-Bad': 'a\r\nInjected: yes' }],
    [{ 'X-Bad': 'a\nb' }],
    [{ 'Bad Name': 'x' }],
    [{ 'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==' }],
    [{ Upgrade: 'h2c' }],
  ])('headers %j throw an ArgumentError at construction', (headers) => {
    expect(() => new Client('ws://127.0.0.1:1/', null, { headers })).toThrow(expect.objectContaining({ name: 'ArgumentError', code: 'ERR_INVALID_HEADER' }));
  });
});

describe.each(SERVERS)('subprotocols and the response, against the %s server', (_name, start) => {
  test('the server picks the first of the client\'s protocols it speaks; protocol reflects it', async () => {
    const server = await start({ protocols: ['y', 'chat'] });
    const c = await openClient(server.url, ['x', 'chat', 'y']);
    const peer = await server.nextPeer();
    expect(c.client.protocol).toBe('chat');
    expect(peer.protocol).toBe('chat');
    expect(c.client.headers['sec-websocket-protocol']).toBe('chat');
  });

  test('no common protocol: the connection opens with protocol ""', async () => {
    const server = await start({ protocols: ['other'] });
    const c = await openClient(server.url, 'chat');
    expect(c.client.protocol).toBe('');
    expect(c.client.headers['sec-websocket-protocol']).toBeUndefined();
  });

  test('statusCode and headers after open, custom response headers included', async () => {
    const server = await start({ headers: { 'X-Served-By': 'test-server' } });
    const c = await openClient(server.url);
    expect(c.client.statusCode).toBe(101);
    expect(c.client.headers.upgrade?.toLowerCase()).toBe('websocket');
    expect(c.client.headers['x-served-by']).toBe('test-server');
    expect(typeof c.client.headers['sec-websocket-accept']).toBe('string');
    expect(c.client.extensions).toBe('');
  });
});

describe('a refused handshake: error with the status, close 1006, statusCode and headers kept', () => {
  test.each([
    [401, { 'WWW-Authenticate': 'Basic realm="ws"' }, 'www-authenticate', 'Basic realm="ws"'],
    [404, { 'X-Reason': 'no such path' }, 'x-reason', 'no such path'],
    [503, { 'Retry-After': '7' }, 'retry-after', '7'],
  ])('an HTTP server answering %i', async (status, headers, header, value) => {
    const server = http.createServer((_req, res) => {
      res.writeHead(status, { ...headers, 'Content-Type': 'text/plain' });
      res.end('refused');
    });
    server.on('upgrade', (_req, socket) => {
      const lines = Object.entries(headers).map(([n, v]) => `${n}: ${v}\r\n`).join('');
      socket.end(`HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\n${lines}Content-Length: 7\r\nConnection: close\r\n\r\nrefused`);
    });
    const port = await listen(server);
    const c = record(`ws://127.0.0.1:${port}/`);
    const event = await c.closed;
    expect([event.code, event.wasClean]).toEqual([1006, false]);
    expect(c.log).toEqual(['error', 'close']);
    expect(c.errors.map((e) => [e.name, e.code, e.statusCode])).toEqual([['HandshakeError', 'WS_ERR_HANDSHAKE_STATUS', status]]);
    expect(c.errors[0]!.error).toBeInstanceOf(HandshakeError);
    expect(c.errors[0]!.message).toContain(String(status));
    expect(c.client.statusCode).toBe(status);
    expect(c.client.headers[header]).toBe(value);
  });

  test("hatchway's own server refusing a disallowed Origin with 403", async () => {
    const echo = await startEchoServer({ origins: ['https://good.example'] });
    onCleanup(() => echo.close());
    const c = record(echo.url, null, { headers: { Origin: 'https://evil.example' } });
    const event = await c.closed;
    expect(event.code).toBe(1006);
    expect(c.errors.map((e) => [e.code, e.statusCode])).toEqual([['WS_ERR_HANDSHAKE_STATUS', 403]]);
    expect(c.client.statusCode).toBe(403);
  });

  test('a 401 whose body never finishes does not leave an unhandled error behind', async () => {
    const server = await rawServer((_request, socket) => {
      socket.write('HTTP/1.1 401 Unauthorized\r\nContent-Length: 100000\r\n\r\npartial body');
    });
    const c = record(server.url);
    const event = await c.closed;
    expect(event.code).toBe(1006);
    expect(c.errors.map((e) => [e.code, e.statusCode])).toEqual([['WS_ERR_HANDSHAKE_STATUS', 401]]);
    // Let the destroyed response settle; an unhandled 'error' would fail the test run here.
    await new Promise((resolve) => setImmediate(resolve));
  });
});

describe('redirects', () => {
  /** An HTTP server answering every upgrade request with `status` and a Location from `next`. */
  async function redirector(status: number, next: (path: string) => string): Promise<{ url: string; hits: string[] }> {
    const hits: string[] = [];
    const server = http.createServer((_req, res) => {
      res.writeHead(500);
      res.end();
    });
    server.on('upgrade', (req: http.IncomingMessage, socket) => {
      hits.push(req.url ?? '');
      socket.end(`HTTP/1.1 ${status} Redirect\r\nLocation: ${next(req.url ?? '/')}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`);
    });
    const port = await listen(server);
    return { url: `ws://127.0.0.1:${port}`, hits };
  }

  test('not followed by default: error with the status, statusCode and Location kept', async () => {
    const target = await echoUrl();
    const from = await redirector(302, () => `${target}/there`);
    const c = record(`${from.url}/here`);
    const event = await c.closed;
    expect(event.code).toBe(1006);
    expect(c.errors.map((e) => [e.code, e.statusCode])).toEqual([['WS_ERR_HANDSHAKE_STATUS', 302]]);
    expect(c.client.statusCode).toBe(302);
    expect(c.client.headers.location).toBe(`${target}/there`);
    expect(from.hits).toEqual(['/here']);
  });

  test.each([301, 302, 303, 307, 308])('followRedirects follows %i to the real server', async (status) => {
    const target = await echoUrl();
    const from = await redirector(status, (path) => `${target}${path}`);
    const c = await openClient(`${from.url}/path?q=1`, null, { followRedirects: true });
    expect(c.client.statusCode).toBe(101);
    c.client.send('made it');
    expect(await c.nextMessage()).toBe('made it');
    expect(from.hits).toEqual(['/path?q=1']);
  });

  test('a relative Location and an http: Location are resolved and mapped to ws:', async () => {
    const hits: string[] = [];
    const server = http.createServer();
    let port = 0;
    server.on('upgrade', (req: http.IncomingMessage, socket, head) => {
      hits.push(req.url ?? '');
      if (req.url === '/start') {
        socket.end('HTTP/1.1 307 Temporary Redirect\r\nLocation: /middle\r\nContent-Length: 0\r\n\r\n');
      } else if (req.url === '/middle') {
        socket.end(`HTTP/1.1 308 Permanent Redirect\r\nLocation: http://127.0.0.1:${port}/end\r\nContent-Length: 0\r\n\r\n`);
      } else {
        const ws = new WebSocket(req, socket, head);
        ws.on('message', (event) => ws.send(event.data));
        onCleanup(() => ws.terminate());
      }
    });
    port = await listen(server);
    const c = await openClient(`ws://127.0.0.1:${port}/start`, null, { followRedirects: true });
    expect(hits).toEqual(['/start', '/middle', '/end']);
    c.client.send('end');
    expect(await c.nextMessage()).toBe('end');
  });

  test('maxRedirects: a chain of 2 passes with maxRedirects 2, a chain of 3 fails with WS_ERR_TOO_MANY_REDIRECTS', async () => {
    const target = await echoUrl();
    const chain = await redirector(302, (path) => {
      const n = Number(path.slice(1));
      return n > 1 ? `/${n - 1}` : `${target}/`;
    });
    const ok = await openClient(`${chain.url}/2`, null, { followRedirects: true, maxRedirects: 2 });
    expect(ok.client.statusCode).toBe(101);
    const tooMany = record(`${chain.url}/3`, null, { followRedirects: true, maxRedirects: 2 });
    const event = await tooMany.closed;
    expect(event.code).toBe(1006);
    expect(tooMany.errors.map((e) => [e.name, e.code, e.statusCode])).toEqual([['HandshakeError', 'WS_ERR_TOO_MANY_REDIRECTS', 302]]);
    expect(chain.hits).toEqual(['/2', '/1', '/3', '/2', '/1']);
  });

  test('maxRedirects: 0 refuses the first redirect', async () => {
    const target = await echoUrl();
    const from = await redirector(301, () => target);
    const c = record(from.url, null, { followRedirects: true, maxRedirects: 0 });
    await c.closed;
    expect(c.errors.map((e) => e.code)).toEqual(['WS_ERR_TOO_MANY_REDIRECTS']);
  });

  test('a redirect loop ends at the default limit of 10', async () => {
    const loop = await redirector(302, (path) => path);
    const c = record(`${loop.url}/loop`, null, { followRedirects: true });
    await c.closed;
    expect(c.errors.map((e) => e.code)).toEqual(['WS_ERR_TOO_MANY_REDIRECTS']);
    expect(loop.hits).toHaveLength(11);
  });

  test('a redirect to another host drops Authorization and Cookie; the same host keeps them', async () => {
    const seen: Array<[string, string | undefined, string | undefined, string | undefined]> = [];
    const make = async (host: string): Promise<number> => {
      const server = http.createServer();
      server.on('upgrade', (req: http.IncomingMessage, socket) => {
        seen.push([`${host}${req.url}`, req.headers.authorization, req.headers.cookie, req.headers['x-keep'] as string | undefined]);
        socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n');
      });
      return listen(server, host);
    };
    const otherPort = await make('127.0.0.2');
    const first = http.createServer();
    first.on('upgrade', (req: http.IncomingMessage, socket) => {
      seen.push([`127.0.0.1${req.url}`, req.headers.authorization, req.headers.cookie, req.headers['x-keep'] as string | undefined]);
      const location = req.url === '/a' ? '/b' : `ws://127.0.0.2:${otherPort}/c`;
      socket.end(`HTTP/1.1 302 Found\r\nLocation: ${location}\r\nContent-Length: 0\r\n\r\n`);
    });
    const port = await listen(first);
    const c = record(`ws://127.0.0.1:${port}/a`, null, {
      followRedirects: true,
      headers: { Authorization: 'Bearer secret', Cookie: 'session=1', 'X-Keep': 'yes' },
    });
    await c.closed;
    expect(seen).toEqual([
      ['127.0.0.1/a', 'Bearer secret', 'session=1', 'yes'],
      ['127.0.0.1/b', 'Bearer secret', 'session=1', 'yes'],
      ['127.0.0.2/c', undefined, undefined, 'yes'],
    ]);
    expect(c.errors.map((e) => [e.code, e.statusCode])).toEqual([['WS_ERR_HANDSHAKE_STATUS', 404]]);
  });

  test('a Location that is not a WebSocket URL fails the connection with an ArgumentError', async () => {
    const from = await redirector(302, () => 'ftp://127.0.0.1/file');
    const c = record(from.url, null, { followRedirects: true });
    const event = await c.closed;
    expect(event.code).toBe(1006);
    expect(c.errors.map((e) => [e.name, e.code])).toEqual([['ArgumentError', 'ERR_INVALID_URL']]);
  });
});

describe('constructor argument checks (thrown synchronously)', () => {
  test.each([
    ['ftp://127.0.0.1/'],
    ['file:///tmp/x'],
    ['not a url'],
    [''],
    ['ws://127.0.0.1/#fragment'],
    ['ws://127.0.0.1/path#'],
  ])('URL %p is refused with ArgumentError ERR_INVALID_URL', (url) => {
    expect(() => new Client(url)).toThrow(expect.objectContaining({ name: 'ArgumentError', code: 'ERR_INVALID_URL' }));
  });

  test('http: and https: URLs are mapped to ws: and wss:, and URL objects are accepted', async () => {
    const target = await echoUrl();
    const port = new URL(target).port;
    const c = await openClient(`http://127.0.0.1:${port}/p?q`);
    expect(c.client.url).toBe(`ws://127.0.0.1:${port}/p?q`);
    const secure = new Client('https://127.0.0.1:1/x');
    expect(secure.url).toBe('wss://127.0.0.1:1/x');
    secure.terminate();
    const fromObject = await openClient(new URL(`ws://127.0.0.1:${port}/obj`) as unknown as string);
    expect(fromObject.client.url).toBe(`ws://127.0.0.1:${port}/obj`);
  });

  test.each([
    [['chat', 'chat']],
    [['a', 'b', 'a']],
    ['with space'],
    [['ok', '']],
    ['chat,superchat'],
    [['ok', 'é']],
    [['ok', 'a/b']],
    [['ok', 'x"y']],
  ])('protocols %j are refused with ArgumentError ERR_INVALID_PROTOCOL', (protocols) => {
    expect(() => new Client('ws://127.0.0.1:1/', protocols as string | string[])).toThrow(
      expect.objectContaining({ name: 'ArgumentError', code: 'ERR_INVALID_PROTOCOL' }),
    );
  });

  test('valid protocol tokens are accepted, as a string, an array, null or nothing', () => {
    for (const protocols of ['chat', ['v1.chat', "x-!#$%&'*+-.^_`|~"], [], null, undefined]) {
      const c = new Client('ws://127.0.0.1:1/', protocols as string[] | null | undefined);
      c.on('error', () => undefined);
      c.terminate();
    }
  });

  test.each([
    [{ maxRedirects: -1 }],
    [{ maxRedirects: 1.5 }],
    [{ maxLength: -1 }],
    [{ closeTimeout: Number.NaN }],
  ])('options %j are refused with ArgumentError ERR_INVALID_OPTION', (options) => {
    expect(() => new Client('ws://127.0.0.1:1/', null, options)).toThrow(expect.objectContaining({ name: 'ArgumentError', code: 'ERR_INVALID_OPTION' }));
  });
});

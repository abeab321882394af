/**
 * The connecting phase: `close()` and `terminate()` while CONNECTING, connection failures
 * (refused, reset, DNS) that end in `error` + `close` 1006 without crashing, `net` options that
 * reach the TCP connection, and `handshakeTimeout` against servers that never finish answering.
 */
import * as net from 'node:net';
import { Client, ConnectionError } from '../../src/index.js';
import { startEchoServer } from '../helpers/echo-server.js';
import { acceptFor, closeAll, nextEvent, onCleanup, rawServer, record, within } from './helpers.js';
import { hatchwayServer } from './peers.js';

afterEach(closeAll);

/** A port with nothing listening on it (a server opened and closed again). */
async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function echoUrl(): Promise<string> {
  const echo = await startEchoServer();
  onCleanup(() => echo.close());
  return echo.url;
}

describe('close() and terminate() while CONNECTING', () => {
  test.each([
    ['close()', (c: Client) => c.close(), 'closed before the connection was established'],
    ['close(4000, "why")', (c: Client) => c.close(4000, 'why'), 'closed before the connection was established'],
    ['terminate()', (c: Client) => c.terminate(), 'terminated while connecting'],
  ])('%s right after new: CLOSING at once, then error and close 1006 on a later tick', async (_name, stop, message) => {
    const url = await echoUrl();
    const c = record(url);
    expect(c.client.readyState).toBe(Client.CONNECTING);
    stop(c.client);
    expect(c.client.readyState).toBe(Client.CLOSING);
    // Nothing is emitted synchronously: listeners added now still see everything.
    expect(c.log).toEqual([]);
    let lateListener = 0;
    c.client.on('close', () => lateListener++);
    const event = await c.closed;
    expect([event.code, event.reason, event.wasClean]).toEqual([1006, '', false]);
    expect(c.log).toEqual(['error', 'close']);
    expect(c.states).toEqual([Client.CLOSING, Client.CLOSED]);
    expect(c.errors.map((e) => [e.name, e.code, e.message])).toEqual([['ConnectionError', 'WS_ERR_CLOSED_BEFORE_OPEN', message]]);
    expect(c.errors[0]!.error).toBeInstanceOf(ConnectionError);
    expect(lateListener).toBe(1);
    expect(c.client.readyState).toBe(Client.CLOSED);
    // Calling them again is harmless.
    c.client.close();
    c.client.terminate();
  });

  test.each([
    ['close()', (c: Client) => c.close()],
    ['terminate()', (c: Client) => c.terminate()],
  ])('%s after TCP connected but before the response: the socket is dropped, error then close 1006', async (_name, stop) => {
    const server = await rawServer(() => undefined);
    const c = record(server.url);
    await server.requested(1);
    const serverSide = server.sockets[0]!;
    const dropped = nextEvent(serverSide, 'close', 'the server side of the socket to close');
    stop(c.client);
    expect(c.client.readyState).toBe(Client.CLOSING);
    expect(c.log).toEqual([]);
    const event = await c.closed;
    expect([event.code, event.wasClean]).toEqual([1006, false]);
    expect(c.log).toEqual(['error', 'close']);
    expect(c.errors[0]!.code).toBe('WS_ERR_CLOSED_BEFORE_OPEN');
    await dropped;
  });

  test('send() while CONNECTING queues (returns false); the queue is dropped by close()', async () => {
    const url = await echoUrl();
    const c = record(url);
    expect(c.client.send('queued')).toBe(false);
    expect(c.client.bufferedAmount).toBe(6);
    c.client.close();
    await c.closed;
    expect(c.messages).toEqual([]);
    expect(c.client.send('after')).toBe(false);
  });
});

describe('connection failures: error, then close 1006, never a crash', () => {
  test('refused port', async () => {
    const port = await freePort();
    const c = record(`ws://127.0.0.1:${port}/`);
    const event = await c.closed;
    expect([event.code, event.wasClean]).toEqual([1006, false]);
    expect(c.log).toEqual(['error', 'close']);
    expect(c.errors[0]!.name).toBe('ConnectionError');
    expect(c.errors[0]!.code).toBe('WS_ERR_SOCKET');
    expect((c.errors[0]!.cause as NodeJS.ErrnoException).code).toBe('ECONNREFUSED');
    expect(c.errors[0]!.message).toContain(`ws://127.0.0.1:${port}/`);
    expect(c.client.statusCode).toBeUndefined();
    expect(c.client.headers).toEqual({});
  });

  test('a refused port with no error listener: only close 1006, the process carries on', async () => {
    const port = await freePort();
    const client = new Client(`ws://127.0.0.1:${port}/`);
    const event = await within(new Promise<{ code: number }>((resolve) => client.on('close', resolve)), 'close');
    expect(event.code).toBe(1006);
    expect(client.listenerCount('error')).toBe(0);
  });

  test('reset by the server right after accept (RST before any byte)', async () => {
    const server = await rawServer(
      () => undefined,
      (socket) => socket.resetAndDestroy(),
    );
    const c = record(server.url);
    const event = await c.closed;
    expect([event.code, event.wasClean]).toEqual([1006, false]);
    expect(c.log).toEqual(['error', 'close']);
    expect(c.errors[0]!.code).toBe('WS_ERR_SOCKET');
    expect((c.errors[0]!.cause as NodeJS.ErrnoException).code).toBe('ECONNRESET');
  });

  test('the server reads the request and closes without answering', async () => {
    const server = await rawServer((_request, socket) => socket.end());
    const c = record(server.url);
    const event = await c.closed;
    expect(event.code).toBe(1006);
    expect(c.log).toEqual(['error', 'close']);
    expect(c.errors[0]!.code).toBe('WS_ERR_SOCKET');
    expect((c.errors[0]!.cause as NodeJS.ErrnoException).code).toBe('ECONNRESET');
    expect(c.client.statusCode).toBeUndefined();
  });

  test('a reset in the middle of the response head', async () => {
    const server = await rawServer((_request, socket) => {
      socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n', () => socket.resetAndDestroy());
    });
    const c = record(server.url);
    const event = await c.closed;
    expect(event.code).toBe(1006);
    expect(c.log).toEqual(['error', 'close']);
    expect(c.errors[0]!.code).toBe('WS_ERR_SOCKET');
  });

  test('a reset after open: error (WS_ERR_SOCKET), then close 1006', async () => {
    const server = await rawServer((request, socket) => {
      socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${acceptFor(request.key)}\r\n\r\n`);
    });
    const c = record(server.url);
    await c.opened;
    server.sockets[0]!.resetAndDestroy();
    const event = await c.closed;
    expect([event.code, event.wasClean]).toEqual([1006, false]);
    expect(c.log).toEqual(['open', 'error', 'close']);
    expect(c.errors.map((e) => e.code)).toEqual(['WS_ERR_SOCKET']);
    expect((c.errors[0]!.cause as NodeJS.ErrnoException).code).toBe('ECONNRESET');
  });

  test('a FIN after open without a close frame: close 1006, not clean, no error', async () => {
    const server = await rawServer((request, socket) => {
      socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${acceptFor(request.key)}\r\n\r\n`);
    });
    const c = record(server.url);
    await c.opened;
    server.sockets[0]!.end();
    const event = await c.closed;
    expect([event.code, event.wasClean]).toEqual([1006, false]);
    expect(c.log).toEqual(['open', 'close']);
  });

  test('DNS failure for a .invalid host', async () => {
    const c = record('ws://no-such-host.invalid/');
    const event = await within(c.closed, 'close after the DNS failure', 15_000);
    expect([event.code, event.wasClean]).toEqual([1006, false]);
    expect(c.log).toEqual(['error', 'close']);
    expect(c.errors[0]!.code).toBe('WS_ERR_SOCKET');
    const cause = c.errors[0]!.cause as NodeJS.ErrnoException;
    expect(cause.syscall).toBe('getaddrinfo');
    // NXDOMAIN where a resolver answers; EAI_AGAIN where none can be reached.
    expect(['ENOTFOUND', 'EAI_AGAIN']).toContain(cause.code);
  }, 20_000);
});

describe('net options reach the TCP connection', () => {
  test("localAddress: '127.0.0.2' is the address the server sees", async () => {
    const server = await hatchwayServer();
    const c = record(server.url, null, { net: { localAddress: '127.0.0.2' } });
    const peer = await server.nextPeer();
    await c.opened;
    expect(peer.request.socket.remoteAddress).toBe('127.0.0.2');
    const plain = record(server.url);
    const plainPeer = await server.nextPeer();
    await plain.opened;
    expect(plainPeer.request.socket.remoteAddress).toBe('127.0.0.1');
  });

  test('localPort is used', async () => {
    const server = await hatchwayServer();
    const localPort = await freePort();
    const c = record(server.url, null, { net: { localPort } });
    const peer = await server.nextPeer();
    await c.opened;
    expect(peer.request.socket.remotePort).toBe(localPort);
  });

  test('family: 4 resolves localhost to 127.0.0.1; family: 6 cannot reach a server on 127.0.0.1', async () => {
    const server = await hatchwayServer();
    const port = new URL(server.url).port;
    const v4 = record(`ws://localhost:${port}/`, null, { net: { family: 4 } });
    const peer = await server.nextPeer();
    await v4.opened;
    expect(peer.request.socket.remoteAddress).toBe('127.0.0.1');
    const v6 = record(`ws://localhost:${port}/`, null, { net: { family: 6 } });
    const event = await v6.closed;
    expect(event.code).toBe(1006);
    expect(v6.log).toEqual(['error', 'close']);
    // No AAAA record for localhost, or ::1 with nothing listening on it.
    expect(['ENOTFOUND', 'EAI_NODATA', 'EAI_AGAIN', 'ECONNREFUSED']).toContain((v6.errors[0]!.cause as NodeJS.ErrnoException).code);
  });

  test('a custom lookup is used to resolve the host', async () => {
    const server = await hatchwayServer();
    const port = new URL(server.url).port;
    const asked: string[] = [];
    const lookup: net.LookupFunction = (hostname, options, callback) => {
      asked.push(hostname);
      if ((options as { all?: boolean }).all === true) (callback as unknown as (e: null, a: Array<{ address: string; family: number }>) => void)(null, [{ address: '127.0.0.1', family: 4 }]);
      else callback(null, '127.0.0.1', 4);
    };
    const c = record(`ws://made-up-name.test:${port}/`, null, { net: { lookup } });
    const peer = await server.nextPeer();
    await c.opened;
    expect(asked).toEqual(['made-up-name.test']);
    expect(peer.request.headers.host).toBe(`made-up-name.test:${port}`);
  });
});

describe('handshakeTimeout', () => {
  test('a server that accepts TCP and never answers: error WS_ERR_HANDSHAKE_TIMEOUT, close 1006, socket dropped', async () => {
    const server = await rawServer(() => undefined);
    const started = Date.now();
    const c = record(server.url, null, { handshakeTimeout: 0.3 });
    await server.accepted(1);
    const dropped = nextEvent(server.sockets[0]!, 'close', 'the client to drop the socket');
    const event = await c.closed;
    const elapsed = Date.now() - started;
    expect([event.code, event.wasClean]).toEqual([1006, false]);
    expect(c.log).toEqual(['error', 'close']);
    expect(c.errors.map((e) => [e.name, e.code])).toEqual([['ConnectionError', 'WS_ERR_HANDSHAKE_TIMEOUT']]);
    expect(elapsed).toBeGreaterThanOrEqual(290);
    expect(elapsed).toBeLessThan(3000);
    await dropped;
  });

  test('a server that trickles its response one byte at a time is still timed out (a deadline, not an idle timer)', async () => {
    const response = 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nX-Padding: ' + 'x'.repeat(200) + '\r\n\r\n';
    const timers = new Set<NodeJS.Timeout>();
    onCleanup(() => timers.forEach((t) => clearInterval(t)));
    const server = await rawServer((_request, socket) => {
      let at = 0;
      const timer = setInterval(() => {
        if (socket.destroyed || at >= response.length) return clearInterval(timer);
        socket.write(response[at++]!);
      }, 50);
      timers.add(timer);
    });
    const started = Date.now();
    const c = record(server.url, null, { handshakeTimeout: 0.5 });
    const event = await c.closed;
    expect(event.code).toBe(1006);
    expect(c.errors.map((e) => e.code)).toEqual(['WS_ERR_HANDSHAKE_TIMEOUT']);
    expect(Date.now() - started).toBeLessThan(3000);
  });

  test('a handshake that completes in time is not disturbed later by the timer', async () => {
    const url = await echoUrl();
    const c = record(url, null, { handshakeTimeout: 0.2 });
    await c.opened;
    // Wait past the deadline with a round trip that outlasts it.
    await new Promise((resolve) => setTimeout(resolve, 300));
    c.client.send('still here');
    expect(await c.nextMessage()).toBe('still here');
    expect(c.errors).toEqual([]);
    expect(c.client.readyState).toBe(Client.OPEN);
  });

  test.each([0, -1, Number.NaN, Infinity])('handshakeTimeout %p is refused with an ArgumentError', (value) => {
    expect(() => new Client('ws://127.0.0.1:1/', null, { handshakeTimeout: value })).toThrow(
      expect.objectContaining({ name: 'ArgumentError', code: 'ERR_INVALID_OPTION' }),
    );
  });
});

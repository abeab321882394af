/**
 * The server's opening handshake as seen by a session: the `headers` option in the 101
 * response (and its refusal of CR/LF), and the `origins` policy.
 */
import type { IncomingMessage } from 'node:http';
import type * as net from 'node:net';
import {
  ArgumentError,
  CloseEvent,
  ErrorCode,
  HandshakeError,
  WebSocket,
  type WebSocketOptions,
} from '../../src/index.js';
import {
  cleanup,
  connectPair,
  nextEmit,
  rawExchange,
  startServer,
  upgradeRequest,
  wsClient,
} from './helpers.js';

afterEach(cleanup);

describe('the headers option', () => {
  test('extra headers appear in the 101 response, repeated values as repeated headers', async () => {
    const server = await startServer({
      options: { headers: { 'X-Server': 'hatchway', 'Set-Cookie': ['a=1', 'b=2'], 'X-Count': 3 } },
    });
    const client = wsClient(server.url);
    const opened = nextEmit(client, 'open');
    const [response] = await nextEmit<[IncomingMessage]>(client, 'upgrade');
    expect(response.statusCode).toBe(101);
    expect(response.headers['x-server']).toBe('hatchway');
    expect(response.headers['set-cookie']).toEqual(['a=1', 'b=2']);
    expect(response.headers['x-count']).toBe('3');
    await opened;
  });

  test.each([
    ['CR LF', 'ok\r\nX-Injected: 1'],
    ['a lone LF', 'ok\nX-Injected: 1'],
    ['a lone CR', 'ok\rX-Injected: 1'],
  ])('a value with %s: the constructor throws ArgumentError and destroys the socket', async (_name, value) => {
    const outcomes: Array<{ error: unknown; destroyed: boolean }> = [];
    const server = await startServer({
      upgrade: (req, socket, head) => {
        try {
          return new WebSocket(req, socket, head, null, { headers: { 'X-Bad': value } });
        } catch (error) {
          outcomes.push({ error, destroyed: socket.destroyed });
          return null;
        }
      },
    });
    // The client gets nothing at all: no 101, no injected header; the connection just ends.
    const { bytes } = await rawExchange(server.port, upgradeRequest(server.port));
    expect(bytes.toString('latin1')).toBe('');
    expect(outcomes).toHaveLength(1);
    expect(outcomes[0]!.error).toBeInstanceOf(ArgumentError);
    expect((outcomes[0]!.error as ArgumentError).code).toBe('ERR_INVALID_HEADER');
    expect(outcomes[0]!.destroyed).toBe(true);
  });

  test('a header the handshake owns, or a bad header name, is refused the same way', async () => {
    const errors: unknown[] = [];
    const sockets: net.Socket[] = [];
    const bad: WebSocketOptions['headers'][] = [{ 'Sec-WebSocket-Accept': 'x' }, { 'Bad Name': 'x' }];
    const server = await startServer({
      upgrade: (req, socket, head) => {
        sockets.push(socket);
        try {
          return new WebSocket(req, socket, head, null, { headers: bad[errors.length] });
        } catch (error) {
          errors.push(error);
          return null;
        }
      },
    });
    for (let i = 0; i < bad.length; i++) {
      const { bytes } = await rawExchange(server.port, upgradeRequest(server.port));
      expect(bytes.length).toBe(0);
    }
    expect(errors.map((error) => [error instanceof ArgumentError, (error as ArgumentError).code])).toEqual([
      [true, 'ERR_INVALID_HEADER'],
      [true, 'ERR_INVALID_HEADER'],
    ]);
    expect(sockets.map((socket) => socket.destroyed)).toEqual([true, true]);
  });

  test('invalid session options throw ArgumentError and destroy the socket too', async () => {
    const outcomes: Array<[unknown, boolean]> = [];
    const server = await startServer({
      upgrade: (req, socket, head) => {
        try {
          return new WebSocket(req, socket, head, null, { ping: -1 });
        } catch (error) {
          outcomes.push([error, socket.destroyed]);
          return null;
        }
      },
    });
    const { bytes } = await rawExchange(server.port, upgradeRequest(server.port));
    expect(bytes.length).toBe(0);
    expect(outcomes).toHaveLength(1);
    expect(outcomes[0]![0]).toBeInstanceOf(ArgumentError);
    expect(outcomes[0]![1]).toBe(true);
  });
});

describe('the origins option', () => {
  test("origins: ['http://good'] lets http://good in", async () => {
    const server = await startServer({ options: { origins: ['http://good'] } });
    const { ws } = await connectPair(server, '/', undefined, { origin: 'http://good' });
    expect(ws.readyState).toBe(WebSocket.OPEN);
  });

  test("origins: ['http://good'] answers a ws client with Origin http://evil with 403", async () => {
    const server = await startServer({ options: { origins: ['http://good'] } });
    const client = wsClient(server.url, undefined, { origin: 'http://evil' });
    const [, response] = await nextEmit<[unknown, IncomingMessage]>(client, 'unexpected-response');
    expect(response.statusCode).toBe(403);
    const ws = await server.accept();
    expect(ws.readyState).toBe(WebSocket.CLOSED);
  });

  test('the refusal: error HandshakeError WS_ERR_HANDSHAKE_ORIGIN (403), then close 1006; a full HTTP response, then the connection closes', async () => {
    const events: Array<[string, unknown]> = [];
    const server = await startServer({
      options: { origins: ['http://good'] },
      setup: (ws) => {
        ws.on('open', () => events.push(['open', null]));
        ws.on('error', (event) => events.push(['error', event.error]));
        ws.on('close', (event) => events.push(['close', event]));
      },
    });
    const { bytes } = await rawExchange(server.port, upgradeRequest(server.port, { Origin: 'http://evil' }));
    const text = bytes.toString('latin1');
    expect(text.startsWith('HTTP/1.1 403 Forbidden\r\n')).toBe(true);
    const [head, body] = text.split('\r\n\r\n') as [string, string];
    expect(head).toMatch(/\r\nConnection: close(\r\n|$)/i);
    expect(Number(/\r\nContent-Length: (\d+)/i.exec(head)?.[1])).toBe(Buffer.byteLength(body));
    expect(head).not.toMatch(/Sec-WebSocket-Accept/i);

    expect(events.map(([type]) => type)).toEqual(['error', 'close']);
    const error = events[0]![1] as HandshakeError;
    expect(error).toBeInstanceOf(HandshakeError);
    expect([error.code, error.statusCode]).toEqual([ErrorCode.HANDSHAKE_ORIGIN, 403]);
    const close = events[1]![1] as CloseEvent;
    expect([close.code, close.wasClean]).toEqual([1006, false]);
  });

  test('no Origin header at all is refused by a list policy', async () => {
    const server = await startServer({ options: { origins: ['http://good'] } });
    const { bytes } = await rawExchange(server.port, upgradeRequest(server.port));
    expect(bytes.toString('latin1').startsWith('HTTP/1.1 403 ')).toBe(true);
  });

  test('a predicate policy sees the origin and the request', async () => {
    const seen: Array<[string | undefined, string | undefined]> = [];
    const server = await startServer({
      options: {
        origins: (origin, request) => {
          seen.push([origin, request.url]);
          return origin === 'http://ok';
        },
      },
    });
    const { ws } = await connectPair(server, '/p?q=1', undefined, { origin: 'http://ok' });
    expect(ws.readyState).toBe(WebSocket.OPEN);
    const { bytes } = await rawExchange(server.port, upgradeRequest(server.port, { Origin: 'http://nope' }));
    expect(bytes.toString('latin1').startsWith('HTTP/1.1 403 ')).toBe(true);
    expect(seen).toEqual([
      ['http://ok', '/p?q=1'],
      ['http://nope', '/'],
    ]);
  });
});

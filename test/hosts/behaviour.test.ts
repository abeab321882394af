/**
 * One behaviour suite, run against every host on real loopback sockets: upgrades go through
 * the app's own middleware and routing before the handshake.
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import * as net from 'node:net';
import request from 'supertest';
import WS from 'ws';
import { HOSTS, type RunningHost } from './hosts.js';

const BOUND_MS = 5000;

function within<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), BOUND_MS);
    }),
  ]);
}

interface Opened {
  client: WS;
  first: Promise<string>;
}

/** Connects; resolves on open, rejects with the HTTP status when the upgrade is refused. */
function open(port: number, path: string, options: WS.ClientOptions & { protocols?: string[] } = {}): Promise<Opened> {
  return within(
    new Promise((resolve, reject) => {
      const client = new WS(`ws://127.0.0.1:${port}${path}`, options.protocols ?? [], options);
      const first = new Promise<string>((res) => client.once('message', (data) => res(data.toString())));
      client.once('open', () => resolve({ client, first }));
      client.once('unexpected-response', (_req, res) => {
        const socket = res.socket;
        const ended = new Promise((done) => socket.once('close', done));
        reject(Object.assign(new Error(`status ${res.statusCode}`), { status: res.statusCode, headers: res.headers, ended }));
        res.resume();
      });
      client.once('error', reject);
    }),
    `${path} to open`,
  );
}

function closeOf(client: WS): Promise<number> {
  return within(new Promise((resolve) => client.once('close', (code) => resolve(code))), 'close');
}

describe.each(HOSTS)('$name', (host) => {
  let running: RunningHost;
  const clients: WS[] = [];
  beforeEach(async () => {
    running = await host.start();
  });
  afterEach(async () => {
    for (const client of clients.splice(0)) client.terminate();
    await running.close();
  });
  const track = (opened: Opened): Opened => {
    clients.push(opened.client);
    return opened;
  };

  test('echoes and negotiates the subprotocol in the client order', async () => {
    const { client } = track(await open(running.port, '/echo', { protocols: ['superchat', 'chat'] }));
    expect(client.protocol).toBe('superchat');
    const echoed = new Promise((resolve) => client.once('message', (data, isBinary) => resolve([data.toString(), isBinary])));
    client.send('hello');
    expect(await within(echoed, 'echo')).toEqual(['hello', false]);
  });

  test('an auth middleware answers the upgrade with a real 401 and the socket is closed', async () => {
    const error = await open(running.port, '/echo', { headers: { 'x-deny': '1' } }).catch((e: { status: number; headers: Record<string, string>; ended: Promise<void> }) => e);
    expect(error).toMatchObject({ status: 401, headers: { 'www-authenticate': 'Bearer', connection: 'close' } });
    await within((error as unknown as { ended: Promise<void> }).ended, 'the refused socket to close');
  });

  test('origins refuses other origins with 403', async () => {
    await expect(open(running.port, '/origin', { origin: 'http://evil.example' })).rejects.toMatchObject({ status: 403 });
    const { client } = track(await open(running.port, '/origin', { origin: 'http://good.example' }));
    expect(client.readyState).toBe(WS.OPEN);
  });

  test('route parameters reach the handler', async () => {
    const { first } = track(await open(running.port, '/rooms/lobby'));
    expect(await within(first, 'the greeting')).toBe('room:lobby');
  });

  test('an unmatched path gets the framework 404 and no handshake', async () => {
    await expect(open(running.port, '/nowhere')).rejects.toMatchObject({ status: 404 });
  });

  test.each(['/throw', '/reject'])('a handler failing at %s closes with 1011 and reaches error handling', async (path) => {
    const { client } = track(await open(running.port, path));
    expect(await closeOf(client)).toBe(1011);
    expect(running.errors).toHaveLength(1);
    expect(String(running.errors[0])).toMatch(/handler (failed|rejected)/);
  });

  test('a non-WebSocket upgrade (h2c) is answered over HTTP and closed', async () => {
    const socket = net.connect(running.port, '127.0.0.1');
    socket.write('GET /http HTTP/1.1\r\nHost: x\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n\r\n');
    let response = '';
    socket.on('data', (chunk: Buffer) => (response += chunk.toString()));
    await within(new Promise((resolve) => socket.once('close', resolve)), 'the h2c socket to close');
    expect(response).toMatch(/^HTTP\/1\.1 200 /);
    expect(response).toMatch(/"isWebSocket":false/);
  });

  test('plain HTTP routes work and are marked', async () => {
    const plain = await request(running.server).get('/http');
    expect(plain.status).toBe(200);
    expect(plain.body).toEqual({ isWebSocket: false, isEventSource: false });
    const stream = await request(running.server).get('/http').set('Accept', 'text/event-stream');
    expect(stream.body).toEqual({ isWebSocket: false, isEventSource: true });
  });

  test('a client that resets its open socket reaches none of the framework\'s error handling', async () => {
    const { client } = track(await open(running.port, '/echo'));
    const echoed = new Promise((resolve) => client.once('message', resolve));
    client.send('up');
    await within(echoed, 'echo');
    const serverClosed = new Promise<{ code: number }>((resolve) => {
      const onClose = (message: unknown): void => {
        unsubscribe('hatchway:websocket:close', onClose);
        resolve(message as { code: number });
      };
      subscribe('hatchway:websocket:close', onClose);
    });
    (client as unknown as { _socket: net.Socket })._socket.resetAndDestroy();
    expect((await within(serverClosed, 'the server session to close')).code).toBe(1006);
    // Whatever listens to the socket's error (Koa's on-finished, for one) ran before its close.
    await new Promise((resolve) => setImmediate(resolve));
    expect(running.errors).toEqual([]);
  });

  test('closing the server closes live sockets with 1001 and completes', async () => {
    const { client } = track(await open(running.port, '/echo'));
    const closed = closeOf(client);
    const serverClosed = running.close();
    expect(await closed).toBe(1001);
    await within(serverClosed, 'server.close()');
    running = await host.start();
  });
});

/**
 * A plain `node:http2` server without `attach()`: the documented calls. The server enables extended
 * CONNECT itself; `WebSocket.isWebSocket(req)` tells a WebSocket's CONNECT from others, and
 * `new WebSocket(req, req.stream, null, protocols, options)` runs the session on the stream, from the
 * compat API's `'connect'` event or from the core API's `'stream'` event (`{ headers }` as the request).
 */
import * as http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { WebSocket } from '../../src/index.js';
import { closed, connectSession, extendedConnect, nextMessage, openWebSocket } from './h2-peer.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function listen(server: http2.Http2Server): Promise<http2.ClientHttp2Session> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const session = await connectSession(`http://localhost:${(server.address() as AddressInfo).port}`);
  cleanups.push(() => { session.destroy(); });
  return session;
}

function echo(ws: WebSocket): void {
  ws.on('message', (event) => ws.send(event.data));
}

test("compat API: 'connect' with WebSocket.isWebSocket(req) and new WebSocket(req, req.stream)", async () => {
  // The compat API (and so its 'connect' event) is on once there is a 'request' listener.
  const server = http2.createServer({ settings: { enableConnectProtocol: true } }, (_req, res) => res.end('page'));
  const seen: string[] = [];
  server.on('connect', (req, res) => {
    if (!WebSocket.isWebSocket(req)) {
      res.writeHead(405).end();
      return;
    }
    const ws = new WebSocket(req, req.stream, null, ['chat']);
    seen.push(`${ws.url} ${ws.protocol}`);
    echo(ws);
  });
  const session = await listen(server);
  const { ws, answer } = await openWebSocket(session, '/plain', { 'sec-websocket-protocol': 'chat' });
  expect(answer.headers['sec-websocket-protocol']).toBe('chat');
  ws.send('plain');
  expect((await nextMessage(ws)).data.toString()).toBe('plain');
  expect(seen).toEqual([`ws://${new URL(`http://localhost:${(server.address() as AddressInfo).port}`).host}/plain chat`]);
  const done = closed(ws);
  ws.close(1000);
  expect((await done).code).toBe(1000);
});

test("core API: 'stream' with the headers as the request", async () => {
  const server = http2.createServer({ settings: { enableConnectProtocol: true } });
  server.on('stream', (stream, headers) => {
    const request = { method: headers[':method'], url: headers[':path'], headers, httpVersionMajor: 2, httpVersionMinor: 0 };
    if (!WebSocket.isWebSocket(request)) {
      stream.respond({ ':status': 404 }, { endStream: true });
      return;
    }
    echo(new WebSocket(request, stream));
  });
  const session = await listen(server);
  const { ws } = await openWebSocket(session, '/core');
  ws.send(Buffer.from([1, 2, 3]));
  expect(await nextMessage(ws)).toEqual({ data: Buffer.from([1, 2, 3]), isBinary: true });
  // A bad handshake on a stream is refused on that stream, with its status.
  expect(await extendedConnect(session, '/core', { 'sec-websocket-version': '12' })).toMatchObject({ status: 426 });
});

test('a stream the client does not read: send() reports the backlog, bufferedAmount counts it, maxBuffered drops the socket', async () => {
  const server = http2.createServer({ settings: { enableConnectProtocol: true } });
  let socket: WebSocket | undefined;
  const events: string[] = [];
  server.on('stream', (stream, headers) => {
    socket = new WebSocket({ method: 'CONNECT', headers, httpVersionMajor: 2, httpVersionMinor: 0 }, stream, null, null, { maxBuffered: 4 << 20 });
    socket.on('error', (event) => events.push(`error ${(event as unknown as { error: { code: string } }).error.code}`));
    socket.on('close', (event) => events.push(`close ${event.code}`));
  });
  const session = await listen(server);
  const { stream } = await openWebSocket(session, '/flood');
  stream.pause();
  // Only an HTTP/2 flow-control window (64 KiB by default) goes out; the rest waits in the session.
  const chunk = Buffer.alloc(64 * 1024);
  let accepted = true;
  let sent = 0;
  while (accepted && sent < 100) {
    accepted = socket!.send(chunk);
    sent++;
  }
  expect(accepted).toBe(false);
  await new Promise((resolve) => setImmediate(resolve));
  expect(socket!.bufferedAmount).toBeGreaterThan(0);
  const gone = new Promise<void>((resolve) => socket!.once('close', () => resolve()));
  while (socket!.readyState === socket!.OPEN) socket!.send(chunk);
  await gone;
  // As over TCP: the overflow fails the connection, reported with 1008 (policy violation).
  expect(events).toEqual(['error WS_ERR_BUFFER_OVERFLOW', 'close 1008']);
});

/**
 * WebSockets over HTTP/2 (RFC 8441) on attached apps: Koa (on http2's compat API), a Connect app,
 * Express (through the compat bridge) and a plain listener, on h2c and on TLS with `allowHTTP1`.
 * The peer is Node's own http2 client sending the extended CONNECT, with `ws` speaking the frames.
 */
import * as http from 'node:http';
import * as http2 from 'node:http2';
import * as net from 'node:net';
import type { AddressInfo } from 'node:net';
import * as tls from 'node:tls';
import Koa from 'koa';
import connect from 'connect';
import express from 'express';
import WebSocketClient from 'ws';
import { attach as attachKoa, websocket as koaWebsocket } from '../../adapters/koa.js';
import { attach, websocket } from '../../adapters/index.js';
import { websocket as connectWebsocket } from '../../adapters/connect.js';
import { websocket as expressWebsocket } from '../../adapters/express.js';
import { permessageDeflate, type WebSocket } from '../../src/index.js';
import { certificatesForFile } from '../client/tls-fixtures.js';
import { closed, connectSession, extendedConnect, isOpened, nextMessage, openWebSocket } from './h2-peer.js';

jest.setTimeout(15_000);

const certs = certificatesForFile();

interface Running {
  origin: string;
  server: http2.Http2Server | http2.Http2SecureServer;
  /** Sessions the handler was given, in order. */
  sockets: WebSocket[];
}

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

type Handler = (ws: WebSocket) => void;
const echo: Handler = (ws) => ws.on('message', (event) => ws.send(event.data));

/** An auth check the app runs first: `authorization: let-me-in` or 401. */
type Kind = 'koa' | 'connect' | 'express' | 'node';

function makeServer(secure: boolean): http2.Http2Server | http2.Http2SecureServer {
  return secure
    ? http2.createSecureServer({ key: certs.server.private, cert: certs.server.cert, allowHTTP1: true })
    : http2.createServer();
}

async function start(kind: Kind, secure: boolean, handler: Handler = echo, options = {}): Promise<Running> {
  const sockets: WebSocket[] = [];
  const onSocket = (ws: WebSocket): void => {
    sockets.push(ws);
    handler(ws);
  };
  const server = makeServer(secure);
  if (kind === 'koa') {
    const app = new Koa();
    app.use(async (ctx, next) => {
      if (ctx.get('authorization') !== 'let-me-in') ctx.throw(401, 'who are you?');
      await next();
    });
    app.use(koaWebsocket((ws) => onSocket(ws), { path: '/chat', ...options }));
    server.on('request', app.callback());
    attachKoa(server, app);
  } else if (kind === 'connect' || kind === 'express') {
    const app = kind === 'connect' ? connect() : express();
    app.use((req: http.IncomingMessage, res: http.ServerResponse, next: (error?: unknown) => void) => {
      if (req.headers.authorization === 'let-me-in') return next();
      res.statusCode = 401;
      res.end('who are you?');
    });
    if (kind === 'express') (app as express.Express).get('/chat', expressWebsocket((ws) => onSocket(ws), options));
    else (app as connect.Server).use('/chat', connectWebsocket((ws) => onSocket(ws), options) as connect.NextHandleFunction);
    server.on('request', app as unknown as (req: http2.Http2ServerRequest, res: http2.Http2ServerResponse) => void);
    attach(server, app as unknown as Parameters<typeof attach>[1]);
  } else {
    const chat = websocket((ws) => onSocket(ws), options);
    const app = (req: http.IncomingMessage, res: http.ServerResponse): void => {
      if (req.headers.authorization !== 'let-me-in') {
        res.statusCode = 401;
        res.end('who are you?');
      } else if (req.url === '/chat') chat(req, res, () => res.writeHead(500).end());
      else res.writeHead(404).end();
    };
    server.on('request', app as unknown as (req: http2.Http2ServerRequest, res: http2.Http2ServerResponse) => void);
    attach(server, app);
  }
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { origin: `${secure ? 'https' : 'http'}://localhost:${port}`, server, sockets };
}

async function session(running: Running): Promise<http2.ClientHttp2Session> {
  const s = await connectSession(running.origin, { ca: certs.ca.cert });
  cleanups.push(() => {
    s.destroy();
  });
  return s;
}

const AUTH = { authorization: 'let-me-in' };

describe.each<[Kind, boolean]>([
  ['koa', false], ['koa', true], ['connect', false], ['connect', true], ['express', false], ['express', true], ['node', false], ['node', true],
])('%s, TLS %s', (kind, secure) => {
  test('advertises extended CONNECT and echoes text, binary, 1 MiB and fragmented messages', async () => {
    const running = await start(kind, secure);
    const s = await session(running);
    expect(s.remoteSettings.enableConnectProtocol).toBe(true);
    const { ws, answer } = await openWebSocket(s, '/chat', AUTH);
    expect(answer.status).toBe(200);
    expect(running.sockets).toHaveLength(1);
    expect(running.sockets[0]!.url).toBe(`${secure ? 'wss' : 'ws'}://${new URL(running.origin).host}/chat`);

    ws.send('hello');
    expect(await nextMessage(ws)).toEqual({ data: Buffer.from('hello'), isBinary: false });
    ws.send(Buffer.from([0, 1, 2, 255]));
    expect(await nextMessage(ws)).toEqual({ data: Buffer.from([0, 1, 2, 255]), isBinary: true });
    const big = Buffer.alloc(1 << 20, 7);
    ws.send(big);
    expect((await nextMessage(ws)).data.equals(big)).toBe(true);
    ws.send('frag', { fin: false });
    ws.send('ment', { fin: true });
    expect((await nextMessage(ws)).data.toString()).toBe('fragment');

    const pong = new Promise<Buffer>((resolve) => ws.once('pong', resolve));
    ws.ping('are you there');
    expect((await pong).toString()).toBe('are you there');

    const serverClose = new Promise<{ code: number; reason: string; wasClean: boolean }>((resolve) =>
      running.sockets[0]!.once('close', (event) => resolve({ code: event.code, reason: event.reason, wasClean: event.wasClean })),
    );
    const clientClose = closed(ws);
    ws.close(4001, 'bye');
    // The server answers with the code alone, as over TCP (RFC 6455 §5.5.1 leaves the reason optional).
    expect(await clientClose).toEqual({ code: 4001, reason: '' });
    expect(await serverClose).toEqual({ code: 4001, reason: 'bye', wasClean: true });
  });

  test("the app's own refusal is the stream's response: 401 with its body, nothing opened", async () => {
    const running = await start(kind, secure);
    const s = await session(running);
    const result = await extendedConnect(s, '/chat');
    expect(isOpened(result)).toBe(false);
    expect(result).toMatchObject({ status: 401 });
    expect(running.sockets).toHaveLength(0);
    // The session is still good for a WebSocket that passes.
    const { ws } = await openWebSocket(s, '/chat', AUTH);
    ws.send('still here');
    expect((await nextMessage(ws)).data.toString()).toBe('still here');
  });

  test('two WebSockets on one HTTP/2 connection, each its own session; the server closes one', async () => {
    const running = await start(kind, secure);
    let connections = 0;
    running.server.on('session', () => connections++);
    const s = await session(running);
    const [a, b] = await Promise.all([openWebSocket(s, '/chat', AUTH), openWebSocket(s, '/chat', AUTH)]);
    const replies = Promise.all([nextMessage(a.ws), nextMessage(b.ws)]);
    a.ws.send('to a');
    b.ws.send('to b');
    expect((await replies).map((m) => m.data.toString())).toEqual(['to a', 'to b']);
    expect(connections).toBe(1);
    expect(running.sockets).toHaveLength(2);

    const aClosed = closed(a.ws);
    running.sockets[0]!.close(1000, 'enough');
    expect(await aClosed).toEqual({ code: 1000, reason: 'enough' });
    b.ws.send('b goes on');
    expect((await nextMessage(b.ws)).data.toString()).toBe('b goes on');
  });

  test('a dropped HTTP/2 connection closes every WebSocket on it with 1006, once', async () => {
    const running = await start(kind, secure);
    let tcp: net.Socket | undefined;
    const s = await connectSession(running.origin, {
      ca: certs.ca.cert,
      createConnection: (url: URL) => {
        const options = { host: '127.0.0.1', port: Number(url.port) };
        tcp = secure ? tls.connect({ ...options, servername: 'localhost', ca: certs.ca.cert, ALPNProtocols: ['h2'] }) : net.connect(options);
        return tcp;
      },
    });
    cleanups.push(() => { s.destroy(); });
    await Promise.all([openWebSocket(s, '/chat', AUTH), openWebSocket(s, '/chat', AUTH)]);
    const codes: number[][] = running.sockets.map(() => []);
    const allClosed = Promise.all(
      running.sockets.map((ws, i) => new Promise<void>((resolve) => ws.on('close', (event) => { codes[i]!.push(event.code); resolve(); }))),
    );
    tcp!.destroy();
    await allClosed;
    await new Promise((resolve) => setImmediate(resolve));
    expect(codes).toEqual([[1006], [1006]]);
  });
});

describe('on one server', () => {
  test('HTTP/1.1 upgrades keep working beside HTTP/2 streams (allowHTTP1)', async () => {
    const running = await start('koa', true);
    const port = new URL(running.origin).port;
    const h1 = new WebSocketClient(`wss://localhost:${port}/chat`, { ca: certs.ca.cert, headers: AUTH });
    cleanups.push(() => h1.terminate());
    await new Promise((resolve, reject) => { h1.once('open', resolve); h1.once('error', reject); });
    h1.send('over 1.1');
    const [data] = await new Promise<[Buffer]>((resolve) => h1.once('message', (d: Buffer) => resolve([d])));
    expect(data.toString()).toBe('over 1.1');
    const s = await session(running);
    const { ws } = await openWebSocket(s, '/chat', AUTH);
    ws.send('over 2');
    expect((await nextMessage(ws)).data.toString()).toBe('over 2');
  });

  test('a server that was not attached does not advertise extended CONNECT', async () => {
    const server = http2.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const s = await connectSession(`http://localhost:${(server.address() as AddressInfo).port}`);
    cleanups.push(() => { s.destroy(); });
    expect(s.remoteSettings.enableConnectProtocol).toBe(false);
  });

  test('an app that answers a WebSocket request as an ordinary one (200) sends 404: the client never takes a page for frames', async () => {
    const server = http2.createServer();
    const app = connect();
    app.use((_req: http.IncomingMessage, res: http.ServerResponse) => res.end('<html>a catch-all page</html>'));
    server.on('request', app as unknown as (req: http2.Http2ServerRequest, res: http2.Http2ServerResponse) => void);
    attach(server, app as unknown as Parameters<typeof attach>[1]);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const s = await connectSession(`http://localhost:${(server.address() as AddressInfo).port}`);
    cleanups.push(() => { s.destroy(); });
    const result = await extendedConnect(s, '/anything');
    expect(result).toMatchObject({ status: 404 });
  });

  test('version, origin and subprotocol are checked as over HTTP/1.1; deflate is negotiated', async () => {
    const running = await start('node', false, echo, {
      protocols: ['chat'], origins: ['https://good.example'], extensions: [permessageDeflate()],
    });
    const s = await session(running);
    expect(await extendedConnect(s, '/chat', { ...AUTH, 'sec-websocket-version': '8', origin: 'https://good.example' })).toMatchObject({
      status: 426, headers: { 'sec-websocket-version': '13' },
    });
    expect(await extendedConnect(s, '/chat', { ...AUTH, origin: 'https://evil.example' })).toMatchObject({ status: 403 });
    const { answer } = await openWebSocket(s, '/chat', {
      ...AUTH, origin: 'https://good.example', 'sec-websocket-protocol': 'other, chat', 'sec-websocket-extensions': 'permessage-deflate',
    });
    expect(answer.headers['sec-websocket-protocol']).toBe('chat');
    expect(answer.headers['sec-websocket-extensions']).toBe('permessage-deflate');
    expect(running.sockets[0]!.protocol).toBe('chat');
  });
});

/**
 * The client over HTTP/2 against hatchway's own server side: `attach(http2.createSecureServer(...),
 * app)` with an Express app and a Koa app. The app's middleware sees the CONNECT (a 401 from it is
 * the client's `statusCode`), permessage-deflate is negotiated by the real extension on both ends,
 * clients share one session, an HTTP/1.1 client reaches the same server (`allowHTTP1`), and
 * `server.close()` closes every WebSocket with 1001.
 */
import * as http2 from 'node:http2';
import type { AddressInfo, Socket } from 'node:net';
import express from 'express';
import Koa from 'koa';
import { attach } from '../../adapters/index.js';
import { websocket as expressWebsocket } from '../../adapters/express.js';
import { attach as attachKoa, websocket as koaWebsocket } from '../../adapters/koa.js';
import { permessageDeflate, type WebSocket } from '../../src/index.js';
import { onCleanup, openClient, record, within } from '../client/helpers.js';
import { clientHttp2Suite } from './suite.js';

const suite = clientHttp2Suite();

interface Running {
  server: http2.Http2SecureServer;
  origin: string;
  sockets: WebSocket[];
  connections(): number;
}

/** Echo at /chat behind an auth check (`authorization: let-me-in`, else 401), deflate accepted. */
async function start(kind: 'express' | 'koa'): Promise<Running> {
  const sockets: WebSocket[] = [];
  const onSocket = (ws: WebSocket): void => {
    sockets.push(ws);
    ws.on('message', (event) => ws.send(event.data));
  };
  const options = { protocols: ['chat'], extensions: [permessageDeflate({ threshold: 0 })] };
  const server = http2.createSecureServer({ key: suite.certs.server.private, cert: suite.certs.server.cert, allowHTTP1: true });
  if (kind === 'express') {
    const app = express();
    app.use((req, res, next) => (req.get('authorization') === 'let-me-in' ? next() : void res.status(401).send('who are you?')));
    app.get('/chat', expressWebsocket(onSocket, options));
    server.on('request', app as unknown as (req: http2.Http2ServerRequest, res: http2.Http2ServerResponse) => void);
    attach(server, app as unknown as Parameters<typeof attach>[1]);
  } else {
    const app = new Koa();
    app.use(async (ctx, next) => {
      if (ctx.get('authorization') !== 'let-me-in') ctx.throw(401, 'who are you?');
      await next();
    });
    app.use(koaWebsocket(onSocket, { path: '/chat', ...options }));
    server.on('request', app.callback());
    attachKoa(server, app);
  }
  let connections = 0;
  const tcpSockets: Socket[] = [];
  server.on('connection', (socket: Socket) => {
    connections++;
    tcpSockets.push(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onCleanup(
    () =>
      new Promise<void>((resolve) => {
        if (!server.listening) return resolve();
        server.close(() => resolve());
        tcpSockets.forEach((socket) => socket.destroy());
      }),
  );
  return { server, origin: `wss://localhost:${(server.address() as AddressInfo).port}`, sockets, connections: () => connections };
}

const AUTH = { headers: { Authorization: 'let-me-in' } };

describe.each(['express', 'koa'] as const)('%s app on an attached http2 secure server', (kind) => {
  test('echo over HTTP/2 with the subprotocol and permessage-deflate negotiated; two clients share one connection', async () => {
    const running = await start(kind);
    const options = { http2: true, tls: { rootCertFile: suite.certs.caFile }, extensions: [permessageDeflate()], ...AUTH };
    const a = await openClient(`${running.origin}/chat`, ['chat'], options);
    const b = await openClient(`${running.origin}/chat`, ['chat'], options);
    expect([a.client.statusCode, a.client.protocol]).toEqual([200, 'chat']);
    expect(a.client.extensions).toMatch(/^permessage-deflate/);
    expect(running.sockets[0]!.extensions).toMatch(/^permessage-deflate/);
    const big = 'a compressible line\n'.repeat(50_000);
    a.client.send(big);
    b.client.send(Buffer.from([1, 2, 3]));
    expect(await a.nextMessage()).toBe(big);
    expect(await b.nextMessage()).toEqual(Buffer.from([1, 2, 3]));
    expect(running.connections()).toBe(1);
    a.client.close(4000, 'done');
    expect(await a.closed).toMatchObject({ code: 4000, wasClean: true });
    b.client.close();
    expect((await b.closed).wasClean).toBe(true);
  });

  test("the app's 401 is the client's statusCode; an HTTP/1.1 client reaches the same server", async () => {
    const running = await start(kind);
    const refused = record(`${running.origin}/chat`, null, { http2: true, tls: { rootCertFile: suite.certs.caFile } });
    const event = await refused.closed;
    expect(event.code).toBe(1006);
    expect(refused.errors.map((e) => [e.code, e.statusCode])).toEqual([['WS_ERR_HANDSHAKE_STATUS', 401]]);
    expect(refused.client.statusCode).toBe(401);
    const http1 = await openClient(`${running.origin}/chat`, ['chat'], { tls: { rootCertFile: suite.certs.caFile }, ...AUTH });
    expect(http1.client.statusCode).toBe(101);
    http1.client.send('over HTTP/1.1');
    expect(await http1.nextMessage()).toBe('over HTTP/1.1');
    http1.client.close();
    await http1.closed;
  });

  test('server.close() closes every WebSocket on the session with 1001', async () => {
    const running = await start(kind);
    const options = { http2: true, tls: { rootCertFile: suite.certs.caFile }, ...AUTH };
    const clients = await Promise.all(Array.from({ length: 4 }, () => openClient(`${running.origin}/chat`, null, options)));
    const serverClosed = within(new Promise<void>((resolve) => running.server.close(() => resolve())), 'the server to close');
    for (const c of clients) expect(await c.closed).toMatchObject({ code: 1001, wasClean: true });
    await serverClosed;
  });
});

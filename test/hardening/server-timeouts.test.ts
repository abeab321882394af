/**
 * `createServer()` and `listen()` (node/Connect/Express and Koa) make servers whose slow or silent
 * connections are cut: the configured values on the created server, then the behaviour on loopback
 * sockets with small values so that the tests stay fast (with the real defaults, 20 s checked every
 * 5 s, both are cut 20-25 s after connecting). Event streams and WebSockets outlive both timeouts.
 */
import * as http from 'node:http';
import * as net from 'node:net';
import type { AddressInfo } from 'node:net';
import WS from 'ws';
import * as nodeAdapter from '../../adapters/express.js';
import * as koaAdapter from '../../adapters/koa.js';
import type { CreateServerOptions, EventSource, WebSocket } from '../../adapters/index.js';
import { silentConnection, trickledHandshake } from './probes.js';

/* eslint-disable @typescript-eslint/no-require-imports */
const express = require('express') as typeof import('express');
const Koa = require('koa') as typeof import('koa');
/* eslint-enable @typescript-eslint/no-require-imports */

function echo(ws: WebSocket): void {
  ws.on('message', (event) => ws.send(event.data));
}
function ticking(es: EventSource): void {
  const timer = setInterval(() => es.send('tick'), 100);
  es.on('close', () => clearInterval(timer));
}

interface Flavour {
  name: string;
  createServer(options?: CreateServerOptions): http.Server;
  listen(port: number, host: string, listening: () => void): http.Server;
}

function expressApp(): import('express').Express {
  const app = express();
  app.use('/chat', nodeAdapter.websocket(echo));
  app.get('/clock', nodeAdapter.eventSource(ticking, { ping: 0 }));
  return app;
}
function koaApp(): import('koa') {
  const app = new Koa();
  app.use(koaAdapter.websocket(echo, { path: '/chat' }));
  app.use(koaAdapter.eventSource(ticking, { path: '/clock', ping: 0 }));
  return app;
}

const FLAVOURS: Flavour[] = [
  { name: 'hatchway (Express)', createServer: (o) => nodeAdapter.createServer(expressApp(), o), listen: (...a) => nodeAdapter.listen(expressApp(), ...a) },
  { name: 'hatchway/koa', createServer: (o) => koaAdapter.createServer(koaApp(), o), listen: (...a) => koaAdapter.listen(koaApp(), ...a) },
];

/** Small values: a head must be complete within 400 ms, checked every 50 ms; a whole request within 600 ms. */
const SMALL: CreateServerOptions = { headersTimeout: 400, requestTimeout: 600, connectionsCheckingInterval: 50 };

const servers: http.Server[] = [];
async function start(server: http.Server): Promise<number> {
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

const checkingInterval = (server: http.Server): unknown => (server as { connectionsCheckingInterval?: unknown }).connectionsCheckingInterval;

describe.each(FLAVOURS)('$name', (flavour) => {
  test('createServer() sets the documented defaults; options override them', () => {
    const server = flavour.createServer();
    expect([server.headersTimeout, checkingInterval(server), server.requestTimeout, server.keepAliveTimeout]).toEqual([20_000, 5_000, 300_000, 5_000]);
    const tuned = flavour.createServer({ headersTimeout: 1_000, connectionsCheckingInterval: 250, keepAliveTimeout: 1_000 });
    expect([tuned.headersTimeout, checkingInterval(tuned), tuned.keepAliveTimeout]).toEqual([1_000, 250, 1_000]);
    // Node refuses a headersTimeout above requestTimeout: a smaller requestTimeout lowers the default instead.
    expect(flavour.createServer({ requestTimeout: 10_000 }).headersTimeout).toBe(10_000);
    expect(flavour.createServer({ requestTimeout: 0 }).headersTimeout).toBe(20_000);
  });

  test('listen() keeps the server.listen() arguments and makes the same server', async () => {
    let server!: http.Server;
    await new Promise<void>((resolve) => {
      server = flavour.listen(0, '127.0.0.1', resolve);
    });
    servers.push(server);
    expect((server.address() as AddressInfo).address).toBe('127.0.0.1');
    expect([server.headersTimeout, checkingInterval(server)]).toEqual([20_000, 5_000]);
  });

  test('a handshake trickled one header line every 100 ms is cut with 408 once headersTimeout passes', async () => {
    const port = await start(flavour.createServer(SMALL));
    const cut = await trickledHandshake(port, 100, 5_000);
    expect(cut.statusLine).toBe('HTTP/1.1 408 Request Timeout');
    expect(cut.ms).toBeGreaterThanOrEqual(350);
    expect(cut.ms).toBeLessThan(1_500);
  });

  test('a connection that never sends a byte is cut too', async () => {
    const port = await start(flavour.createServer(SMALL));
    const cut = await silentConnection(port, 5_000);
    expect(cut.statusLine).toBe('HTTP/1.1 408 Request Timeout');
    expect(cut.ms).toBeGreaterThanOrEqual(350);
    expect(cut.ms).toBeLessThan(1_500);
  });

  test('an event stream outlives headersTimeout and requestTimeout', async () => {
    const port = await start(flavour.createServer(SMALL));
    const request = http.get({ host: '127.0.0.1', port, path: '/clock', headers: { Accept: 'text/event-stream' } });
    const response = await new Promise<http.IncomingMessage>((resolve) => request.once('response', resolve));
    expect(response.headers['content-type']).toMatch(/^text\/event-stream/);
    let ticks = 0;
    let ended = false;
    response.on('data', (chunk: Buffer) => (ticks += chunk.toString().split('data: tick').length - 1));
    response.on('close', () => (ended = true));
    // Five times requestTimeout, thirty checks.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(ended).toBe(false);
    const before = ticks;
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(ticks).toBeGreaterThan(before);
    request.destroy();
  });

  test('a WebSocket stays open past headersTimeout and requestTimeout', async () => {
    const port = await start(flavour.createServer(SMALL));
    const client = new WS(`ws://127.0.0.1:${port}/chat`);
    let closed = false;
    client.on('close', () => (closed = true));
    await new Promise<void>((resolve, reject) => {
      client.once('open', resolve);
      client.once('error', reject);
    });
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(closed).toBe(false);
    const echoed = new Promise<string>((resolve) => client.once('message', (data) => resolve(data.toString())));
    client.send('still here');
    expect(await echoed).toBe('still here');
    client.close(1000);
  });

  test('shutdownTimeout reaches attach(): a socket that never answers the close frame is dropped after it', async () => {
    const server = flavour.createServer({ shutdownTimeout: 0.2 });
    const port = await start(server);
    servers.pop();
    const socket = net.connect(port, '127.0.0.1');
    socket.on('error', () => {});
    socket.write('GET /chat HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
      'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n');
    await new Promise<void>((resolve) => socket.once('data', () => resolve()));
    const started = Date.now();
    await new Promise((resolve) => server.close(resolve));
    // The default grace period is 5 s.
    expect(Date.now() - started).toBeLessThan(2_000);
    socket.destroy();
  });
});

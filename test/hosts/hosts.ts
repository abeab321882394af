/**
 * The same small app built on every host hatchway supports: plain node, Express 4 and 5,
 * Connect 3, Koa 2 and 3. Each one has an auth middleware that answers 401, an echo socket
 * with subprotocols, a socket on a route with a parameter, an origin-restricted socket,
 * sockets whose handlers throw and reject, a plain HTTP route and the framework's own 404.
 * Server-Sent Events: `/sse` opens a stream with `res.eventSource()` (`ctx.eventSource()`),
 * `/sse-mw` with the `eventSource()` middleware, and `/sse-throw`, `/sse-reject` have
 * middleware handlers that fail.
 */
import { EventEmitter } from 'node:events';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { EventSource, WebSocket } from '../../src/index.js';
import * as connectAdapter from '../../adapters/connect.js';
import * as koaAdapter from '../../adapters/koa.js';
import { Koa2, Koa3, Router, connect, connectErrors, deny, express4, express5, expressErrors, koaApp, nodeFallback } from './host-parts';

export interface RunningHost {
  port: number;
  server: http.Server;
  /** Errors that reached the framework's error handling. */
  errors: unknown[];
  /** The close reason of every event stream that ended, in order (it emits `close` for each). */
  streamCloses: StreamLog;
  close(): Promise<void>;
}

export interface Host {
  name: string;
  start(): Promise<RunningHost>;
}

const PROTOCOLS = ['chat', 'superchat'];
const ORIGINS = ['http://good.example'];

function echo(ws: WebSocket): void {
  ws.on('message', (event) => ws.send(event.data));
}
function greetRoom(ws: WebSocket, room: string): void {
  ws.send(`room:${room}`);
  echo(ws);
}
function boom(): never {
  throw new Error('handler failed');
}
async function rejecting(): Promise<never> {
  await Promise.resolve();
  throw new Error('handler rejected');
}

export class StreamLog extends EventEmitter {
  readonly reasons: string[] = [];
}

/** Every stream greets with the id the client says it last saw; its close reason is logged. */
function helloStream(streamCloses: StreamLog): (es: EventSource) => void {
  return (es) => {
    es.on('close', (event) => {
      streamCloses.reasons.push(event.reason);
      streamCloses.emit('close', event.reason);
    });
    es.send(`hello ${es.lastEventId || 'new'}`, { id: '1', event: 'hello' });
  };
}

async function listenOn(server: http.Server, errors: unknown[], streamCloses: StreamLog): Promise<RunningHost> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    server,
    errors,
    streamCloses,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function expressHost(name: string, express: typeof import('express')): Host {
  return {
    name,
    start() {
      const errors: unknown[] = [];
      const app = express();
      app.use(deny);
      app.use('/echo', connectAdapter.websocket(echo, { protocols: PROTOCOLS }));
      app.get('/rooms/:room', connectAdapter.websocket<http.IncomingMessage & { params: { room: string } }>((ws, req) => greetRoom(ws, req.params.room)));
      app.get('/origin', connectAdapter.websocket(echo, { origins: ORIGINS }));
      app.get('/throw', connectAdapter.websocket(boom));
      app.get('/reject', connectAdapter.websocket(rejecting));
      app.get('/http', (req, res) => res.json({ isWebSocket: req.isWebSocket, isEventSource: req.isEventSource }));
      const streamCloses = new StreamLog();
      const hello = helloStream(streamCloses);
      app.get('/sse', (_req, res) => hello(res.eventSource({ ping: 0 })));
      app.get('/sse-mw', connectAdapter.eventSource(hello, { ping: 0 }));
      app.get('/sse-throw', connectAdapter.eventSource(boom));
      app.get('/sse-reject', connectAdapter.eventSource(rejecting));
      app.use(expressErrors(errors));
      return listenOn(connectAdapter.attach(http.createServer(app), app), errors, streamCloses);
    },
  };
}

const connectHost: Host = {
  name: 'connect 3',
  start() {
    const errors: unknown[] = [];
    const app = connect();
    app.use(deny);
    app.use('/echo', connectAdapter.websocket(echo, { protocols: PROTOCOLS }));
    app.use('/rooms', connectAdapter.websocket((ws, req) => greetRoom(ws, (req.url ?? '/').slice(1))));
    app.use('/origin', connectAdapter.websocket(echo, { origins: ORIGINS }));
    app.use('/throw', connectAdapter.websocket(boom));
    app.use('/reject', connectAdapter.websocket(rejecting));
    app.use('/http', (req: http.IncomingMessage, res: http.ServerResponse) => {
      res.setHeader('Content-Type', 'application/json');
      res.end(JSON.stringify({ isWebSocket: req.isWebSocket, isEventSource: req.isEventSource }));
    });
    const streamCloses = new StreamLog();
    const hello = helloStream(streamCloses);
    app.use('/sse-mw', connectAdapter.eventSource(hello, { ping: 0 }));
    app.use('/sse-throw', connectAdapter.eventSource(boom));
    app.use('/sse-reject', connectAdapter.eventSource(rejecting));
    app.use('/sse', (_req: http.IncomingMessage, res: http.ServerResponse) => hello(res.eventSource({ ping: 0 })));
    app.use(connectErrors(errors));
    return listenOn(connectAdapter.attach(http.createServer(app), app), errors, streamCloses);
  },
};

const nodeHost: Host = {
  name: 'node:http',
  start() {
    const errors: unknown[] = [];
    const streamCloses = new StreamLog();
    const hello = helloStream(streamCloses);
    const routes: Record<string, ReturnType<typeof connectAdapter.websocket>> = {
      '/echo': connectAdapter.websocket(echo, { protocols: PROTOCOLS }),
      '/origin': connectAdapter.websocket(echo, { origins: ORIGINS }),
      '/throw': connectAdapter.websocket(boom),
      '/reject': connectAdapter.websocket(rejecting),
      '/sse-mw': connectAdapter.eventSource(hello, { ping: 0 }),
      '/sse-throw': connectAdapter.eventSource(boom),
      '/sse-reject': connectAdapter.eventSource(rejecting),
      '/sse': (_req, res) => hello(res.eventSource({ ping: 0 })),
    };
    const app = (req: http.IncomingMessage, res: http.ServerResponse): void => {
      const fail = nodeFallback(errors, res);
      if (req.headers['x-deny']) {
        res.writeHead(401, { 'WWW-Authenticate': 'Bearer' });
        res.end('no');
      } else if (req.url?.startsWith('/rooms/')) {
        connectAdapter.websocket((ws) => greetRoom(ws, req.url!.slice(7)))(req, res, fail);
      } else if (req.url === '/http') {
        res.setHeader('Content-Type', 'application/json');
        res.end(JSON.stringify({ isWebSocket: req.isWebSocket, isEventSource: req.isEventSource }));
      } else {
        const route = routes[req.url ?? ''];
        if (route) route(req, res, fail);
        else fail();
      }
    };
    return listenOn(connectAdapter.attach(http.createServer(app), app), errors, streamCloses);
  },
};

function koaHost(name: string, Koa: typeof import('koa')): Host {
  return {
    name,
    start() {
      const errors: unknown[] = [];
      const app = koaApp(Koa, errors);
      app.use(koaAdapter.websocket(echo, { path: '/echo', protocols: PROTOCOLS }));
      const router = new Router();
      router.get('/rooms/:room', koaAdapter.websocket((ws, ctx) => greetRoom(ws, (ctx as unknown as { params: { room: string } }).params.room)));
      router.get('/origin', koaAdapter.websocket(echo, { origins: ORIGINS }));
      router.get('/throw', koaAdapter.websocket(boom));
      router.get('/reject', koaAdapter.websocket(rejecting));
      router.get('/http', (ctx) => {
        ctx.body = { isWebSocket: ctx.isWebSocket, isEventSource: ctx.isEventSource };
      });
      const streamCloses = new StreamLog();
      const hello = helloStream(streamCloses);
      app.use(koaAdapter.eventSource(hello, { path: '/sse-mw', ping: 0 }));
      router.get('/sse', (ctx) => hello(ctx.eventSource({ ping: 0 })));
      router.get('/sse-throw', koaAdapter.eventSource(boom));
      router.get('/sse-reject', koaAdapter.eventSource(rejecting));
      app.use(router.routes());
      return listenOn(koaAdapter.attach(http.createServer(app.callback()), app), errors, streamCloses);
    },
  };
}

export const HOSTS: Host[] = [
  nodeHost,
  expressHost('express 4', express4),
  expressHost('express 5', express5),
  connectHost,
  koaHost('koa 2', Koa2),
  koaHost('koa 3', Koa3),
];

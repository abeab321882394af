/**
 * Type tests: the user code of the API contract must compile under `strict` (this file is part
 * of `npm run typecheck`, never executed), and misuse must not (`@ts-expect-error` lines fail
 * the type check if the error they expect disappears).
 */
import * as http from 'node:http';
import * as http2 from 'node:http2';
import express from 'express';
import Koa from 'koa';
import { Router } from '@koa/router';
import { attach, listen, websocket, WebSocket, type MessageData } from 'hatchway/express';
import {
  Channel,
  EventSource,
  eventSource,
  eventSourceSupport,
  EventSourceClient,
  type ReplayResult,
} from 'hatchway/express';
import * as koa from 'hatchway/koa';
import * as connect from 'hatchway/connect';

export function expressApp(): http.Server {
  const app = express();
  app.use((req, _res, next) => {
    const upgrade: boolean | undefined = req.isWebSocket;
    const stream: boolean | undefined = req.isEventSource;
    void upgrade;
    void stream;
    next();
  });
  app.use(
    '/chat',
    websocket(
      (ws) => {
        ws.on('message', (event) => ws.send(event.data));
        ws.onclose = (event) => console.log(event.code, event.reason, event.wasClean);
      },
      { protocols: ['chat'], ping: 30, maxLength: 1 << 20, origins: ['https://example.com'] },
    ),
  );
  app.get(
    '/rooms/:room',
    websocket<{ room: string }>((ws, req) => {
      const room: string = req.params.room;
      ws.send(room);
    }),
  );
  app.get('/async', websocket(async (ws) => { await Promise.resolve(); ws.close(1000, 'done'); }));
  attach(http.createServer(app), app).listen(0);
  return listen(app, 0);
}

export function koaApp(): http.Server {
  const app = new Koa();
  app.use(koa.websocket(async (ws, ctx) => { ws.on('message', (e) => ws.send(e.data)); void ctx.path; }, { path: '/chat' }));
  app.use(async (ctx, next) => {
    const flags: [boolean, boolean] = [ctx.isWebSocket, ctx.isEventSource];
    void flags;
    await next();
  });
  const router = new Router();
  router.get('/rooms/:room', koa.websocket((ws, ctx) => ws.send(String(ctx.params['room']))));
  app.use(router.routes());
  return koa.listen(app, 0);
}

export function plainNode(server: http.Server): void {
  server.on('upgrade', (req: http.IncomingMessage, socket, head: Buffer) => {
    if (!WebSocket.isWebSocket(req)) return;
    const ws = new WebSocket(req, socket, head, ['chat'], { ping: 30 });
    ws.binaryType = 'arraybuffer';
    ws.addEventListener('message', (event) => {
      const data: MessageData = event.data;
      void data;
    });
    const sent: boolean = ws.send(new Uint8Array([1, 2, 3]));
    void sent;
    ws.ping('x', () => undefined);
    const state: 0 | 1 | 2 | 3 = ws.readyState;
    void state;
    // @ts-expect-error a close code is a number
    ws.close('1000');
    // @ts-expect-error binaryType is 'nodebuffer' or 'arraybuffer'
    ws.binaryType = 'blob';
    // @ts-expect-error there is no such event
    ws.on('bogus', () => undefined);
  });
  connect.attach(server, (_req, res) => res.end());
}

// --- Server-Sent Events (api.md "Express and Connect", "Koa", "Plain node:http", "Channel") ----

export function expressEventSource(): http.Server {
  const app = express();
  app.use(eventSourceSupport());
  app.get('/clock', (req, res) => {
    const stream: boolean | undefined = req.isEventSource;
    void stream;
    const es = res.eventSource({ retry: 10, ping: 15 });
    const timer = setInterval(() => es.send(new Date().toISOString(), { event: 'tick', id: String(Date.now()) }), 1000);
    es.on('close', () => clearInterval(timer));
  });
  const channel = new Channel({ history: 1000 });
  app.get('/feed', (_req, res) => channel.add(res.eventSource()));
  app.get('/feed2', (_req, res) => {
    const result: ReplayResult = channel.add(res.eventSource());
    if (result.missed) console.log('the page resyncs on the reset event; replayed', result.replayed);
  });
  const id: string = channel.send('hello', { event: 'chat' });
  void [id, channel.size, channel.lastId];
  app.get(
    '/rooms/:room/events',
    eventSource<{ room: string }>((es, req) => {
      const room: string = req.params.room;
      const sent: boolean = es.send(room, { id: 1, retry: 5 });
      es.on('drain', () => es.ping());
      es.onclose = (event) => console.log(event.reason, event.error?.code);
      void sent;
    }, { ping: 0, maxBuffered: 1 << 20, headers: { 'Access-Control-Allow-Origin': '*' } }),
  );
  app.use(connect.eventSource((es, req) => es.send(`${req.url}:${es.lastEventId}:${es.url}`)));
  // @ts-expect-error data is a string (JSON.stringify other values)
  app.get('/bad', (_req, res) => res.eventSource().send({ a: 1 }));
  // @ts-expect-error an EventSource has no message event
  app.get('/bad2', (_req, res) => res.eventSource().on('message', () => undefined));
  // @ts-expect-error history is a number
  void new Channel({ history: '10' });
  return listen(app, 0);
}

export function koaEventSource(): http.Server {
  const app = new Koa();
  const router = new Router();
  router.get('/clock', (ctx) => {
    const es = ctx.eventSource({ retry: 10 });
    es.send('hello');
  });
  router.get('/feed', koa.eventSource((es, ctx) => es.send(String(ctx.params['id']))));
  app.use(koa.eventSource(async (es, ctx) => { es.send(ctx.path); }, { path: '/events', ping: 15 }));
  app.use(router.routes());
  return koa.listen(app, 0);
}

export function plainNodeEventSource(): http.Server {
  const server = http.createServer((req, res) => {
    if (EventSource.isEventSource(req)) {
      const es = new EventSource(req, res, { ping: 15 });
      const state: 0 | 1 | 2 = es.readyState;
      void state;
      es.close();
      return;
    }
    res.end('Hello');
  });
  http2.createServer((req, res) => {
    if (EventSource.isEventSource(req)) new EventSource(req, res).send('over HTTP/2');
  });
  return server;
}

export function eventSourceClient(): void {
  const es = new EventSource.Client('https://example.com/feed', {
    headers: { Authorization: 'Bearer t' },
    tls: { rootCertFile: '/etc/ca.pem' },
    proxy: { origin: 'http://proxy:3128' },
    withCredentials: false,
    retry: 1,
    maxRetry: 30,
  });
  es.onopen = () => console.log(es.readyState === es.OPEN, es.url, es.withCredentials);
  es.onmessage = (event) => {
    const data: string = event.data;
    const id: string = event.lastEventId;
    console.log(data, id, event.origin, es.lastEventId);
  };
  es.onerror = (event) => console.log(event.error.message, es.readyState === EventSource.Client.CLOSED);
  es.addEventListener('update', (event) => console.log(event.type, event.data));
  // @ts-expect-error lastEventId is read-only
  es.lastEventId = 'x';
  // @ts-expect-error the URL comes first
  new EventSource.Client({ headers: {} });
  const same: typeof EventSource.Client = EventSourceClient;
  es.close();
  void same;
}

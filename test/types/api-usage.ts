/**
 * Type tests: the user code of the API contract must compile under `strict` (this file is part
 * of `npm run typecheck`, never executed), and misuse must not (`@ts-expect-error` lines fail
 * the type check if the error they expect disappears).
 */
import * as http from 'node:http';
import express from 'express';
import Koa from 'koa';
import { Router } from '@koa/router';
import { attach, listen, websocket, WebSocket, type MessageData } from 'hatchway/express';
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

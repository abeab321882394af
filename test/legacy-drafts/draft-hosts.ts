/**
 * The hosts of `test/hosts/hosts.ts` (plain node, Express 4 and 5, Connect 3, Koa 2 and 3), each
 * with the same small app for the legacy drafts: an auth middleware that answers 401, `/legacy`
 * (a `websocket()` with `legacyDrafts: true` and tight limits), `/modern` (the same without the
 * option) and `/throw` (a legacy handler that throws). Every handler greets before the handshake
 * is complete, echoes, and on 'flood' sends more than `maxBuffered` at once.
 */
import * as http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { WebSocket } from '../../src/index.js';
import * as connectAdapter from '../../adapters/connect.js';
import * as koaAdapter from '../../adapters/koa.js';
import { within } from './draft-client';
import { record, type Session } from './draft-server';
import { Koa2, Koa3, Router, connect, connectErrors, deny, express4, express5, expressErrors, koaApp, nodeFallback } from '../hosts/host-parts';

export const LEGACY_OPTIONS = { legacyDrafts: true, protocols: ['sample'], maxLength: 64, maxBuffered: 8192, handshakeTimeout: 0.5 };

export interface RunningDraftHost {
  port: number;
  /** The next session a handler got, or one it got and the test has not taken yet. */
  accept(): Promise<Session>;
  /** Errors that reached the framework's error handling. */
  errors: unknown[];
  close(): Promise<void>;
}

export interface DraftHost {
  name: string;
  start(): Promise<RunningDraftHost>;
}

class Sessions {
  private readonly untaken: Session[] = [];
  private readonly waiting: Array<(session: Session) => void> = [];
  readonly all: Session[] = [];

  /** The handler every route uses. */
  readonly handler = (ws: WebSocket): void => {
    const session = record(ws);
    this.all.push(session);
    const waiter = this.waiting.shift();
    if (waiter !== undefined) waiter(session);
    else this.untaken.push(session);
    ws.send('hello');
    ws.on('message', (event) => {
      if (event.data !== 'flood') return void ws.send(`echo ${String(event.data)}`);
      for (let i = 0; i < 20 && ws.readyState === ws.OPEN; i++) ws.send('x'.repeat(1000));
    });
  };

  accept(): Promise<Session> {
    const ready = this.untaken.shift();
    return ready !== undefined ? Promise.resolve(ready) : within(new Promise<Session>((resolve) => this.waiting.push(resolve)), 'a handler to get a session');
  }
}

function boom(): never {
  throw new Error('handler failed');
}

async function listenOn(server: http.Server, sessions: Sessions, errors: unknown[]): Promise<RunningDraftHost> {
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    accept: () => sessions.accept(),
    errors,
    close: () =>
      new Promise<void>((resolve) => {
        for (const { ws } of sessions.all) ws.terminate();
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}


function expressHost(name: string, express: typeof import('express')): DraftHost {
  return {
    name,
    start() {
      const sessions = new Sessions();
      const errors: unknown[] = [];
      const app = express();
      app.use(deny);
      app.use('/legacy', connectAdapter.websocket(sessions.handler, LEGACY_OPTIONS));
      app.get('/modern', connectAdapter.websocket(sessions.handler));
      app.get('/throw', connectAdapter.websocket(boom, LEGACY_OPTIONS));
      app.use(expressErrors(errors));
      return listenOn(connectAdapter.attach(http.createServer(app), app), sessions, errors);
    },
  };
}

const connectHost: DraftHost = {
  name: 'connect 3',
  start() {
    const sessions = new Sessions();
    const errors: unknown[] = [];
    const app = connect();
    app.use(deny);
    app.use('/legacy', connectAdapter.websocket(sessions.handler, LEGACY_OPTIONS));
    app.use('/modern', connectAdapter.websocket(sessions.handler));
    app.use('/throw', connectAdapter.websocket(boom, LEGACY_OPTIONS));
    app.use(connectErrors(errors));
    return listenOn(connectAdapter.attach(http.createServer(app), app), sessions, errors);
  },
};

const nodeHost: DraftHost = {
  name: 'node:http',
  start() {
    const sessions = new Sessions();
    const errors: unknown[] = [];
    const routes: Record<string, ReturnType<typeof connectAdapter.websocket>> = {
      '/legacy': connectAdapter.websocket(sessions.handler, LEGACY_OPTIONS),
      '/modern': connectAdapter.websocket(sessions.handler),
      '/throw': connectAdapter.websocket(boom, LEGACY_OPTIONS),
    };
    const app = (req: http.IncomingMessage, res: http.ServerResponse): void => {
      const fail = nodeFallback(errors, res);
      deny(req, res, () => {
        const route = routes[req.url ?? ''];
        if (route) route(req, res, fail);
        else fail();
      });
    };
    return listenOn(connectAdapter.attach(http.createServer(app), app), sessions, errors);
  },
};

function koaHost(name: string, Koa: typeof import('koa')): DraftHost {
  return {
    name,
    start() {
      const sessions = new Sessions();
      const errors: unknown[] = [];
      const app = koaApp(Koa, errors);
      app.use(koaAdapter.websocket(sessions.handler, { path: '/legacy', ...LEGACY_OPTIONS }));
      const router = new Router();
      router.get('/modern', koaAdapter.websocket(sessions.handler));
      router.get('/throw', koaAdapter.websocket(boom, LEGACY_OPTIONS));
      app.use(router.routes());
      return listenOn(koaAdapter.attach(http.createServer(app.callback()), app), sessions, errors);
    },
  };
}

export const DRAFT_HOSTS: DraftHost[] = [
  nodeHost,
  expressHost('express 4', express4),
  expressHost('express 5', express5),
  connectHost,
  koaHost('koa 2', Koa2),
  koaHost('koa 3', Koa3),
];

/**
 * The `app.listen()` mistake: an app with `websocket()` started with the framework's own listen (no
 * `'upgrade'` listener on the server). The handshake reaches `websocket()` as an ordinary request; it is
 * answered with 500 and a body that names the fix (not the framework's 404), with one process warning
 * for however many attempts. Event streams need no upgrade and keep working there; an attached app is
 * unaffected.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import WS from 'ws';
import * as connectAdapter from '../../adapters/connect.js';
import * as koaAdapter from '../../adapters/koa.js';
import type { EventSource, WebSocket } from '../../adapters/index.js';
import { UNATTACHED_UPGRADE_CODE } from '../../middleware/unattached-upgrade.js';

/* eslint-disable @typescript-eslint/no-require-imports */
const express5 = require('express') as typeof import('express');
const express4 = require('express4') as typeof import('express');
const connect = require('connect') as typeof import('connect');
const Koa3 = require('koa') as typeof import('koa');
const Koa2 = require('koa2') as typeof import('koa');
/* eslint-enable @typescript-eslint/no-require-imports */

function echo(ws: WebSocket): void {
  ws.on('message', (event) => ws.send(event.data));
}
function hello(es: EventSource): void {
  es.send('hello');
}

interface Host {
  name: string;
  /** The app started as its framework's documentation starts it. */
  ownListen(): Promise<http.Server>;
  /** The same app through hatchway's listen(). */
  hatchwayListen(): Promise<http.Server>;
}

const onLoopback = (listen: (port: number, host: string, done: () => void) => http.Server): Promise<http.Server> =>
  new Promise((resolve) => {
    const server: http.Server = listen(0, '127.0.0.1', () => resolve(server));
  });

function expressHost(name: string, express: typeof import('express')): Host {
  const app = (): import('express').Express => {
    const app = express();
    app.use('/chat', connectAdapter.websocket(echo));
    app.get('/events', connectAdapter.eventSource(hello, { ping: 0 }));
    return app;
  };
  return {
    name,
    ownListen: () => onLoopback((...args) => app().listen(...args)),
    hatchwayListen: () => onLoopback((...args) => connectAdapter.listen(app(), ...args)),
  };
}

function connectHost(): Host {
  const app = (): import('connect').Server => {
    const app = connect();
    app.use('/chat', connectAdapter.websocket(echo));
    app.use('/events', connectAdapter.eventSource(hello, { ping: 0 }));
    return app;
  };
  return {
    name: 'connect 3',
    ownListen: () => onLoopback((...args) => app().listen(...args)),
    hatchwayListen: () => onLoopback((...args) => connectAdapter.listen(app(), ...args)),
  };
}

function koaHost(name: string, Koa: typeof import('koa')): Host {
  const app = (): import('koa') => {
    const app = new Koa();
    app.silent = true;
    app.use(koaAdapter.websocket(echo, { path: '/chat' }));
    app.use(koaAdapter.eventSource(hello, { path: '/events', ping: 0 }));
    return app;
  };
  return {
    name,
    ownListen: () => onLoopback((...args) => app().listen(...args)),
    hatchwayListen: () => onLoopback((...args) => koaAdapter.listen(app(), ...args)),
  };
}

const HOSTS = [expressHost('express 4', express4), expressHost('express 5', express5), connectHost(), koaHost('koa 2', Koa2), koaHost('koa 3', Koa3)];

interface Refusal {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A `ws` client's handshake that did not get a 101: the status, headers and body it got instead. */
function refusedHandshake(url: string): Promise<Refusal> {
  return new Promise((resolve, reject) => {
    const client = new WS(url);
    client.on('open', () => reject(new Error('the handshake succeeded')));
    client.on('error', () => {});
    client.on('unexpected-response', (request, response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => {
        resolve({ status: response.statusCode ?? 0, headers: response.headers, body });
        request.destroy();
      });
    });
  });
}

// Jest gives each test file a copy of `process` whose listeners never hear the real one's 'warning'
// events, so the calls are watched instead (and still go through: the warning is printed).
const emitWarning = jest.spyOn(process, 'emitWarning');
afterAll(() => emitWarning.mockRestore());
const ourWarnings = (): unknown[][] =>
  emitWarning.mock.calls.filter((call) => (call[1] as { code?: string } | undefined)?.code === UNATTACHED_UPGRADE_CODE);

const port = (server: http.Server): number => (server.address() as AddressInfo).port;
const close = (server: http.Server): Promise<unknown> => new Promise((resolve) => server.close(resolve));

describe.each(HOSTS)('$name', (host) => {
  test("started with the framework's own listen(): a handshake is refused with 500 naming the fix", async () => {
    const server = await host.ownListen();
    try {
      for (let attempt = 0; attempt < 3; attempt++) {
        const refusal = await refusedHandshake(`ws://127.0.0.1:${port(server)}/chat`);
        expect(refusal.status).toBe(500);
        expect(refusal.headers.connection).toBe('close');
        expect(refusal.headers['content-type']).toBe('text/plain; charset=utf-8');
        expect(refusal.body).toContain('listen(app, port)');
        expect(refusal.body).toContain('attach(server, app)');
      }
    } finally {
      await close(server);
    }
  });

  test("an event stream needs no upgrade and works on the framework's own listen()", async () => {
    const server = await host.ownListen();
    try {
      const response = await fetch(`http://127.0.0.1:${port(server)}/events`, { headers: { Accept: 'text/event-stream' } });
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
      const reader = response.body!.getReader();
      let text = '';
      while (!text.includes('data: hello\n\n')) text += new TextDecoder().decode((await reader.read()).value);
      await reader.cancel();
    } finally {
      await close(server);
    }
  });

  test("with hatchway's listen() the same app answers the handshake and warns about nothing", async () => {
    const before = ourWarnings().length;
    const server = await host.hatchwayListen();
    try {
      const client = new WS(`ws://127.0.0.1:${port(server)}/chat`);
      const echoed = await new Promise<string>((resolve, reject) => {
        client.on('error', reject);
        client.on('open', () => client.send('hi'));
        client.on('message', (data) => resolve(data.toString()));
      });
      expect(echoed).toBe('hi');
      client.close(1000);
      await new Promise((resolve) => client.on('close', resolve));
    } finally {
      await close(server);
    }
    expect(ourWarnings()).toHaveLength(before);
  });
});

test('the process warning was emitted once for all those attempts, naming the fix', () => {
  const warnings = ourWarnings();
  expect(warnings).toHaveLength(1);
  expect(warnings[0]![0]).toContain('listen(app, port)');
  expect(warnings[0]![0]).toContain('attach(server, app)');
});

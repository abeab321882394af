/**
 * Shared pieces of the client tests, all on real loopback sockets: bounded waits, a recorder of
 * a client's events, a raw `net` server that answers the opening handshake with whatever bytes a
 * test chooses, a `ws` server, and one cleanup list so that every socket, server and client a
 * test opened is gone before jest moves on.
 */
import { createHash } from 'node:crypto';
import * as http from 'node:http';
import * as net from 'node:net';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type ServerOptions as WsServerOptions } from 'ws';
import { Client, type ClientOptions } from '../../src/index.js';
import type { CloseEvent } from '../../src/index.js';

/** Proxy variables of the machine's environment would send these loopback tests through a proxy. */
export const PROXY_VARIABLES = ['HTTP_PROXY', 'http_proxy', 'HTTPS_PROXY', 'https_proxy', 'NO_PROXY', 'no_proxy'] as const;
for (const name of PROXY_VARIABLES) delete process.env[name];

/** Each test of the calling file starts with no proxy variable set, and the file's own are put back after it. */
export function isolateProxyVariables(): void {
  const saved: Record<string, string | undefined> = {};
  beforeEach(() => {
    for (const name of PROXY_VARIABLES) {
      saved[name] = process.env[name];
      delete process.env[name];
    }
  });
  afterEach(() => {
    for (const name of PROXY_VARIABLES) {
      if (saved[name] === undefined) delete process.env[name];
      else process.env[name] = saved[name];
    }
  });
}

/** The longest any single wait in these tests may take. */
export const WAIT_MS = 5000;

/** Rejects with `what` when `promise` has not settled within `ms`. */
export function within<T>(promise: Promise<T>, what: string, ms = WAIT_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Resolves with the arguments of the next `event` of `emitter`, within `ms`. */
export function nextEvent<T = unknown>(
  emitter: NodeJS.EventEmitter,
  event: string,
  what = `the ${event} event`,
  ms = WAIT_MS,
): Promise<T> {
  return within(new Promise<T>((resolve) => emitter.once(event, (value: T) => resolve(value))), what, ms);
}

export function acceptFor(key: string): string {
  return createHash('sha1').update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
}

// --- Cleanup -------------------------------------------------------------------------------

type Cleanup = () => void | Promise<void>;
const cleanups: Cleanup[] = [];

/** Runs `fn` in `closeAll()` (most recent first). */
export function onCleanup(fn: Cleanup): void {
  cleanups.push(fn);
}

/** Closes everything registered with `onCleanup`; call it from `afterEach`. */
export async function closeAll(): Promise<void> {
  const errors: unknown[] = [];
  while (cleanups.length > 0) {
    const fn = cleanups.pop()!;
    try {
      await within(Promise.resolve(fn()), 'a cleanup step');
    } catch (error) {
      errors.push(error);
    }
  }
  if (errors.length > 0) throw errors[0];
}

/** Closes a listening server, cutting its live connections first. */
export function closeServer(server: net.Server | http.Server): Promise<void> {
  if ('closeAllConnections' in server) server.closeAllConnections();
  return new Promise((resolve) => {
    if (!server.listening) return resolve();
    server.close(() => resolve());
  });
}

/** Listens on `host` (127.0.0.1) with an ephemeral port and registers the server for cleanup. */
export async function listen<S extends net.Server>(server: S, host = '127.0.0.1'): Promise<number> {
  await within(
    new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, host, () => {
        server.off('error', reject);
        resolve();
      });
    }),
    'a test server to listen',
  );
  onCleanup(() => closeServer(server));
  return (server.address() as AddressInfo).port;
}

// --- A recorder for a client -----------------------------------------------------------------

export interface ErrorRecord {
  name: string;
  code: string | undefined;
  message: string;
  statusCode: number | undefined;
  cause: unknown;
  error: Error;
}

export interface Recorded {
  client: Client;
  /** Event names in order ('open', 'message', 'error', 'close', 'ping', 'pong'). */
  log: string[];
  messages: Array<string | Buffer | ArrayBuffer>;
  errors: ErrorRecord[];
  /** readyState seen inside each listener, in the order of `log`. */
  states: number[];
  /** Resolves on `open`, rejects on a close before it (bounded by WAIT_MS from the access). */
  readonly opened: Promise<void>;
  /** Resolves with the close event (bounded by WAIT_MS from the access). */
  readonly closed: Promise<CloseEvent>;
  /** The next message (after those already consumed by earlier calls). */
  nextMessage(what?: string, ms?: number): Promise<string | Buffer | ArrayBuffer>;
}

/** Opens a `Client` and records everything it emits; the client is terminated at cleanup. */
export function record(url: string | URL, protocols?: string | string[] | null, options?: ClientOptions): Recorded {
  const client = new Client(url, protocols, options);
  return watch(client);
}

export function watch(client: Client): Recorded {
  const log: string[] = [];
  const messages: Array<string | Buffer | ArrayBuffer> = [];
  const errors: ErrorRecord[] = [];
  const states: number[] = [];
  let consumed = 0;
  let wake: (() => void) | null = null;
  const note = (name: string): void => {
    log.push(name);
    states.push(client.readyState);
  };
  const opened = new Promise<void>((resolve, reject) => {
    client.on('open', () => resolve());
    client.on('close', (event) => reject(new Error(`closed (${event.code}) before open; errors: ${errors.map((e) => e.message).join('; ')}`)));
  });
  opened.catch(() => undefined);
  const closed = new Promise<CloseEvent>((resolve) => client.on('close', resolve));
  client.on('open', () => note('open'));
  client.on('message', (event) => {
    note('message');
    messages.push(event.data);
    wake?.();
  });
  client.on('error', (event) => {
    note('error');
    const error = event.error as Error & { code?: string; statusCode?: number; cause?: unknown };
    errors.push({ name: error.name, code: error.code, message: error.message, statusCode: error.statusCode, cause: error.cause, error });
  });
  client.on('ping', () => note('ping'));
  client.on('pong', () => note('pong'));
  client.on('close', () => {
    note('close');
    wake?.();
  });
  onCleanup(async () => {
    if (client.readyState !== client.CLOSED) {
      client.terminate();
      await within(closed, 'the client to close at cleanup');
    }
  });
  return {
    client,
    log,
    messages,
    errors,
    states,
    // Bounded from the moment a test waits, and never an unhandled rejection when it does not.
    get opened() {
      return within(opened, 'the client to open');
    },
    get closed() {
      return within(closed, 'the client to close');
    },
    async nextMessage(what = 'a message', ms = WAIT_MS) {
      if (consumed < messages.length) return messages[consumed++]!;
      await within(
        new Promise<void>((resolve, reject) => {
          wake = () => {
            wake = null;
            if (consumed < messages.length) resolve();
            else reject(new Error(`the client closed while waiting for ${what}; log: ${log.join(', ')}`));
          };
        }),
        what,
        ms,
      );
      return messages[consumed++]!;
    },
  };
}

/** Opens a client, waits for `open`, and returns the recorder. */
export async function openClient(url: string, protocols?: string | string[] | null, options?: ClientOptions): Promise<Recorded> {
  const recorded = record(url, protocols, options);
  await recorded.opened;
  return recorded;
}

// --- A raw HTTP/TCP server that answers with crafted bytes -------------------------------------

export interface RawRequest {
  /** The request line, e.g. `GET /path HTTP/1.1`. */
  requestLine: string;
  method: string;
  path: string;
  /** Lower-cased names; repeated headers joined with ', '. */
  headers: Record<string, string>;
  /** The header block as sent, for exact checks. */
  head: string;
  key: string;
}

export interface RawServer {
  server: net.Server;
  port: number;
  url: string;
  /** Requests received so far. */
  requests: RawRequest[];
  /** Sockets accepted so far (also those that never sent a request). */
  sockets: net.Socket[];
  /** Resolves when `count` connections have been accepted. */
  accepted(count?: number): Promise<void>;
  /** Resolves when `count` request heads have been received. */
  requested(count?: number): Promise<void>;
}

/**
 * A `net` server on 127.0.0.1 that parses the request head by hand and calls `respond` with it
 * and the socket; `onConnection` (optional) runs at accept, before any byte is read.
 */
export async function rawServer(
  respond: (request: RawRequest, socket: net.Socket, rest: Buffer) => void,
  onConnection?: (socket: net.Socket) => void,
  host = '127.0.0.1',
): Promise<RawServer> {
  const requests: RawRequest[] = [];
  const sockets: net.Socket[] = [];
  const waiters: Array<[number, () => void]> = [];
  const requestWaiters: Array<[number, () => void]> = [];
  const server = net.createServer((socket) => {
    sockets.push(socket);
    socket.on('error', () => undefined);
    onCleanup(() => void socket.destroy());
    for (const [count, resolve] of waiters) if (sockets.length >= count) resolve();
    if (onConnection !== undefined) onConnection(socket);
    if (socket.destroyed) return;
    let buffered = Buffer.alloc(0);
    const onData = (chunk: Buffer): void => {
      buffered = Buffer.concat([buffered, chunk]);
      const end = buffered.indexOf('\r\n\r\n');
      if (end < 0) return;
      socket.off('data', onData);
      const request = parseRequest(buffered.subarray(0, end).toString('latin1'));
      requests.push(request);
      for (const [count, resolve] of requestWaiters) if (requests.length >= count) resolve();
      respond(request, socket, buffered.subarray(end + 4));
    };
    socket.on('data', onData);
  });
  const port = await listen(server, host);
  return {
    server,
    port,
    url: `ws://${host}:${port}`,
    requests,
    sockets,
    accepted: (count = 1) =>
      within(
        new Promise<void>((resolve) => {
          if (sockets.length >= count) resolve();
          else waiters.push([count, resolve]);
        }),
        `${count} connection(s) to the raw server`,
      ),
    requested: (count = 1) =>
      within(
        new Promise<void>((resolve) => {
          if (requests.length >= count) resolve();
          else requestWaiters.push([count, resolve]);
        }),
        `${count} request(s) at the raw server`,
      ),
  };
}

export function parseRequest(head: string): RawRequest {
  const [requestLine = '', ...lines] = head.split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
  }
  const [method = '', path = ''] = requestLine.split(' ');
  return { requestLine, method, path, headers, head, key: headers['sec-websocket-key'] ?? '' };
}

/** A 101 response for `request`, with `extra` header lines (each without CRLF). */
export function switching(request: RawRequest, extra: string[] = []): string {
  return ['HTTP/1.1 101 Switching Protocols', 'Upgrade: websocket', 'Connection: Upgrade', `Sec-WebSocket-Accept: ${acceptFor(request.key)}`, ...extra]
    .join('\r\n')
    .concat('\r\n\r\n');
}

// --- A `ws` server ----------------------------------------------------------------------------

export interface WsServer {
  wss: WebSocketServer;
  server: http.Server;
  port: number;
  url: string;
}

/** A `ws` WebSocketServer on its own HTTP server on 127.0.0.1 (closed at cleanup). */
export async function wsServer(options: Omit<WsServerOptions, 'server' | 'port'> = {}, host = '127.0.0.1'): Promise<WsServer> {
  const server = http.createServer((_req, res) => {
    res.writeHead(404);
    res.end();
  });
  const wss = new WebSocketServer({ ...options, server });
  onCleanup(
    () =>
      new Promise<void>((resolve) => {
        for (const ws of wss.clients) ws.terminate();
        wss.close(() => resolve());
      }),
  );
  const port = await listen(server, host);
  return { wss, server, port, url: `ws://${host}:${port}` };
}

/** A `ws` server that echoes every message as it came (text as text, binary as binary). */
export async function wsEchoServer(options: Omit<WsServerOptions, 'server' | 'port'> = {}): Promise<WsServer> {
  const server = await wsServer(options);
  server.wss.on('connection', (ws) => ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary })));
  return server;
}

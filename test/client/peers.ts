/**
 * The two real servers the client is tested against, behind one small interface: hatchway's own
 * `WebSocket` on a Node HTTP server, and the `ws` library's server. Each accepted connection is
 * a `ServerPeer` that records what it received and can send, ping and close.
 */
import * as http from 'node:http';
import type { WebSocket as WsSocket } from 'ws';
import { WebSocket, type WebSocketOptions } from '../../src/index.js';
import { listen, onCleanup, within, wsServer, WAIT_MS } from './helpers.js';
import { closeWithStatus } from '../../src/websocket-session/websocket-session.js';

export interface ServerPeer {
  /** The upgrade request as the server saw it. */
  request: http.IncomingMessage;
  protocol: string;
  /** Messages received, text as string and binary as Buffer. */
  received: Array<string | Buffer>;
  /** Payloads of pings received from the client. */
  pings: Buffer[];
  send(data: string | Buffer): void;
  /** Sends `parts` as one fragmented message (ws only; hatchway has no fragmenting send). */
  sendFragments?(parts: Buffer[], binary: boolean): void;
  /** Pings with `payload`; resolves with the payload of the pong that comes back. */
  ping(payload: Buffer): Promise<Buffer>;
  close(code: number, reason: string): void;
  /** Echo every message back (text as text, binary as binary). */
  echo(): void;
  /** The close as the server saw it: the client's code and reason. */
  closed: Promise<{ code: number; reason: string }>;
  /** Resolves with the `n`th received message (1-based). */
  message(n: number): Promise<string | Buffer>;
}

export interface PeerServer {
  name: 'hatchway' | 'ws';
  url: string;
  /** The next connection the server accepts. */
  nextPeer(): Promise<ServerPeer>;
}

export interface PeerServerOptions {
  protocols?: string[];
  /** Extra 101 response headers (hatchway: `headers`; ws: the `headers` event). */
  headers?: Record<string, string>;
  maxLength?: number;
  /** Echo every message from the start. */
  echo?: boolean;
}

function queue<T>(): { push(value: T): void; next(what: string): Promise<T> } {
  const items: T[] = [];
  const waiting: Array<(value: T) => void> = [];
  return {
    push(value) {
      const resolve = waiting.shift();
      if (resolve !== undefined) resolve(value);
      else items.push(value);
    },
    next(what) {
      if (items.length > 0) return Promise.resolve(items.shift()!);
      return within(new Promise<T>((resolve) => waiting.push(resolve)), what);
    },
  };
}

function messageWaiter(received: Array<string | Buffer>): { notify(): void; message(n: number): Promise<string | Buffer> } {
  const waiters: Array<[number, (value: string | Buffer) => void]> = [];
  return {
    notify() {
      for (let i = waiters.length - 1; i >= 0; i--) {
        const [n, resolve] = waiters[i]!;
        if (received.length >= n) {
          waiters.splice(i, 1);
          resolve(received[n - 1]!);
        }
      }
    },
    message(n) {
      if (received.length >= n) return Promise.resolve(received[n - 1]!);
      return within(new Promise((resolve) => waiters.push([n, resolve])), `message #${n} at the server`, WAIT_MS * 2);
    },
  };
}

export async function hatchwayServer(options: PeerServerOptions = {}): Promise<PeerServer> {
  const peers = queue<ServerPeer>();
  const server = http.createServer((_req, res) => {
    res.writeHead(404);
    res.end();
  });
  server.on('upgrade', (request: http.IncomingMessage, socket, head) => {
    const socketOptions: WebSocketOptions = {};
    if (options.headers !== undefined) socketOptions.headers = options.headers;
    if (options.maxLength !== undefined) socketOptions.maxLength = options.maxLength;
    const ws = new WebSocket(request, socket, head, options.protocols ?? null, socketOptions);
    onCleanup(() => ws.terminate());
    const received: Array<string | Buffer> = [];
    const pings: Buffer[] = [];
    const waiter = messageWaiter(received);
    let echoing = options.echo === true;
    ws.on('message', (event) => {
      const data = event.data as string | Buffer;
      received.push(data);
      waiter.notify();
      if (echoing) ws.send(data);
    });
    ws.on('ping', (event) => pings.push(event.data));
    const closed = new Promise<{ code: number; reason: string }>((resolve) => ws.on('close', (event) => resolve({ code: event.code, reason: event.reason })));
    ws.on('error', () => undefined);
    ws.on('open', () =>
      peers.push({
        request,
        protocol: ws.protocol,
        received,
        pings,
        send: (data) => void ws.send(data),
        ping: (payload) =>
          within(
            new Promise<Buffer>((resolve) => {
              ws.once('pong', (event) => resolve(event.data));
              ws.ping(payload);
            }),
            'the pong at the hatchway server',
          ),
        close: (code, reason) => (code >= 3000 || code === 1000 ? ws.close(code, reason) : closeWithStatus(ws, code)),
        echo: () => {
          echoing = true;
        },
        closed: within(closed, 'the hatchway server side to close', WAIT_MS * 2),
        message: waiter.message,
      }),
    );
  });
  const port = await listen(server);
  return { name: 'hatchway', url: `ws://127.0.0.1:${port}`, nextPeer: () => peers.next('a connection at the hatchway server') };
}

export async function wsLibraryServer(options: PeerServerOptions = {}): Promise<PeerServer> {
  const peers = queue<ServerPeer>();
  const protocols = options.protocols;
  const { wss, url } = await wsServer({
    ...(options.maxLength !== undefined ? { maxPayload: options.maxLength } : {}),
    handleProtocols: (offered) => {
      if (protocols === undefined) return false;
      for (const protocol of offered) if (protocols.includes(protocol)) return protocol;
      return false;
    },
  });
  if (options.headers !== undefined) {
    const extra = Object.entries(options.headers).map(([name, value]) => `${name}: ${value}`);
    wss.on('headers', (headers) => headers.push(...extra));
  }
  wss.on('connection', (ws: WsSocket, request: http.IncomingMessage) => {
    const received: Array<string | Buffer> = [];
    const pings: Buffer[] = [];
    const waiter = messageWaiter(received);
    let echoing = options.echo === true;
    ws.on('message', (data, isBinary) => {
      const buffer = data as Buffer;
      const value = isBinary ? buffer : buffer.toString('utf8');
      received.push(value);
      waiter.notify();
      if (echoing) ws.send(buffer, { binary: isBinary });
    });
    ws.on('ping', (data) => pings.push(data));
    ws.on('error', () => undefined);
    const closed = new Promise<{ code: number; reason: string }>((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
    peers.push({
      request,
      protocol: ws.protocol,
      received,
      pings,
      send: (data) => ws.send(data, { binary: typeof data !== 'string' }),
      sendFragments: (parts, binary) => parts.forEach((part, i) => ws.send(part, { binary, fin: i === parts.length - 1 })),
      ping: (payload) =>
        within(
          new Promise<Buffer>((resolve) => {
            ws.once('pong', (data) => resolve(data));
            ws.ping(payload);
          }),
          'the pong at the ws server',
        ),
      close: (code, reason) => ws.close(code, reason),
      echo: () => {
        echoing = true;
      },
      closed: within(closed, 'the ws server side to close', WAIT_MS * 2),
      message: waiter.message,
    });
  });
  return { name: 'ws', url, nextPeer: () => peers.next('a connection at the ws server') };
}

export const SERVERS: Array<[string, (options?: PeerServerOptions) => Promise<PeerServer>]> = [
  ['hatchway', hatchwayServer],
  ['ws', wsLibraryServer],
];

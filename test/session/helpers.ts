/**
 * Loopback fixtures for the session tests: a hatchway server whose upgrade handling each test
 * chooses, a `ws` client, and a raw TCP client that speaks just enough RFC 6455 by hand to
 * misbehave (never answer a ping, never answer a close, reset the connection).
 *
 * Everything opened here is tracked and torn down by `cleanup()` (call it from afterEach).
 */
import * as http from 'node:http';
import * as net from 'node:net';
import { createHash, randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import WS from 'ws';
import { WebSocket, type WebSocketEventMap, type WebSocketOptions } from '../../src/index.js';

export const WAIT_MS = 5000;

// --- Bookkeeping ----------------------------------------------------------------------------

const servers = new Set<TestServer>();
const wsClients = new Set<WS>();
const rawSockets = new Set<net.Socket>();

export async function cleanup(): Promise<void> {
  for (const client of wsClients) client.terminate();
  wsClients.clear();
  for (const socket of rawSockets) socket.destroy();
  rawSockets.clear();
  const closing = [...servers].map((server) => server.close());
  servers.clear();
  await Promise.all(closing);
}

// --- Waiting with a bound ---------------------------------------------------------------------

/** `promise`, or a rejection naming `what` after `ms`. */
export function within<T>(promise: Promise<T>, what: string, ms = WAIT_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** The next `type` event of a hatchway socket. */
export function next<K extends keyof WebSocketEventMap>(
  ws: WebSocket,
  type: K,
  ms = WAIT_MS,
): Promise<WebSocketEventMap[K]> {
  return within(new Promise<WebSocketEventMap[K]>((resolve) => ws.once(type, resolve)), `hatchway '${type}'`, ms);
}

/** The next event `type` of any Node emitter, with its arguments. */
export function nextEmit<T extends unknown[] = unknown[]>(
  emitter: NodeJS.EventEmitter,
  type: string,
  ms = WAIT_MS,
): Promise<T> {
  return within(
    new Promise<T>((resolve) => emitter.once(type, (...args: unknown[]) => resolve(args as T))),
    `'${type}'`,
    ms,
  );
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

// --- The server -----------------------------------------------------------------------------

export interface TestServer {
  port: number;
  url: string;
  server: http.Server;
  /** Every hatchway socket made, in order. */
  sockets: WebSocket[];
  /** The next hatchway socket made (or one already made and not yet taken). */
  accept(ms?: number): Promise<WebSocket>;
  close(): Promise<void>;
}

export interface ServerSetup {
  options?: WebSocketOptions;
  protocols?: readonly string[] | string | null;
  /** Runs right after `new WebSocket(...)`, in the upgrade handler. */
  setup?: (ws: WebSocket, req: http.IncomingMessage) => void;
  /** Replaces the whole upgrade handling (then `accept()` sees only what it returns). */
  upgrade?: (req: http.IncomingMessage, socket: net.Socket, head: Buffer) => WebSocket | null;
}

export async function startServer(setup: ServerSetup = {}): Promise<TestServer> {
  const server = http.createServer((_req, res) => res.end('not a websocket'));
  const sockets: WebSocket[] = [];
  const untaken: WebSocket[] = [];
  const waiting: Array<(ws: WebSocket) => void> = [];
  const tcp = new Set<net.Socket>();
  server.on('connection', (socket) => {
    tcp.add(socket);
    socket.once('close', () => tcp.delete(socket));
  });
  server.on('upgrade', (req: http.IncomingMessage, socket: net.Socket, head: Buffer) => {
    const ws =
      setup.upgrade !== undefined
        ? setup.upgrade(req, socket, head)
        : new WebSocket(req, socket, head, setup.protocols ?? null, setup.options ?? {});
    if (ws === null) return;
    if (setup.upgrade === undefined) setup.setup?.(ws, req);
    sockets.push(ws);
    const waiter = waiting.shift();
    if (waiter !== undefined) waiter(ws);
    else untaken.push(ws);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const testServer: TestServer = {
    port,
    url: `ws://127.0.0.1:${port}`,
    server,
    sockets,
    accept: (ms = WAIT_MS) => {
      const ready = untaken.shift();
      if (ready !== undefined) return Promise.resolve(ready);
      return within(new Promise<WebSocket>((resolve) => waiting.push(resolve)), 'a server socket', ms);
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const ws of sockets) ws.terminate();
        for (const socket of tcp) socket.destroy();
        server.close(() => resolve());
      }),
  };
  servers.add(testServer);
  return testServer;
}

// --- The ws client --------------------------------------------------------------------------

export function wsClient(url: string, protocols?: string | string[], options?: WS.ClientOptions): WS {
  const client = new WS(url, protocols, options);
  wsClients.add(client);
  client.on('error', () => {});
  return client;
}

/** A `ws` client that is open, and the hatchway socket at the other end. */
export async function connectPair(
  server: TestServer,
  path = '/',
  protocols?: string | string[],
  options?: WS.ClientOptions,
): Promise<{ client: WS; ws: WebSocket }> {
  const client = wsClient(server.url + path, protocols, options);
  const [ws] = await Promise.all([server.accept(), nextEmit(client, 'open')]);
  return { client, ws };
}

/** The `net.Socket` under a `ws` client (private in ws, stable across v8). */
export function tcpOf(client: WS): net.Socket {
  return (client as unknown as { _socket: net.Socket })._socket;
}

export function wsClosed(client: WS, ms = WAIT_MS): Promise<{ code: number; reason: string }> {
  if (client.readyState === WS.CLOSED) throw new Error('the ws client is already closed');
  return nextEmit<[number, Buffer]>(client, 'close', ms).then(([code, reason]) => ({ code, reason: reason.toString() }));
}

// --- The raw client -------------------------------------------------------------------------

export const Op = { CONTINUATION: 0, TEXT: 1, BINARY: 2, CLOSE: 8, PING: 9, PONG: 10 } as const;

export interface Frame {
  fin: boolean;
  opcode: number;
  payload: Buffer;
}

/** A client frame (masked, as RFC 6455 §5.3 requires). */
export function encodeClientFrame(opcode: number, payload: Buffer | string = Buffer.alloc(0), fin = true): Buffer {
  const data = typeof payload === 'string' ? Buffer.from(payload) : payload;
  const length = data.length;
  const lengthBytes = length < 126 ? 0 : length < 0x10000 ? 2 : 8;
  const header = Buffer.alloc(2 + lengthBytes + 4);
  header[0] = (fin ? 0x80 : 0) | opcode;
  if (lengthBytes === 0) header[1] = 0x80 | length;
  else if (lengthBytes === 2) {
    header[1] = 0x80 | 126;
    header.writeUInt16BE(length, 2);
  } else {
    header[1] = 0x80 | 127;
    header.writeBigUInt64BE(BigInt(length), 2);
  }
  const key = randomBytes(4);
  key.copy(header, 2 + lengthBytes);
  const masked = Buffer.alloc(length);
  for (let i = 0; i < length; i++) masked[i] = data[i]! ^ key[i & 3]!;
  return Buffer.concat([header, masked]);
}

export function closePayload(code: number, reason = ''): Buffer {
  const body = Buffer.alloc(2 + Buffer.byteLength(reason));
  body.writeUInt16BE(code, 0);
  body.write(reason, 2);
  return body;
}

export class RawClient {
  /** Frames from the server not yet taken by `nextFrame()`. */
  private readonly frames: Frame[] = [];
  private waiter: ((frame: Frame | null) => void) | null = null;
  private buffer = Buffer.alloc(0);
  private ended = false;
  /** Resolves when TCP is closed, with whether it ended with an error (a reset). */
  readonly closed: Promise<{ hadError: boolean }>;
  /** Frames that arrived in total (including taken ones). */
  frameCount = 0;

  private constructor(
    readonly socket: net.Socket,
    /** The handshake response's status line and headers. */
    readonly response: string,
    rest: Buffer,
  ) {
    this.closed = new Promise((resolve) => socket.once('close', (hadError) => resolve({ hadError })));
    socket.on('error', () => {});
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.once('close', () => {
      this.ended = true;
      const waiter = this.waiter;
      this.waiter = null;
      waiter?.(null);
    });
    if (rest.length > 0) this.onData(rest);
    socket.resume();
  }

  /** Connects and completes the opening handshake; rejects unless the answer is 101. */
  static async connect(port: number, path = '/', headers: Record<string, string> = {}): Promise<RawClient> {
    const socket = net.connect(port, '127.0.0.1');
    rawSockets.add(socket);
    socket.once('close', () => rawSockets.delete(socket));
    const key = randomBytes(16).toString('base64');
    const lines = [
      `GET ${path} HTTP/1.1`,
      `Host: 127.0.0.1:${port}`,
      'Upgrade: websocket',
      'Connection: Upgrade',
      `Sec-WebSocket-Key: ${key}`,
      'Sec-WebSocket-Version: 13',
      ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
    ];
    socket.write(lines.join('\r\n') + '\r\n\r\n');
    const [response, rest] = await within(readHead(socket), 'the handshake response');
    if (!response.startsWith('HTTP/1.1 101 ')) throw new Error(`handshake refused: ${response}`);
    const accept = createHash('sha1').update(key + '258EAFA5-E914-47DA-95CA-C5AB0DC85B11').digest('base64');
    if (!response.includes(`\r\nSec-WebSocket-Accept: ${accept}\r\n`)) throw new Error(`bad accept in ${response}`);
    return new RawClient(socket, response, rest);
  }

  send(opcode: number, payload: Buffer | string = Buffer.alloc(0), fin = true): void {
    this.socket.write(encodeClientFrame(opcode, payload, fin));
  }

  /** The next frame from the server, or null once TCP is closed. */
  nextFrame(ms = WAIT_MS): Promise<Frame | null> {
    const frame = this.frames.shift();
    if (frame !== undefined) return Promise.resolve(frame);
    if (this.ended) return Promise.resolve(null);
    return within(
      new Promise<Frame | null>((resolve) => {
        this.waiter = resolve;
      }),
      'a frame from the server',
      ms,
    );
  }

  private onData(chunk: Buffer): void {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    for (;;) {
      const frame = this.parseOne();
      if (frame === null) return;
      this.frameCount++;
      const waiter = this.waiter;
      this.waiter = null;
      if (waiter !== null) waiter(frame);
      else this.frames.push(frame);
    }
  }

  private parseOne(): Frame | null {
    const b = this.buffer;
    if (b.length < 2) return null;
    if ((b[1]! & 0x80) !== 0) throw new Error('a server frame is masked');
    let length = b[1]! & 0x7f;
    let at = 2;
    if (length === 126) {
      if (b.length < 4) return null;
      length = b.readUInt16BE(2);
      at = 4;
    } else if (length === 127) {
      if (b.length < 10) return null;
      length = Number(b.readBigUInt64BE(2));
      at = 10;
    }
    if (b.length < at + length) return null;
    const frame = { fin: (b[0]! & 0x80) !== 0, opcode: b[0]! & 0x0f, payload: Buffer.from(b.subarray(at, at + length)) };
    this.buffer = b.subarray(at + length);
    return frame;
  }
}

/** Reads up to the end of an HTTP response head, then pauses the socket; returns the head and whatever followed. */
export function readHead(socket: net.Socket): Promise<[string, Buffer]> {
  return new Promise((resolve, reject) => {
    let data = Buffer.alloc(0);
    const onData = (chunk: Buffer): void => {
      data = Buffer.concat([data, chunk]);
      const end = data.indexOf('\r\n\r\n');
      if (end === -1) return;
      socket.off('data', onData);
      socket.off('close', onClose);
      socket.pause();
      resolve([data.subarray(0, end + 4).toString('latin1'), data.subarray(end + 4)]);
    };
    const onClose = (): void => reject(new Error(`connection closed during the handshake: ${data.toString('latin1')}`));
    socket.on('data', onData);
    socket.once('close', onClose);
  });
}

/** Sends raw bytes as an HTTP request and collects everything until the server closes. */
export function rawExchange(port: number, request: string): Promise<{ bytes: Buffer; hadError: boolean }> {
  const socket = net.connect(port, '127.0.0.1');
  rawSockets.add(socket);
  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  socket.on('error', () => {});
  socket.write(request);
  return within(
    new Promise((resolve) =>
      socket.once('close', (hadError) => {
        rawSockets.delete(socket);
        resolve({ bytes: Buffer.concat(chunks), hadError });
      }),
    ),
    'the server to close the connection',
  );
}

export function upgradeRequest(port: number, headers: Record<string, string> = {}): string {
  const lines = [
    'GET / HTTP/1.1',
    `Host: 127.0.0.1:${port}`,
    'Upgrade: websocket',
    'Connection: Upgrade',
    `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}`,
    'Sec-WebSocket-Version: 13',
    ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
  ];
  return lines.join('\r\n') + '\r\n\r\n';
}

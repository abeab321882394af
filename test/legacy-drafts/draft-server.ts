/**
 * A plain node:http server whose upgrades become `new WebSocket(req, socket, head, protocols,
 * options)`, each session's events logged as short lines ('open', 'message hi', 'error CODE',
 * 'close 1000 true'). `closeDraftServers()` tears every one down (call it from afterEach).
 */
import * as http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { WebSocket, type WebSocketOptions } from '../../src/index.js';
import { within } from './draft-client';

export interface Session {
  ws: WebSocket;
  log: string[];
  /** Resolves with the log once `close` was emitted. */
  closed: Promise<string[]>;
}

export interface DraftServer {
  port: number;
  /** The next session made, or one made and not yet taken. */
  accept(): Promise<Session>;
}

const running = new Set<{ server: http.Server; sockets: Set<Socket>; sessions: Session[] }>();

export async function closeDraftServers(): Promise<void> {
  const closing = [...running].map(({ server, sockets, sessions }) => {
    for (const { ws } of sessions) ws.terminate();
    for (const socket of sockets) socket.destroy();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });
  running.clear();
  await Promise.all(closing);
}

/** Logs the events of `ws` into `log`. */
export function record(ws: WebSocket, log: string[] = []): Session {
  ws.on('open', () => log.push('open'));
  ws.on('message', (event) => log.push(`message ${String(event.data)}`));
  ws.on('error', (event) => log.push(`error ${(event.error as { code?: string }).code}`));
  const closed = new Promise<string[]>((resolve) =>
    ws.on('close', (event) => {
      log.push(`close ${event.code} ${event.wasClean}`);
      resolve(log);
    }),
  );
  return { ws, log, closed };
}

export async function startDraftServer(
  options: WebSocketOptions = { legacyDrafts: true },
  setup: (session: Session) => void = () => {},
  protocols: readonly string[] | null = null,
): Promise<DraftServer> {
  const server = http.createServer((_req, res) => res.end('not a websocket'));
  const sockets = new Set<Socket>();
  const sessions: Session[] = [];
  const untaken: Session[] = [];
  const waiting: Array<(session: Session) => void> = [];
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  server.on('upgrade', (req: http.IncomingMessage, socket: Socket, head: Buffer) => {
    const session = record(new WebSocket(req, socket, head, protocols, options));
    setup(session);
    sessions.push(session);
    const waiter = waiting.shift();
    if (waiter !== undefined) waiter(session);
    else untaken.push(session);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  running.add({ server, sockets, sessions });
  return {
    port: (server.address() as AddressInfo).port,
    accept: () => {
      const ready = untaken.shift();
      return ready !== undefined ? Promise.resolve(ready) : within(new Promise<Session>((resolve) => waiting.push(resolve)), 'a server session');
    },
  };
}

/**
 * Sessions of either role over one end of an in-memory pair, as the library's own server socket
 * and client would make them: the server through `new WebSocket(request, socket, head)` (which
 * writes the 101 and opens on the next tick), the client by attaching the session's connection to
 * the socket and starting it, as `src/client/` does once its handshake is through.
 */
import { randomBytes } from 'node:crypto';
import type { Duplex } from 'node:stream';
import { WebSocket, type UpgradeRequest } from '../../../src/index.js';
import { WebSocketSession, connectionOf, type SessionOptions } from '../../../src/websocket-session/websocket-session.js';

/** A client-role session with no transport of its own: the test hands it the socket. */
export class FuzzClient extends WebSocketSession {
  constructor(options: SessionOptions) {
    super('client', options);
  }
}

/** A valid opening handshake request (RFC 6455 §4.1), as a plain object. */
export function upgradeRequest(): UpgradeRequest {
  return {
    method: 'GET',
    url: '/',
    httpVersionMajor: 1,
    httpVersionMinor: 1,
    headers: {
      host: 'fuzz.test',
      upgrade: 'websocket',
      connection: 'Upgrade',
      'sec-websocket-key': randomBytes(16).toString('base64'),
      'sec-websocket-version': '13',
    },
  };
}

export interface OpenedSession {
  session: WebSocketSession;
  /** Makes the session open: a no-op for the server (it opens by itself on the next tick). */
  start(): void;
}

/**
 * Creates the session; `listen` runs at once (listeners first, so no event is missed), then the
 * caller may call the session before `start()`.
 */
export function createSession(
  role: 'server' | 'client',
  socket: Duplex,
  options: SessionOptions,
  head: Buffer,
  listen: (session: WebSocketSession) => void,
): OpenedSession {
  if (role === 'server') {
    const session = new WebSocket(upgradeRequest(), socket, head, null, options);
    listen(session);
    return { session, start: () => {} };
  }
  const session = new FuzzClient(options);
  listen(session);
  const connection = connectionOf(session);
  connection.attach(socket);
  return { session, start: () => connection.start(head.length > 0 ? head : undefined) };
}

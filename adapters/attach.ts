/**
 * `attach(server, listener)`: routes the server's upgrade requests through the app, marks
 * every request with `isWebSocket`/`isEventSource`, and closes live sockets (1001, then a
 * bounded grace period) when the server closes.
 */
import type { Server as HttpServer } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { markRequest } from '../middleware/request-flags.js';
import { SessionRegistry } from '../src/session-registry.js';
import { dispatchUpgrade, type RequestListener } from './upgrade-dispatch.js';

export interface AttachOptions {
  /** Seconds live sockets get to finish their closing handshake on shutdown. Default 5. */
  shutdownTimeout?: number;
}

type AnyServer = HttpServer | HttpsServer;

export function attachListener<S extends AnyServer>(server: S, listener: RequestListener, options: AttachOptions = {}): S {
  const graceMs = (options.shutdownTimeout ?? 5) * 1000;
  const registry = new SessionRegistry();
  const onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer): void =>
    dispatchUpgrade(request, socket, head, listener, registry);
  server.on('upgrade', onUpgrade);
  server.prependListener('request', (request: IncomingMessage) => markRequest(request, false));

  const close = server.close as (this: S, callback?: (error?: Error) => void) => S;
  server.close = function closeWithSessions(this: S, callback?: (error?: Error) => void): S {
    server.removeListener('upgrade', onUpgrade);
    registry.closeAll(graceMs);
    return close.call(this, callback);
  } as S['close'];
  return server;
}

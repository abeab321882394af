/**
 * `attach(server, listener)`: routes the server's upgrade requests through the app, marks
 * every request with `isWebSocket`/`isEventSource` and gives every response `eventSource()`,
 * and closes live sockets (1001, then a bounded grace period) and event streams when the
 * server closes. On a `node:http2` server it also advertises extended CONNECT and routes each
 * WebSocket's CONNECT stream through the app (RFC 8441), beside the HTTP/1.1 upgrades of `allowHTTP1`.
 */
import type { Server as HttpServer } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import type { Http2SecureServer, Http2Server } from 'node:http2';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { attachHttp2, isHttp2Server } from './attach-http2.js';
import { markRequest } from '../middleware/request-flags.js';
import { addResponseHelpers } from '../middleware/response-helpers.js';
import type { EventSource } from '../src/event-source/event-source.js';
import { SessionRegistry } from '../src/server/session-registry.js';
import { dispatchUpgrade, type RequestListener } from './upgrade-dispatch.js';

export interface AttachOptions {
  /** Seconds live sockets get to finish their closing handshake on shutdown. Default 5. */
  shutdownTimeout?: number;
}

export type AnyServer = HttpServer | HttpsServer | Http2Server | Http2SecureServer;

export function attachListener<S extends AnyServer>(server: S, listener: RequestListener, options: AttachOptions = {}): S {
  const graceMs = (options.shutdownTimeout ?? 5) * 1000;
  const registry = new SessionRegistry();
  const http2 = isHttp2Server(server) ? attachHttp2(server, listener, registry) : null;
  const onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer): void =>
    dispatchUpgrade(request, socket, head, listener, registry);
  server.on('upgrade', onUpgrade);
  const track = (es: EventSource): void => registry.trackEventSource(es);
  server.prependListener('request', (request: IncomingMessage, response: ServerResponse) => {
    http2?.prepare?.(request, response);
    markRequest(request, false);
    addResponseHelpers(response, track);
  });

  const close = server.close as (this: S, callback?: (error?: Error) => void) => S;
  server.close = function closeWithSessions(this: S, callback?: (error?: Error) => void): S {
    server.removeListener('upgrade', onUpgrade);
    http2?.stop();
    registry.closeAll(graceMs);
    return close.call(this, callback);
  } as S['close'];
  return server;
}

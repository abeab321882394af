/**
 * The `http.Server` that `createServer()` and `listen()` make: attached, and with timeouts that cut a
 * slow or silent connection within 25 s. Node's own defaults (a 60 s `headersTimeout` checked every
 * 30 s) leave a request head trickled a line at a time, or a connection that never sends a byte, open
 * for up to 90 s: a client opening a few connections a second keeps hundreds of them open at once.
 */
import { createServer as createHttpServer, type Server, type ServerOptions } from 'node:http';
import type { ListenOptions } from 'node:net';
import { attachListener, type AttachOptions } from './attach.js';
import type { RequestListener } from './upgrade-dispatch.js';

/** Node's `http.createServer` options and `attach`'s, in one object. */
export interface CreateServerOptions extends ServerOptions, AttachOptions {}

/**
 * Where these differ from Node's defaults: a head must be complete 20 s after the connection opened (a
 * silent connection counts from its accept), checked every 5 s. Node's checker stops watching a request
 * once it has arrived whole (for a GET, its head) and forgets an upgraded socket, so event streams and
 * WebSockets live on. `requestTimeout` stays Node's 300 s (it bounds a request body too, and uploads
 * must keep working), `keepAliveTimeout` Node's 5 s.
 */
const HEADERS_TIMEOUT_MS = 20_000;
// Node reads it only when the server starts listening, so it is a creation option in all but name.
const CHECKING_INTERVAL_MS = 5_000;

export function createAttachedServer(listener: RequestListener, options: CreateServerOptions = {}): Server {
  const { shutdownTimeout, ...serverOptions } = options;
  const requestTimeout = serverOptions.requestTimeout ?? 300_000; // Node's default
  const server = createHttpServer(
    {
      // Node refuses a headersTimeout above a non-zero requestTimeout; a smaller requestTimeout wins.
      headersTimeout: requestTimeout > 0 ? Math.min(HEADERS_TIMEOUT_MS, requestTimeout) : HEADERS_TIMEOUT_MS,
      connectionsCheckingInterval: CHECKING_INTERVAL_MS,
      ...serverOptions,
    },
    listener,
  );
  return attachListener(server, listener, { shutdownTimeout });
}

/** Every form `server.listen()` takes: `Parameters<Server['listen']>` would keep only its last overload. */
export type ListenArgs =
  | [port?: number, hostname?: string, backlog?: number, listeningListener?: () => void]
  | [port?: number, hostname?: string, listeningListener?: () => void]
  | [port?: number, backlog?: number, listeningListener?: () => void]
  | [port?: number, listeningListener?: () => void]
  | [path: string, backlog?: number, listeningListener?: () => void]
  | [path: string, listeningListener?: () => void]
  | [options: ListenOptions, listeningListener?: () => void]
  | [handle: unknown, backlog?: number, listeningListener?: () => void]
  | [handle: unknown, listeningListener?: () => void];

export function listenWith(server: Server, listenArgs: ListenArgs): Server {
  // Each form is one of listen()'s own overloads; TypeScript cannot pick one for a union of tuples.
  return (server.listen as (...args: ListenArgs) => Server)(...listenArgs);
}

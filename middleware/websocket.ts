/**
 * `websocket(handler, options)` for Connect and Express: claims a WebSocket upgrade that
 * reached this point of the app (after its auth, sessions and routing) and hands the open
 * socket to `handler`; any other request goes on with `next()`, except a handshake on a server that
 * was not attached, which is refused loudly (`unattached-upgrade.ts`).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { WebSocket } from '../src/index.js';
import { acceptUpgrade, runHandler, type WebSocketMiddlewareOptions } from './accept-upgrade.js';
import { refuseUnattachedUpgrade } from './unattached-upgrade.js';

export type WebSocketHandler<Request extends IncomingMessage = IncomingMessage> = (
  ws: WebSocket,
  request: Request,
) => unknown;

export type NextFunction = (error?: unknown) => void;

export function websocket<Request extends IncomingMessage = IncomingMessage>(
  handler: WebSocketHandler<Request>,
  options: WebSocketMiddlewareOptions = {},
): (request: Request, response: ServerResponse, next: NextFunction) => void {
  return function websocketMiddleware(request, response, next) {
    const ws = acceptUpgrade(request, options);
    if (ws === null) {
      if (!refuseUnattachedUpgrade(request, response)) next();
      return;
    }
    // A refused handshake was answered with its HTTP status; there is nothing to hand over.
    if (ws.readyState === ws.CLOSED) return;
    runHandler(ws, () => handler(ws, request), next);
  };
}

export type { WebSocketMiddlewareOptions };

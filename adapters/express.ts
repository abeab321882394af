/**
 * `hatchway/express`: the Connect/Express middleware and helpers, typed with Express's own
 * `Request`, and `req.isWebSocket`/`req.isEventSource` added to it.
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { ParamsDictionary } from 'express-serve-static-core';
import type { WebSocket } from '../src/index.js';
import { websocket as connectWebsocket, type WebSocketMiddlewareOptions } from '../middleware/websocket.js';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /** True on a WebSocket opening handshake that reached the app through `attach()`. */
      isWebSocket?: boolean;
      /** True when the request accepts `text/event-stream`. */
      isEventSource?: boolean;
    }
  }
}

export type ExpressWebSocketHandler<P = ParamsDictionary> = (ws: WebSocket, request: Request<P>) => unknown;

/** Claims WebSocket upgrades that reach it; `req.params` of the route are there. */
export function websocket<P = ParamsDictionary>(
  handler: ExpressWebSocketHandler<P>,
  options?: WebSocketMiddlewareOptions,
): RequestHandler<P> {
  const middleware = connectWebsocket<Request<P>>(handler, options);
  return (request: Request<P>, response: Response, next: NextFunction) => middleware(request, response, next);
}

export { attach, listen, type AttachOptions } from './node.js';
export * from '../src/index.js';
export type { WebSocketMiddlewareOptions };

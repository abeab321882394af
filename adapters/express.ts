/**
 * `hatchway/express`: the Connect/Express middleware and helpers, typed with Express's own
 * `Request`, with `req.isWebSocket`/`req.isEventSource` and `res.eventSource()` added to them.
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { ParamsDictionary } from 'express-serve-static-core';
import type { EventSource, EventSourceOptions, WebSocket } from '../src/index.js';
import { websocket as connectWebsocket, type WebSocketMiddlewareOptions } from '../middleware/websocket.js';
import { eventSource as connectEventSource } from '../middleware/event-source.js';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /** True on a WebSocket opening handshake that reached the app through `attach()`. */
      isWebSocket?: boolean;
      /** True when the request accepts `text/event-stream`. */
      isEventSource?: boolean;
    }
    interface Response {
      /**
       * Answers this request with a `text/event-stream` and returns the session. Present on every
       * response of an attached app, or after `app.use(eventSourceSupport())`.
       */
      eventSource(options?: EventSourceOptions): EventSource;
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

export type ExpressEventSourceHandler<P = ParamsDictionary> = (es: EventSource, request: Request<P>) => unknown;

/** Answers requests that accept `text/event-stream` with a stream for `handler`; others go on with `next()`. */
export function eventSource<P = ParamsDictionary>(
  handler: ExpressEventSourceHandler<P>,
  options?: EventSourceOptions,
): RequestHandler<P> {
  const middleware = connectEventSource<Request<P>>(handler, options);
  return (request: Request<P>, response: Response, next: NextFunction) => middleware(request, response, next);
}

export { eventSourceSupport } from '../middleware/response-helpers.js';
export { attach, createServer, listen, type AttachOptions, type CreateServerOptions } from './node.js';
export * from '../src/index.js';
export type { WebSocketMiddlewareOptions };

/**
 * `hatchway/koa`: `websocket(handler, { path })` and `eventSource(handler, { path })` middleware
 * (also usable as `@koa/router` routes), `attach(server, app)`, `createServer(app, options)`,
 * `listen(app, ...args)`, and `ctx.isWebSocket`, `ctx.isEventSource`, `ctx.eventSource()` on every
 * context of an attached app.
 */
import type { Server } from 'node:http';
import type Koa from 'koa';
import { EventSource, type EventSourceOptions, type WebSocket } from '../src/index.js';
import { acceptUpgrade, handlerFailed, type WebSocketMiddlewareOptions } from '../middleware/accept-upgrade.js';
import { openEventSource } from '../middleware/response-helpers.js';
import { refuseUnattachedUpgrade } from '../middleware/unattached-upgrade.js';
import { attachListener, type AttachOptions } from './attach.js';
import { createAttachedServer, listenWith, type CreateServerOptions, type ListenArgs } from './hardened-server.js';

declare module 'koa' {
  interface ExtendableContext {
    /** True on a WebSocket opening handshake that reached the app through `attach()`. */
    isWebSocket: boolean;
    /** True when the request accepts `text/event-stream`. */
    isEventSource: boolean;
    /** Answers with a `text/event-stream` (setting `ctx.respond = false`) and returns the session. */
    eventSource(options?: EventSourceOptions): EventSource;
  }
}

export interface KoaWebSocketOptions extends WebSocketMiddlewareOptions {
  /** Only upgrades to exactly this path are claimed (not needed on a router route). */
  path?: string;
}

export type KoaWebSocketHandler<Context extends Koa.Context = Koa.Context> = (ws: WebSocket, ctx: Context) => unknown;

export function websocket<Context extends Koa.Context = Koa.Context>(
  handler: KoaWebSocketHandler<Context>,
  options: KoaWebSocketOptions = {},
): (ctx: Context, next: Koa.Next) => Promise<void> {
  return async function websocketMiddleware(ctx, next) {
    if (options.path !== undefined && ctx.path !== options.path) return next();
    const ws = acceptUpgrade(ctx.req, options);
    if (ws === null) {
      if (!refuseUnattachedUpgrade(ctx.req, ctx.res)) return next();
      // The refusal was written to the raw response; Koa must not write one of its own.
      ctx.respond = false;
      return;
    }
    // The socket is ours now: Koa must not write a response of its own.
    ctx.respond = false;
    if (ws.readyState === ws.CLOSED) return;
    try {
      await handler(ws, ctx);
    } catch (error) {
      handlerFailed(ws);
      throw error;
    }
  };
}

export interface KoaEventSourceOptions extends EventSourceOptions {
  /** Only requests for exactly this path are answered (not needed on a router route). */
  path?: string;
}

export type KoaEventSourceHandler<Context extends Koa.Context = Koa.Context> = (es: EventSource, ctx: Context) => unknown;

/** Answers requests that accept `text/event-stream` with a stream for `handler`; others go on with `next()`. */
export function eventSource<Context extends Koa.Context = Koa.Context>(
  handler: KoaEventSourceHandler<Context>,
  options: KoaEventSourceOptions = {},
): (ctx: Context, next: Koa.Next) => Promise<void> {
  return async function eventSourceMiddleware(ctx, next) {
    if (options.path !== undefined && ctx.path !== options.path) return next();
    if (!EventSource.isEventSource(ctx.req)) return next();
    const es = contextEventSource.call(ctx, options);
    try {
      await handler(es, ctx);
    } catch (error) {
      es.close();
      throw error;
    }
  };
}

function contextEventSource(this: Koa.Context, options?: EventSourceOptions): EventSource {
  const es = openEventSource(this.req, this.res, options);
  // The response is the stream's now: Koa must not write one of its own.
  this.respond = false;
  return es;
}

type AnyServer = Parameters<typeof attachListener>[0];

export function attach<S extends AnyServer>(server: S, app: Koa, options?: AttachOptions): S {
  return attachListener(server, koaListener(app), options);
}

/** An attached `http.Server` for `app` whose slow or silent connections are cut (see the README). */
export function createServer(app: Koa, options?: CreateServerOptions): Server {
  return createAttachedServer(koaListener(app), options);
}

export function listen(app: Koa, ...listenArgs: ListenArgs): Server {
  return listenWith(createServer(app), listenArgs);
}

function koaListener(app: Koa): ReturnType<Koa['callback']> {
  if (!Object.prototype.hasOwnProperty.call(app.context, 'isWebSocket')) {
    Object.defineProperties(app.context, {
      isWebSocket: { get(this: Koa.Context) { return this.req.isWebSocket === true; } },
      isEventSource: { get(this: Koa.Context) { return this.req.isEventSource === true; } },
      eventSource: { value: contextEventSource },
    });
  }
  return app.callback();
}

export * from '../src/index.js';
export type { AttachOptions, CreateServerOptions, WebSocketMiddlewareOptions };

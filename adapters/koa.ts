/**
 * `hatchway/koa`: `websocket(handler, { path })` middleware (also usable as a `@koa/router`
 * route), `attach(server, app)`, `listen(app, ...args)`, and `ctx.isWebSocket`,
 * `ctx.isEventSource` on every context of an attached app.
 */
import { createServer, type Server } from 'node:http';
import type Koa from 'koa';
import type { WebSocket } from '../src/index.js';
import { acceptUpgrade, handlerFailed, type WebSocketMiddlewareOptions } from '../middleware/accept-upgrade.js';
import { attachListener, type AttachOptions } from './attach.js';

declare module 'koa' {
  interface ExtendableContext {
    /** True on a WebSocket opening handshake that reached the app through `attach()`. */
    isWebSocket: boolean;
    /** True when the request accepts `text/event-stream`. */
    isEventSource: boolean;
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
    if (ws === null) return next();
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

type AnyServer = Parameters<typeof attachListener>[0];

export function attach<S extends AnyServer>(server: S, app: Koa, options?: AttachOptions): S {
  return attachListener(server, koaListener(app), options);
}

export function listen(app: Koa, ...listenArgs: Parameters<Server['listen']>): Server {
  const listener = koaListener(app);
  return attachListener(createServer(listener), listener).listen(...listenArgs);
}

function koaListener(app: Koa): ReturnType<Koa['callback']> {
  if (!Object.prototype.hasOwnProperty.call(app.context, 'isWebSocket')) {
    Object.defineProperties(app.context, {
      isWebSocket: { get(this: Koa.Context) { return this.req.isWebSocket === true; } },
      isEventSource: { get(this: Koa.Context) { return this.req.isEventSource === true; } },
    });
  }
  return app.callback();
}

export * from '../src/index.js';
export type { AttachOptions, WebSocketMiddlewareOptions };

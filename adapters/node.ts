/**
 * Plain `node:http`/`node:https` and Connect-style apps: `attach(server, app)`, and
 * `createServer(app, options)` and `listen(app, ...args)` for any `(req, res[, next])` request listener.
 */
import type { Server } from 'node:http';
import { attachListener, type AttachOptions } from './attach.js';
import { createAttachedServer, listenWith, type CreateServerOptions, type ListenArgs } from './hardened-server.js';
import type { RequestListener } from './upgrade-dispatch.js';

type AnyServer = Parameters<typeof attachListener>[0];

export function attach<S extends AnyServer>(server: S, app: RequestListener, options?: AttachOptions): S {
  return attachListener(server, app, options);
}

/** An attached `http.Server` for `app` whose slow or silent connections are cut (see the README). */
export function createServer(app: RequestListener, options?: CreateServerOptions): Server {
  return createAttachedServer(app, options);
}

/** `createServer(app)`, then `server.listen(...listenArgs)`. */
export function listen(app: RequestListener, ...listenArgs: ListenArgs): Server {
  return listenWith(createServer(app), listenArgs);
}

export type { AttachOptions, CreateServerOptions, RequestListener };

/**
 * Plain `node:http`/`node:https` and Connect-style apps: `attach(server, app)` and
 * `listen(app, ...args)` for any `(req, res[, next])` request listener.
 */
import { createServer, type Server } from 'node:http';
import { attachListener, type AttachOptions } from './attach.js';
import type { RequestListener } from './upgrade-dispatch.js';

type AnyServer = Parameters<typeof attachListener>[0];

export function attach<S extends AnyServer>(server: S, app: RequestListener, options?: AttachOptions): S {
  return attachListener(server, app, options);
}

/** `http.createServer(app)`, attached, then `server.listen(...listenArgs)`. */
export function listen(app: RequestListener, ...listenArgs: Parameters<Server['listen']>): Server {
  const server = attachListener(createServer(app), app);
  return server.listen(...listenArgs);
}

export type { AttachOptions, RequestListener };

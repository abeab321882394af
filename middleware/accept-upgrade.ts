/**
 * The step every `websocket()` middleware shares: claim the request's upgrade, answer the
 * handshake, and run the handler, turning a throw or a rejection into a 1011 close plus an
 * error for the framework's own error handling.
 */
import type { IncomingMessage } from 'node:http';
import { CloseCode, WebSocket, type WebSocketOptions } from '../src/index.js';
import { closeWithStatus } from '../src/websocket-session/websocket-session.js';
import { claimUpgrade } from './upgrade-context.js';

export interface WebSocketMiddlewareOptions extends WebSocketOptions {
  /** Subprotocols the server speaks; the first in the client's order wins. */
  protocols?: readonly string[];
}

/** The open (or refused) socket, or null when the request is not an upgrade this middleware can take. */
export function acceptUpgrade(request: IncomingMessage, options: WebSocketMiddlewareOptions): WebSocket | null {
  if (request.isWebSocket !== true) return null;
  const upgrade = claimUpgrade(request);
  if (upgrade === null) return null;
  upgrade.release();
  const ws = new WebSocket(request, upgrade.socket, upgrade.head, options.protocols ?? null, options);
  upgrade.track(ws);
  return ws;
}

/** A handler failed: the socket closes with 1011 (RFC 6455 §7.4.1, internal error) and the error goes on to the framework. */
export function handlerFailed(ws: WebSocket): void {
  closeWithStatus(ws, CloseCode.INTERNAL_ERROR);
}

/** Runs the handler; `onError` receives what it threw or rejected with, after the socket was closed. */
export function runHandler(ws: WebSocket, run: () => unknown, onError: (error: unknown) => void): void {
  const fail = (error: unknown): void => {
    handlerFailed(ws);
    onError(error);
  };
  try {
    const result = run();
    if (isThenable(result)) result.then(undefined, fail);
  } catch (error) {
    fail(error);
  }
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as PromiseLike<unknown> | null)?.then === 'function';
}

/**
 * The glue every adapter shares: an HTTP `'upgrade'` runs through the app like any request,
 * with a real `ServerResponse` bound to the raw socket. A `websocket()` middleware claims
 * the socket; whatever the app answers instead (401, 404, 500) goes out as HTTP with
 * `Connection: close`, and the socket is closed.
 */
import { ServerResponse, type IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocket } from '../src/index.js';
import type { SessionRegistry } from '../src/server/session-registry.js';
import { closeWhenFlushed } from '../src/handshake/http-rejection.js';
import { markRequest } from '../middleware/request-flags.js';
import { addResponseHelpers } from '../middleware/response-helpers.js';
import { isUpgradeClaimed, offerUpgrade } from '../middleware/upgrade-context.js';

export type RequestListener = (request: IncomingMessage, response: ServerResponse) => unknown;

export function dispatchUpgrade(
  request: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  listener: RequestListener,
  registry: SessionRegistry,
): void {
  // Node removed its own error listener from an upgraded socket; a reset must not crash.
  socket.on('error', destroyOnError);
  markRequest(request, WebSocket.isWebSocket(request));
  const response = new ServerResponse(request);
  response.shouldKeepAlive = false;
  response.assignSocket(socket as Socket);
  addResponseHelpers(response, (es) => registry.trackEventSource(es));
  offerUpgrade(request, {
    socket,
    head,
    release: () => releaseResponse(response, socket),
    track: (session) => registry.track(session),
  });
  response.on('finish', () => {
    if (isUpgradeClaimed(request)) return;
    response.detachSocket(socket as Socket);
    closeWhenFlushed(socket);
  });
  listener(request, response);
}

/**
 * The upgrade is claimed: the response lets go of the socket and reports itself finished, so
 * that whatever waits for it (Koa's `on-finished` with its context, loggers) lets go of the
 * socket too, instead of listening to it for the WebSocket's whole life.
 */
function releaseResponse(response: ServerResponse, socket: Duplex): void {
  response.detachSocket(socket as Socket);
  response.emit('finish');
}

function destroyOnError(this: Duplex): void {
  this.destroy();
}

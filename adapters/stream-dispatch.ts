/**
 * The HTTP/2 twin of `upgrade-dispatch.ts`: an extended CONNECT for a WebSocket (RFC 8441) runs
 * through the app like any request, with the compat response of its stream. A `websocket()`
 * middleware claims the stream and answers 200; whatever the app answers instead (401, 404, 500)
 * goes out as that stream's response. While it runs through the app the request reads as GET, so
 * that `app.get()` and router routes match it as they match an HTTP/1.1 upgrade.
 */
import type { Http2ServerRequest, Http2ServerResponse } from 'node:http2';
import { constants } from 'node:http2';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SessionRegistry } from '../src/server/session-registry.js';
import { markRequest } from '../middleware/request-flags.js';
import { addResponseHelpers } from '../middleware/response-helpers.js';
import { isUpgradeClaimed, offerUpgrade } from '../middleware/upgrade-context.js';
import type { RequestListener } from './upgrade-dispatch.js';

const EMPTY = Buffer.alloc(0);

export function dispatchExtendedConnect(
  request: Http2ServerRequest,
  response: Http2ServerResponse,
  listener: RequestListener,
  registry: SessionRegistry,
): void {
  const stream = request.stream;
  stream.on('error', ignore);
  const incoming = request as unknown as IncomingMessage;
  markRequest(incoming, true);
  (request as { method: string }).method = 'GET';
  addResponseHelpers(response as unknown as ServerResponse, (es) => registry.trackEventSource(es));
  offerUpgrade(incoming, { socket: stream, head: EMPTY, release: ignore, track: (session) => registry.track(session) });
  refuseOrdinarySuccess(request, response);
  listener(incoming, response as unknown as ServerResponse);
}

/**
 * A 2xx on an extended CONNECT opens the tunnel (RFC 8441 §5): an app that answers this request as
 * an ordinary one (a catch-all page, static files) must not make the client take its body for
 * WebSocket frames. Unclaimed, such an answer goes out as 404, as nothing speaks WebSocket here.
 */
function refuseOrdinarySuccess(request: Http2ServerRequest, response: Http2ServerResponse): void {
  const writeHead = response.writeHead;
  // The compat response's write(), end() and flushHeaders() all go through writeHead().
  response.writeHead = function guardedWriteHead(this: Http2ServerResponse, status: number, ...rest: unknown[]) {
    const claimed = isUpgradeClaimed(request as unknown as IncomingMessage);
    const code = !claimed && status >= 200 && status < 300 ? 404 : status;
    if (code !== status) this.statusCode = 404;
    return (writeHead as (...args: unknown[]) => Http2ServerResponse).call(this, code, ...rest);
  } as Http2ServerResponse['writeHead'];
}

/** An HTTP/2 CONNECT that is not for a WebSocket, with no one else to take it: 405, as Node answers by itself. */
export function refuseOtherConnect(response: Http2ServerResponse): void {
  response.stream.on('error', ignore);
  if (response.headersSent) return;
  response.writeHead(constants.HTTP_STATUS_METHOD_NOT_ALLOWED);
  response.end();
}

function ignore(): void {}

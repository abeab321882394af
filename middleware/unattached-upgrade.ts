/**
 * A WebSocket handshake that reached `websocket()` as an ordinary request: the server has no
 * `'upgrade'` listener (typically the app was started with the framework's own `app.listen()`), so
 * Node handed the handshake to the `'request'` event, where no 101 can be written safely (Node's HTTP
 * parser still owns the socket). Passing it on with `next()` would end in the framework's 404 and
 * leave the mistake silent; it is refused with a 500 instead (the server is misconfigured, not the
 * client wrong), a body that names the fix, and one process warning.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { WebSocket } from '../src/index.js';
import { wasUpgradeOffered } from './upgrade-context.js';

/** The `code` of the process warning (see docs/errors.md). */
export const UNATTACHED_UPGRADE_CODE = 'WS_ERR_SERVER_NOT_ATTACHED';

const STATUS = 500;

const MESSAGE =
  'hatchway: a WebSocket handshake reached websocket() on a server that cannot upgrade it: the server ' +
  "has no 'upgrade' listener (was it started with the framework's own app.listen()?). Start the app " +
  "with listen(app, port), or call attach(server, app) on your own server; both come from 'hatchway' " +
  "('hatchway/koa' for Koa). Until then every handshake that reaches websocket() is answered with 500.";

const BODY = `${MESSAGE}\n`;

let warned = false;

/**
 * Answers `request` with the 500 when it is such a handshake and returns true; returns false, having
 * written nothing, for anything else (an ordinary request, or an upgrade an attached server offered).
 */
export function refuseUnattachedUpgrade(request: IncomingMessage, response: ServerResponse): boolean {
  if (wasUpgradeOffered(request) || !WebSocket.isWebSocket(request) || response.headersSent) return false;
  if (!warned) {
    // Once per process: a browser retrying in a loop must not flood the logs.
    warned = true;
    process.emitWarning(MESSAGE, { code: UNATTACHED_UPGRADE_CODE });
  }
  response.writeHead(STATUS, {
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': Buffer.byteLength(BODY),
    // The client sent an upgrade and will not reuse this connection for plain HTTP; close it.
    Connection: 'close',
  });
  response.end(BODY);
  return true;
}

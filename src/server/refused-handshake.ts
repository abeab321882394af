/**
 * A server handshake refused (RFC 6455 §4.2.2, RFC 8441 §5, or a legacy draft's): the peer is told
 * the HTTP status only, the detail stays in the error event; the session never opens, and emits
 * `error` then `close` (1006) on the next tick, so that listeners attached right after `new` hear them.
 */
import type { Duplex } from 'node:stream';
import { STATUS_CODES } from 'node:http';
import type { HandshakeError } from '../errors.js';
import { rejectUpgrade, refuseStream, type RefusableStream } from '../handshake/http-rejection.js';
import { reportHandshake } from '../observability/diagnostics.js';
import { emitClose, emitError } from '../websocket-session/lifecycle.js';
import { ReadyState } from '../websocket-session/ready-state.js';
import type { WebSocketSession } from '../websocket-session/websocket-session.js';

export function refuseHandshake(
  session: WebSocketSession,
  engine: { readyState: ReadyState },
  socket: Duplex,
  error: HandshakeError,
  overStream = false,
): void {
  const body = STATUS_CODES[error.statusCode] ?? 'Error';
  if (overStream) refuseStream(socket as unknown as RefusableStream, error.statusCode, body, error.headers);
  else rejectUpgrade(socket, error.statusCode, body, error.headers);
  reportHandshake('server', session.url, error.statusCode, error);
  engine.readyState = ReadyState.CLOSED;
  process.nextTick(() => {
    emitError(session, 'server', error);
    emitClose(session, 'server', null);
  });
}

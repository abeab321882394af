/**
 * The three lifecycle events of a session, `open`, `error` and `close`: each reported to the
 * diagnostics channels and the debug log (`observability/diagnostics.ts`) first, then emitted to
 * the application's listeners. Every path that ends a session (the connection engine, a refused
 * server handshake, a client's failed attempt) goes through here, so a channel sees every event.
 */
import { CloseCode } from '../ws-frame-parser/index.js';
import { reportWebSocketClose, reportWebSocketError, reportWebSocketOpen } from '../observability/diagnostics.js';
import { CloseEvent, ErrorEvent, WebSocketEvent } from './events.js';
import type { ClosingHandshake } from './closing-handshake.js';
import type { Role, WebSocketSession } from './websocket-session.js';

export function emitOpen(session: WebSocketSession, role: Role): void {
  reportWebSocketOpen(session, role);
  session.emit('open', new WebSocketEvent('open', session));
}

/** One error: reported always, emitted only to a session that listens (an unheard error does not throw). */
export function emitError(session: WebSocketSession, role: Role, error: Error): void {
  reportWebSocketError(session, role, error);
  if (session.listenerCount('error') > 0) session.emit('error', new ErrorEvent(session, error));
}

/** The close event: what the closing handshake saw, or 1006 when there was none. */
export function emitClose(session: WebSocketSession, role: Role, closing: ClosingHandshake | null): void {
  const event = closing?.closeEvent(session) ?? new CloseEvent(session, CloseCode.ABNORMAL, '', false);
  reportWebSocketClose(session, role, event, closing?.initiatedBy ?? null);
  session.emit('close', event);
}

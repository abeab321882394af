/**
 * The live sessions of one server, so that shutting the server down can close them all:
 * WebSockets with 1001 (going away, RFC 6455 §7.4.1), then a bounded grace period before each is
 * dropped; event streams are ended along with their HTTP/1 connection.
 */
import { CloseCode } from '../ws-frame-parser/index.js';
import { ReadyState, closeWithStatus, type WebSocketSession } from '../websocket-session/websocket-session.js';
import { EventSource, shutdown } from '../event-source/event-source.js';

export class SessionRegistry {
  private readonly sessions = new Set<WebSocketSession>();
  private readonly streams = new Set<EventSource>();

  track(session: WebSocketSession): void {
    if (session.readyState === ReadyState.CLOSED) return;
    this.sessions.add(session);
    session.once('close', () => this.sessions.delete(session));
  }

  trackEventSource(stream: EventSource): void {
    if (stream.readyState === EventSource.CLOSED) return;
    this.streams.add(stream);
    stream.once('close', () => this.streams.delete(stream));
  }

  closeAll(graceMs: number): void {
    for (const session of this.sessions) closeWithStatus(session, CloseCode.GOING_AWAY, graceMs);
    for (const stream of [...this.streams]) shutdown(stream);
  }

  get size(): number {
    return this.sessions.size + this.streams.size;
  }
}

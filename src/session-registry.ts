/**
 * The live sessions of one server, so that shutting the server down can close them all:
 * 1001 (going away, RFC 6455 §7.4.1), then a bounded grace period before each is dropped.
 */
import { CloseCode } from './ws-frame-parser/index.js';
import { ReadyState, type WebSocketSession } from './websocket-session.js';

export class SessionRegistry {
  private readonly sessions = new Set<WebSocketSession>();

  track(session: WebSocketSession): void {
    if (session.readyState === ReadyState.CLOSED) return;
    this.sessions.add(session);
    session.once('close', () => this.sessions.delete(session));
  }

  closeAll(graceMs: number): void {
    for (const session of this.sessions) session.closeWithStatus(CloseCode.GOING_AWAY, graceMs);
  }

  get size(): number {
    return this.sessions.size;
  }
}

/**
 * The live sessions of one server, so that shutting the server down can close them all:
 * WebSockets with 1001 (going away, RFC 6455 §7.4.1), then a bounded grace period before each is
 * dropped; event streams are ended along with their HTTP/1 connection.
 */
import { CloseCode } from '../ws-frame-parser/index.js';
import { ReadyState, closeWithStatus, type WebSocketSession } from '../websocket-session/websocket-session.js';
import { EventSource, shutdown } from '../event-source/event-source.js';

const kRegistry = Symbol('registry');

type Tracked<T> = T & { [kRegistry]?: SessionRegistry };

/*
 * One listener shared by every tracked session or stream, which finds its registry on it: a
 * closure and a `once` wrapper per socket would hold ~150 B more for the socket's whole life.
 */
function untrackSession(this: Tracked<WebSocketSession>): void {
  this[kRegistry]?.sessions.delete(this);
}
function untrackStream(this: Tracked<EventSource>): void {
  this[kRegistry]?.streams.delete(this);
}

/** Not enumerable: `console.log(ws)` must not print the registry with every other session in it. */
function markTracked(target: object, registry: SessionRegistry): void {
  Object.defineProperty(target, kRegistry, { value: registry, configurable: true });
}

export class SessionRegistry {
  readonly sessions = new Set<WebSocketSession>();
  readonly streams = new Set<EventSource>();

  track(session: WebSocketSession): void {
    if (session.readyState === ReadyState.CLOSED) return;
    this.sessions.add(session);
    markTracked(session, this);
    session.on('close', untrackSession);
  }

  trackEventSource(stream: EventSource): void {
    if (stream.readyState === EventSource.CLOSED) return;
    this.streams.add(stream);
    markTracked(stream, this);
    stream.on('close', untrackStream);
  }

  closeAll(graceMs: number): void {
    for (const session of this.sessions) closeWithStatus(session, CloseCode.GOING_AWAY, graceMs);
    for (const stream of [...this.streams]) shutdown(stream);
  }

  get size(): number {
    return this.sessions.size + this.streams.size;
  }
}

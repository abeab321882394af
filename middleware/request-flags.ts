/**
 * `req.isWebSocket` and `req.isEventSource`: set by an attached app on every request, so
 * that middleware can tell an upgrade (or an event stream) from an ordinary request.
 */
import type { IncomingMessage } from 'node:http';

declare module 'node:http' {
  interface IncomingMessage {
    /** True on a WebSocket opening handshake that reached the app through `attach()`. */
    isWebSocket?: boolean;
    /** True when the request accepts `text/event-stream`. */
    isEventSource?: boolean;
  }
}

export function markRequest(request: IncomingMessage, isWebSocket: boolean): void {
  request.isWebSocket = isWebSocket;
  request.isEventSource = !isWebSocket && acceptsEventStream(request);
}

function acceptsEventStream(request: IncomingMessage): boolean {
  const accept = request.headers.accept;
  return accept !== undefined && accept.toLowerCase().includes('text/event-stream');
}

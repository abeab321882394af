/**
 * `req.isWebSocket` and `req.isEventSource`: set by an attached app on every request, so
 * that middleware can tell an upgrade (or an event stream) from an ordinary request.
 */
import type { IncomingMessage } from 'node:http';
import { EventSource } from '../src/event-source/event-source.js';

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
  request.isEventSource = !isWebSocket && EventSource.isEventSource(request);
}

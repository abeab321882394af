/**
 * The listener surface of a WebSocket, typed by event: `on()`/`once()`/`off()`, the browser's
 * `addEventListener()`, and the `onopen`/`onmessage`/`onerror`/`onclose` properties.
 */
import { EventHandlers, defineHandlerProperties } from '../event-handlers.js';
import type { WebSocketEventMap } from './events.js';

type Handler<K extends keyof WebSocketEventMap> = ((event: WebSocketEventMap[K]) => void) | null;
type Listener<K extends keyof WebSocketEventMap> = (event: WebSocketEventMap[K]) => void;
type ListenerObject<K extends keyof WebSocketEventMap> = { handleEvent(event: WebSocketEventMap[K]): void };

export interface WebSocketEventTarget {
  on<K extends keyof WebSocketEventMap>(type: K, listener: Listener<K>): this;
  once<K extends keyof WebSocketEventMap>(type: K, listener: Listener<K>): this;
  off<K extends keyof WebSocketEventMap>(type: K, listener: Listener<K>): this;
  addListener<K extends keyof WebSocketEventMap>(type: K, listener: Listener<K>): this;
  removeListener<K extends keyof WebSocketEventMap>(type: K, listener: Listener<K>): this;
  addEventListener<K extends keyof WebSocketEventMap>(
    type: K,
    listener: Listener<K> | ListenerObject<K>,
    options?: { once?: boolean } | boolean,
  ): void;
  removeEventListener<K extends keyof WebSocketEventMap>(type: K, listener: Listener<K> | ListenerObject<K>): void;
  onopen: Handler<'open'>;
  onmessage: Handler<'message'>;
  onerror: Handler<'error'>;
  onclose: Handler<'close'>;
}

export class WebSocketEventTarget extends EventHandlers {}
defineHandlerProperties(WebSocketEventTarget.prototype, ['open', 'message', 'error', 'close']);

/**
 * The listener surface of a WebSocket, typed by event: `on()`/`once()`/`off()`, the browser's
 * `addEventListener()`, and the `onopen`/`onmessage`/`onerror`/`onclose` properties.
 */
import { EventHandlers, getHandler, setHandler } from '../event-handlers.js';
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
}

export class WebSocketEventTarget extends EventHandlers {
  get onopen(): Handler<'open'> {
    return getHandler(this, 'open') as Handler<'open'>;
  }
  set onopen(handler: Handler<'open'>) {
    setHandler(this, 'open', handler);
  }
  get onmessage(): Handler<'message'> {
    return getHandler(this, 'message') as Handler<'message'>;
  }
  set onmessage(handler: Handler<'message'>) {
    setHandler(this, 'message', handler);
  }
  get onerror(): Handler<'error'> {
    return getHandler(this, 'error') as Handler<'error'>;
  }
  set onerror(handler: Handler<'error'>) {
    setHandler(this, 'error', handler);
  }
  get onclose(): Handler<'close'> {
    return getHandler(this, 'close') as Handler<'close'>;
  }
  set onclose(handler: Handler<'close'>) {
    setHandler(this, 'close', handler);
  }
}

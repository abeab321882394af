/**
 * The listener surface of a WebSocket, typed by event: `on()`/`once()`/`off()`, the browser's
 * `addEventListener()`, and the `onopen`/`onmessage`/`onerror`/`onclose` properties.
 */
import { EventHandlers } from '../event-handlers.js';
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
    return this.getHandler('open') as Handler<'open'>;
  }
  set onopen(handler: Handler<'open'>) {
    this.setHandler('open', handler);
  }
  get onmessage(): Handler<'message'> {
    return this.getHandler('message') as Handler<'message'>;
  }
  set onmessage(handler: Handler<'message'>) {
    this.setHandler('message', handler);
  }
  get onerror(): Handler<'error'> {
    return this.getHandler('error') as Handler<'error'>;
  }
  set onerror(handler: Handler<'error'>) {
    this.setHandler('error', handler);
  }
  get onclose(): Handler<'close'> {
    return this.getHandler('close') as Handler<'close'>;
  }
  set onclose(handler: Handler<'close'>) {
    this.setHandler('close', handler);
  }
}

/**
 * The events of a server-side EventSource, typed like the WebSocket's: `close` (once) and
 * `drain`, through `on()`/`once()`/`off()`, `addEventListener()` and `onclose`/`ondrain`.
 */
import { EventHandlers, getHandler, setHandler } from '../event-handlers.js';
import { WebSocketEvent } from '../websocket-session/events.js';
import type { ConnectionError } from '../errors.js';

/**
 * Why a stream ended: `'closed'` by `close()` on this side, `'disconnected'` when the client went
 * away (or the response was ended or destroyed underneath the session), `'overflow'` when a slow
 * client let more than `maxBuffered` bytes pile up and the connection was dropped.
 */
export type EventSourceCloseReason = 'closed' | 'disconnected' | 'overflow';

export class EventSourceCloseEvent extends WebSocketEvent<'close'> {
  constructor(
    target: unknown,
    readonly reason: EventSourceCloseReason,
    /** Set for `'overflow'`: a `ConnectionError` with code `SSE_ERR_BUFFER_FULL`. */
    readonly error: ConnectionError | null = null,
  ) {
    super('close', target);
  }
}

export interface EventSourceEventMap {
  close: EventSourceCloseEvent;
  drain: WebSocketEvent<'drain'>;
}

type Key = keyof EventSourceEventMap;
type Listener<K extends Key> = (event: EventSourceEventMap[K]) => void;
type Handler<K extends Key> = Listener<K> | null;
type ListenerObject<K extends Key> = { handleEvent(event: EventSourceEventMap[K]): void };

export interface EventSourceEventTarget {
  on<K extends Key>(type: K, listener: Listener<K>): this;
  once<K extends Key>(type: K, listener: Listener<K>): this;
  off<K extends Key>(type: K, listener: Listener<K>): this;
  addListener<K extends Key>(type: K, listener: Listener<K>): this;
  removeListener<K extends Key>(type: K, listener: Listener<K>): this;
  addEventListener<K extends Key>(
    type: K,
    listener: Listener<K> | ListenerObject<K>,
    options?: { once?: boolean } | boolean,
  ): void;
  removeEventListener<K extends Key>(type: K, listener: Listener<K> | ListenerObject<K>): void;
}

export class EventSourceEventTarget extends EventHandlers {
  get onclose(): Handler<'close'> {
    return getHandler(this, 'close') as Handler<'close'>;
  }
  set onclose(handler: Handler<'close'>) {
    setHandler(this, 'close', handler);
  }
  get ondrain(): Handler<'drain'> {
    return getHandler(this, 'drain') as Handler<'drain'>;
  }
  set ondrain(handler: Handler<'drain'>) {
    setHandler(this, 'drain', handler);
  }
}

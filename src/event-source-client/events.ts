/**
 * The events of the event-stream client, in the shapes of the browser's EventSource: `open`, `error`
 * (a WebSocket-style `ErrorEvent`, whose `error` says what went wrong), and a `MessageEvent`-like
 * object for every event of the stream, `message` or any other type the server names. The listener
 * forms are those of the WebSocket (`on()`, `addEventListener()`, `onopen`/`onmessage`/`onerror`).
 */
import { EventHandlers, defineHandlerProperties } from '../event-handlers.js';
import { WebSocketEvent, type ErrorEvent } from '../websocket-session/events.js';

/** An event of the stream (WHATWG HTML §9.2.6 "dispatch the event"). */
export class EventSourceMessageEvent<T extends string = string> extends WebSocketEvent<T> {
  constructor(
    type: T,
    target: unknown,
    /** The `data:` lines joined by LF. */
    readonly data: string,
    /** The source's last event ID when the event was dispatched ('' if none yet). */
    readonly lastEventId: string,
    /** The origin of the stream's final URL (after redirects), e.g. `https://example.com`. */
    readonly origin: string,
  ) {
    super(type, target);
  }
}

export interface EventSourceClientEventMap {
  open: WebSocketEvent<'open'>;
  message: EventSourceMessageEvent<'message'>;
  error: ErrorEvent;
}

type Key = keyof EventSourceClientEventMap;
type Listener<K extends Key> = (event: EventSourceClientEventMap[K]) => void;
type Handler<K extends Key> = Listener<K> | null;
type ListenerObject<K extends Key> = { handleEvent(event: EventSourceClientEventMap[K]): void };
type StreamListener = (event: EventSourceMessageEvent) => void;
type StreamListenerObject = { handleEvent(event: EventSourceMessageEvent): void };

export interface EventSourceClientEventTarget {
  on<K extends Key>(type: K, listener: Listener<K>): this;
  on(type: string, listener: StreamListener): this;
  once<K extends Key>(type: K, listener: Listener<K>): this;
  once(type: string, listener: StreamListener): this;
  off<K extends Key>(type: K, listener: Listener<K>): this;
  off(type: string, listener: StreamListener): this;
  addListener<K extends Key>(type: K, listener: Listener<K>): this;
  addListener(type: string, listener: StreamListener): this;
  removeListener<K extends Key>(type: K, listener: Listener<K>): this;
  removeListener(type: string, listener: StreamListener): this;
  addEventListener<K extends Key>(type: K, listener: Listener<K> | ListenerObject<K>, options?: { once?: boolean } | boolean): void;
  addEventListener(type: string, listener: StreamListener | StreamListenerObject, options?: { once?: boolean } | boolean): void;
  removeEventListener<K extends Key>(type: K, listener: Listener<K> | ListenerObject<K>): void;
  removeEventListener(type: string, listener: StreamListener | StreamListenerObject): void;
  onopen: Handler<'open'>;
  onmessage: Handler<'message'>;
  onerror: Handler<'error'>;
}

export class EventSourceClientEventTarget extends EventHandlers {}
defineHandlerProperties(EventSourceClientEventTarget.prototype, ['open', 'message', 'error']);

/**
 * The server side of Server-Sent Events (WHATWG HTML §9.2): `new EventSource(req, res, options)`
 * answers the request with a `text/event-stream` and keeps it open. The session owns the stream's
 * state, the `retry` directive, the keep-alive pings and backpressure. This folder is everything
 * Server-Sent Events: the session here, `Channel` (one stream of events to many sessions, with a
 * bounded history for replay), the wire format (`event-format.ts`), the response underneath
 * (`response-stream.ts`, `response-headers.ts`), what the request tells (`request-info.ts`), and
 * the session's events and options.
 */
import { ArgumentError, ConnectionError, ErrorCode } from '../errors.js';
import { EventSourceClient } from '../event-source-client/event-source-client.js';
import { WebSocketEvent } from '../websocket-session/events.js';
import { reportEventSourceClose, reportEventSourceOpen } from '../observability/diagnostics.js';
import { COMMENT, formatEvent, formatRetry, type EventFields } from './event-format.js';
import { EventSourceCloseEvent, EventSourceEventTarget, type EventSourceCloseReason } from './events.js';
import { resolveOptions, type EventSourceOptions } from './options.js';
import { responseHeaders } from './response-headers.js';
import { ResponseStream, type EventSourceResponse, type WriteOutcome } from './response-stream.js';
import {
  acceptsEventStream,
  lastEventIdOf,
  requestUrl,
  type EventSourceRequest,
} from './request-info.js';

export type { EventSourceOptions, EventFields, EventSourceRequest, EventSourceResponse };

/** The browser's `EventSource.readyState` values (§9.2.2); a server session is never `CONNECTING`. */
export const EventSourceState = { CONNECTING: 0, OPEN: 1, CLOSED: 2 } as const;
export type EventSourceState = (typeof EventSourceState)[keyof typeof EventSourceState];

let writeFrameOf: (stream: EventSource, frame: string | Buffer, byteLength?: number) => boolean;
let shutdownOf: (stream: EventSource) => void;

/** Writes an event already framed: `Channel` frames each event once for all its subscribers. */
export function writeFrame(stream: EventSource, frame: string | Buffer, byteLength?: number): boolean {
  return writeFrameOf(stream, frame, byteLength);
}

/** Ends the stream and its HTTP/1 connection, on server shutdown. */
export function shutdown(stream: EventSource): void {
  shutdownOf(stream);
}

export interface EventSource {
  readonly CONNECTING: 0;
  readonly OPEN: 1;
  readonly CLOSED: 2;
}

export class EventSource extends EventSourceEventTarget {
  static readonly CONNECTING = EventSourceState.CONNECTING;
  static readonly OPEN = EventSourceState.OPEN;
  static readonly CLOSED = EventSourceState.CLOSED;
  /** The other end: the WHATWG `EventSource` for Node, `new EventSource.Client(url, options)`. */
  static readonly Client: typeof EventSourceClient = EventSourceClient;

  /** Does the request ask for an event stream (`Accept` lists `text/event-stream`)? */
  static isEventSource(request: EventSourceRequest): boolean {
    return acceptsEventStream(request);
  }

  readyState: EventSourceState = EventSourceState.OPEN;
  /** `http(s)://host/path?query` as the client asked for it. */
  readonly url: string;
  /**
   * The id of the last event the client saw: its `Last-Event-ID` header (§9.2.4) or a
   * `lastEventId` query parameter (for polyfills); '' on a first connection. Client input.
   */
  readonly lastEventId: string;

  private readonly stream: ResponseStream;
  private pingTimer: NodeJS.Timeout | null = null;

  static {
    // Static blocks may call private methods: the package's own way in, which it does not export.
    writeFrameOf = (stream, frame, byteLength) => stream.#writeFrame(frame, byteLength);
    shutdownOf = (stream) => stream.#shutdown();
  }

  constructor(request: EventSourceRequest, response: EventSourceResponse, options: EventSourceOptions = {}) {
    super();
    // Everything that can throw runs before the first byte is written.
    const resolved = resolveOptions(options);
    const headers = responseHeaders({ headers: options.headers });
    const preamble = resolved.retry === undefined ? COMMENT : formatRetry(resolved.retry);
    if (response.headersSent) {
      throw new ArgumentError('the response was already started: an event stream needs a fresh response', 'ERR_HEADERS_SENT');
    }
    this.url = requestUrl(request);
    this.lastEventId = lastEventIdOf(request);
    this.stream = new ResponseStream(response, resolved.maxBuffered, {
      drained: () => this.emit('drain', new WebSocketEvent('drain', this)),
      closed: () => this.finish('disconnected'),
    });
    if (this.stream.isOver) {
      // The client left before the handler got here (say, during an async auth check).
      this.readyState = EventSourceState.CLOSED;
      process.nextTick(() => {
        reportEventSourceClose(this, 'disconnected', null);
        this.emit('close', new EventSourceCloseEvent(this, 'disconnected'));
      });
      return;
    }
    this.stream.open(headers);
    // The `retry:` block (or an empty comment) goes first so that the headers leave at once and
    // the browser's `open` fires without waiting for the first event.
    this.#writeFrame(preamble);
    if (this.readyState === EventSourceState.OPEN) reportEventSourceOpen(this);
    if (resolved.pingMs > 0 && this.readyState === EventSourceState.OPEN) {
      // Every interval, busy or not: a fixed beat keeps the longest silence at one interval.
      this.pingTimer = setInterval(() => this.ping(), resolved.pingMs);
      this.pingTimer.unref();
    }
  }

  /** Bytes written and not yet taken by the client's connection. */
  get bufferedAmount(): number {
    return this.readyState === EventSourceState.OPEN ? this.stream.bufferedAmount : 0;
  }

  /**
   * Sends one event. Multi-line `data` (CR, LF or CRLF) becomes several `data:` lines and arrives
   * joined by LF. An `event` or `id` with CR, LF or NUL throws an `ArgumentError`
   * (`ERR_INVALID_SSE_FIELD`) and nothing is written. Returns `false` when the event waits behind
   * a full connection (`drain` follows) or the stream is closed.
   */
  send(data: string, fields?: EventFields): boolean {
    return this.#writeFrame(formatEvent(data, fields));
  }

  /** Sends a `:` comment line, which keeps proxies from closing an idle stream and is invisible to the page. */
  ping(): boolean {
    return this.#writeFrame(COMMENT);
  }

  /**
   * Ends the stream. The browser reconnects after its retry delay (§9.2.3); answer its next request
   * with 204 to stop it for good.
   */
  close(): void {
    if (this.readyState === EventSourceState.CLOSED) return;
    this.stream.end();
    this.finish('closed');
  }

  #writeFrame(frame: string | Buffer, byteLength?: number): boolean {
    return this.outcome(this.readyState === EventSourceState.OPEN ? this.stream.write(frame, byteLength) : 'closed');
  }

  #shutdown(): void {
    if (this.readyState === EventSourceState.CLOSED) return;
    this.stream.end({ closeConnection: true });
    this.finish('closed');
  }

  private outcome(outcome: WriteOutcome): boolean {
    if (outcome === 'overflow') {
      this.stream.destroy();
      const error = new ConnectionError('the client fell too far behind: maxBuffered reached', ErrorCode.SSE_BUFFER_FULL);
      this.finish('overflow', error);
    }
    return outcome === 'written';
  }

  private finish(reason: EventSourceCloseReason, error: ConnectionError | null = null): void {
    if (this.readyState === EventSourceState.CLOSED) return;
    this.readyState = EventSourceState.CLOSED;
    if (this.pingTimer !== null) clearInterval(this.pingTimer);
    this.pingTimer = null;
    this.stream.detach();
    reportEventSourceClose(this, reason, error);
    this.emit('close', new EventSourceCloseEvent(this, reason, error));
  }
}

for (const [name, value] of Object.entries(EventSourceState)) {
  Object.defineProperty(EventSource.prototype, name, { value, enumerable: true });
}

/**
 * The WHATWG `EventSource` for Node (HTML §9.2): `new EventSource.Client(url, options)` (also
 * exported as `EventSourceClient`) opens an `http:` or `https:` event stream and dispatches its
 * events; when the stream ends or the network fails it reconnects after the reconnection time,
 * sending `Last-Event-ID`. A response that is not `200` with `Content-Type: text/event-stream`
 * (a `204` included) fails the connection for good, as the spec says. The connection is the
 * WebSocket client's: `headers`, `tls` (verification on by default), `proxy` (HTTP CONNECT, or the
 * proxy environment variables) and `net`. This folder is the client: the attempt
 * (`stream-request.ts`), the parser (`event-stream-parser.ts`), the waits (`reconnect-policy.ts`)
 * and the events (`events.ts`).
 */
import type * as http from 'node:http';
import { ArgumentError, ConnectionError, HandshakeError } from '../errors.js';
import type { ProxyOptions } from '../client/proxy.js';
import type { ClientNetOptions, ClientTlsOptions } from '../client/transport.js';
import { headerLines, type HeaderValues } from '../handshake/custom-headers.js';
import { ErrorEvent, WebSocketEvent } from '../websocket-session/events.js';
import type { EventSourceState } from '../event-source/event-source.js';
import { EventStreamParser, type ParsedEvent } from './event-stream-parser.js';
import { EventSourceClientEventTarget, EventSourceMessageEvent } from './events.js';
import { DEFAULT_MAX_RETRY_MS, DEFAULT_RETRY_MS, ReconnectPolicy } from './reconnect-policy.js';
import { StreamRequest } from './stream-request.js';

export interface EventSourceClientOptions {
  /** Extra request headers (a value with CR, LF or NUL throws). `Accept` and `Last-Event-ID` are the client's. */
  headers?: HeaderValues;
  /** As the WebSocket client's: verification on by default; `ca`, `rootCertFile`, `verifyPeer: false`. */
  tls?: ClientTlsOptions;
  /** An HTTP CONNECT proxy; by default `HTTPS_PROXY` (https:) or `HTTP_PROXY` (http:) unless `NO_PROXY` matches. */
  proxy?: ProxyOptions;
  /** Options of the TCP connection, such as `localAddress` and `family`. */
  net?: ClientNetOptions;
  /** Reflected by the `withCredentials` attribute; Node keeps no cookies, so nothing else changes. Default false. */
  withCredentials?: boolean;
  /** Seconds before reconnecting until the stream sends its own `retry:`. Default 3. */
  retry?: number;
  /** Seconds the wait may grow to after failures one after another. Default 30. */
  maxRetry?: number;
  /** Redirects followed per attempt (fetch's limit). Default 20. */
  maxRedirects?: number;
}

const CONNECTING = 0;
const OPEN = 1;
const CLOSED = 2;
/** What Node's `http` lets through in a header value (after UTF-8 bytes are written as Latin-1). */
const HEADER_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

export interface EventSourceClient {
  readonly CONNECTING: 0;
  readonly OPEN: 1;
  readonly CLOSED: 2;
}

export class EventSourceClient extends EventSourceClientEventTarget {
  static readonly CONNECTING = CONNECTING;
  static readonly OPEN = OPEN;
  static readonly CLOSED = CLOSED;

  /** The URL as given, resolved and serialized (redirects do not change it; reconnections start from it). */
  readonly url: string;
  readonly withCredentials: boolean;
  readyState: EventSourceState = CONNECTING;
  #lastEventId = '';
  private readonly target: URL;
  private readonly options: EventSourceClientOptions;
  private readonly policy: ReconnectPolicy;
  private attempt: StreamRequest | null = null;
  private parser: EventStreamParser | null = null;
  private timer: NodeJS.Timeout | null = null;

  constructor(url: string | URL, options: EventSourceClientOptions = {}) {
    super();
    this.target = parseUrl(url);
    this.url = this.target.href;
    headerLines(options.headers);
    validateOptions(options);
    this.options = options;
    this.withCredentials = options.withCredentials === true;
    this.policy = new ReconnectPolicy(
      options.retry === undefined ? DEFAULT_RETRY_MS : options.retry * 1000,
      options.maxRetry === undefined ? DEFAULT_MAX_RETRY_MS : options.maxRetry * 1000,
    );
    // Listeners attached right after `new` must see every event, failures included.
    process.nextTick(() => this.connect());
  }

  /** The id of the last event (or id-only block) received, kept across reconnections; sent as `Last-Event-ID`. */
  get lastEventId(): string {
    return this.#lastEventId;
  }

  /** Stops for good: the connection (or the wait for the next one) ends, and no event follows. */
  close(): void {
    if (this.readyState === CLOSED) return;
    this.readyState = CLOSED;
    this.release();
  }

  private connect(): void {
    this.timer = null;
    if (this.readyState !== CONNECTING) return;
    const ownHeaders: Record<string, string> = { Accept: 'text/event-stream', 'Cache-Control': 'no-cache' };
    // §9.2.3: the last event ID string, UTF-8 encoded (Node writes header strings as Latin-1).
    const id = Buffer.from(this.#lastEventId, 'utf8').toString('latin1');
    if (id !== '' && HEADER_VALUE.test(id)) ownHeaders['Last-Event-ID'] = id;
    const attempt: StreamRequest = new StreamRequest(
      this.target,
      { ...this.options, maxRedirects: this.options.maxRedirects ?? 20 },
      ownHeaders,
      {
        response: (response, url) => {
          if (this.attempt === attempt) this.onResponse(response, url);
        },
        error: (error) => {
          if (this.attempt !== attempt) return;
          this.attempt = null;
          this.policy.failed();
          this.reestablish(error);
        },
      },
    );
    this.attempt = attempt;
  }

  /** §9.2.3 "processResponse": announce the connection, or fail it. */
  private onResponse(response: http.IncomingMessage, url: URL): void {
    const status = response.statusCode ?? 0;
    const essence = String(response.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    if (status !== 200 || essence !== 'text/event-stream') {
      const headers = Object.fromEntries(Object.entries(response.headers).map(([name, value]) => [name, String(value)]));
      const error =
        status !== 200
          ? new HandshakeError(`unexpected response status ${status}${status === 204 ? ' (the server asked the client to stop)' : ''}`, 'SSE_ERR_STATUS', status, headers)
          : new HandshakeError(`the response is not text/event-stream (Content-Type: ${essence || 'none'})`, 'SSE_ERR_CONTENT_TYPE', status, headers);
      return this.fail(error);
    }
    const origin = url.origin;
    const parser = new EventStreamParser(
      {
        event: (event) => this.dispatch(event, origin),
        lastEventId: (id) => {
          this.#lastEventId = id;
        },
        retry: (milliseconds) => {
          this.policy.reconnectionTime = milliseconds;
        },
      },
      this.#lastEventId,
    );
    this.parser = parser;
    let over = false;
    const ended = (error: Error | null): void => {
      if (over) return;
      over = true;
      parser.end();
      if (this.parser !== parser) return;
      this.parser = null;
      this.attempt?.cancel();
      this.attempt = null;
      this.reestablish(
        error === null
          ? new ConnectionError('the event stream ended', 'SSE_ERR_STREAM_ENDED')
          : new ConnectionError(`the event stream broke off: ${error.message}`, 'SSE_ERR_STREAM_ENDED', { cause: error }),
      );
    };
    response.on('data', (chunk: Buffer) => parser.push(chunk));
    response.once('end', () => ended(null));
    response.once('error', (error: Error) => ended(error));
    response.once('close', () => ended(response.complete ? null : new Error('the connection closed mid-stream')));
    this.readyState = OPEN;
    this.policy.opened();
    this.emitEvent('open', new WebSocketEvent('open', this));
  }

  private dispatch(parsed: ParsedEvent, origin: string): void {
    if (this.readyState === CLOSED) return;
    this.emitEvent(parsed.type, new EventSourceMessageEvent(parsed.type, this, parsed.data, parsed.lastEventId, origin));
  }

  /** §9.2.3 "reestablish the connection": CONNECTING, `error`, then a new attempt after the wait. */
  private reestablish(error: Error): void {
    if (this.readyState === CLOSED) return;
    this.readyState = CONNECTING;
    this.emitEvent('error', new ErrorEvent(this, error));
    // A listener may have called close().
    if (this.readyState !== CONNECTING || this.timer !== null || this.attempt !== null) return;
    this.timer = setTimeout(() => this.connect(), this.policy.nextDelay());
  }

  /** §9.2.3 "fail the connection": CLOSED, then `error`; no reconnection. */
  private fail(error: Error): void {
    if (this.readyState === CLOSED) return;
    this.readyState = CLOSED;
    this.release();
    this.emitEvent('error', new ErrorEvent(this, error));
  }

  private release(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    const { attempt, parser } = this;
    this.attempt = null;
    this.parser = null;
    parser?.end();
    attempt?.cancel();
  }

  /** Like `dispatchEvent`: no listener, no effect (an `error` with no listener does not throw). */
  private emitEvent(type: string, event: WebSocketEvent): void {
    if (this.listenerCount(type) > 0) this.emit(type, event);
  }
}

for (const [name, value] of Object.entries({ CONNECTING, OPEN, CLOSED })) {
  Object.defineProperty(EventSourceClient.prototype, name, { value, enumerable: true });
}

/** `http:` or `https:` (a fragment stays in `url`; the request never sends it). */
function parseUrl(url: string | URL): URL {
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    throw new ArgumentError(`${String(url)} is not a valid URL`, 'ERR_INVALID_URL');
  }
  if (target.protocol !== 'http:' && target.protocol !== 'https:') {
    throw new ArgumentError(`${target.href} is not an http: or https: URL`, 'ERR_INVALID_URL');
  }
  return target;
}

function validateOptions(options: EventSourceClientOptions): void {
  for (const name of ['retry', 'maxRetry'] as const) {
    const value = options[name];
    if (value !== undefined && !(typeof value === 'number' && value >= 0 && Number.isFinite(value))) {
      throw new ArgumentError(`option ${name} must be a finite number of seconds >= 0`, 'ERR_INVALID_OPTION');
    }
  }
  const { maxRedirects } = options;
  if (maxRedirects !== undefined && !(Number.isInteger(maxRedirects) && maxRedirects >= 0)) {
    throw new ArgumentError('option maxRedirects must be an integer >= 0', 'ERR_INVALID_OPTION');
  }
}

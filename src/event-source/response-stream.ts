/**
 * The outgoing side of one event stream: writes go through the framework's own response object
 * (`writeHead`/`write`/`end`, never around it), with a bound on the bytes a slow client may leave
 * waiting, `drain` after a full buffer, and the response's `close` as the sign the client left.
 *
 * Works with `http.ServerResponse`, `http2.Http2ServerResponse` (compat API) and anything that
 * wraps them the same way (the `compression` middleware, Koa's `ctx.res`).
 */
import type { ResponseHeaders } from './response-headers.js';

/** The parts of a response used here. */
export interface EventSourceResponse {
  readonly headersSent: boolean;
  readonly writableEnded: boolean;
  /** Bytes accepted by `write()` and not yet handed to the kernel (for HTTP/1 this includes the socket's). */
  readonly writableLength: number;
  readonly destroyed?: boolean;
  writeHead(statusCode: number, headers: ResponseHeaders): unknown;
  write(chunk: string | Buffer): boolean;
  end(): unknown;
  destroy(error?: Error): unknown;
  on(event: 'close' | 'drain' | 'error', listener: () => void): unknown;
  removeListener(event: 'close' | 'drain' | 'error', listener: () => void): unknown;
  /** HTTP/1 (`http.ServerResponse`): whether a body of unknown length gets chunked transfer coding. */
  useChunkedEncodingByDefault?: boolean;
  /** Added by the `compression` middleware: pushes what zlib holds to the client. */
  flush?: () => void;
  /** HTTP/1: the connection. */
  readonly socket?: unknown;
  /** HTTP/2 compat: the stream (its `socket` is the whole session's, shared with other streams). */
  readonly stream?: unknown;
}

export type WriteOutcome = 'written' | 'buffered' | 'overflow' | 'closed';

export interface StreamHooks {
  /** The client took what was waiting after a write reported `'buffered'`. */
  drained(): void;
  /** The response closed (client gone, or ended or destroyed by someone else). */
  closed(): void;
}

export class ResponseStream {
  private needDrain = false;
  private detached = false;
  private readonly onDrain = (): void => {
    if (!this.needDrain || this.detached) return;
    this.needDrain = false;
    this.hooks.drained();
  };
  private readonly onClose = (): void => {
    if (!this.detached) this.hooks.closed();
  };

  constructor(
    private readonly response: EventSourceResponse,
    private readonly maxBuffered: number,
    private readonly hooks: StreamHooks,
  ) {}

  /** Is the response already over (client gone before the stream started, or answered by someone else)? */
  get isOver(): boolean {
    const response = this.response;
    const h2stream = response.stream as { destroyed?: boolean } | undefined;
    return response.writableEnded || response.destroyed === true || h2stream?.destroyed === true;
  }

  /** Sends the status line and headers; listeners go on after `writeHead` so that wrappers have decided by then. */
  open(headers: ResponseHeaders): void {
    // On HTTP/1.1 the body is not chunked but ends with the connection (`Connection: close`), as on
    // HTTP/1.0: WHATWG HTML §9.2.7 allows it for event streams, and it spares every event a
    // chunk-size line and three of its four socket writes (about 12% of a fan-out's CPU).
    // Node then sends `Connection: close` itself. HTTP/2 responses have no such property.
    if (this.response.useChunkedEncodingByDefault === true) this.response.useChunkedEncodingByDefault = false;
    this.response.writeHead(200, headers);
    this.response.on('close', this.onClose);
    this.response.on('drain', this.onDrain);
    // A write error on a response we own means the client is gone: it must not crash the process.
    this.response.on('error', this.onClose);
  }

  get bufferedAmount(): number {
    return this.response.writableLength;
  }

  /**
   * Writes one whole event. A chunk is always taken when nothing is waiting; otherwise one that
   * would leave more than `maxBuffered` bytes waiting is refused with `'overflow'`, so a session
   * never holds more than `maxBuffered` bytes (or one event, if a single event is larger).
   */
  write(chunk: string | Buffer, byteLength?: number): WriteOutcome {
    const response = this.response;
    if (this.detached || this.isOver) return 'closed';
    const waiting = response.writableLength;
    if (waiting > 0 && waiting + (byteLength ?? bytesOf(chunk)) > this.maxBuffered) return 'overflow';
    const flushed = response.write(chunk);
    // compression holds bytes in zlib until flushed; without this an event arrives one event late.
    if (typeof response.flush === 'function') response.flush();
    if (flushed) return 'written';
    this.needDrain = true;
    return 'buffered';
  }

  /**
   * Ends the response normally (the browser will reconnect after its retry delay, WHATWG HTML
   * §9.2.3). With `closeConnection` (server shutdown) an HTTP/1 connection is ended too, once the
   * last chunk is out, instead of lingering as keep-alive and holding `server.close()` back.
   */
  end(options: { closeConnection?: boolean } = {}): void {
    this.detach();
    const response = this.response;
    if (this.isOver) return;
    const socket = response.socket as { end?(): void } | null | undefined;
    response.end();
    if (options.closeConnection === true && response.stream === undefined && typeof socket?.end === 'function') {
      socket.end();
    }
  }

  /** Drops the connection without waiting for buffered bytes. */
  destroy(): void {
    this.detach();
    this.response.destroy();
  }

  /** Stops listening to the response; the session has ended. */
  detach(): void {
    if (this.detached) return;
    this.detached = true;
    this.response.removeListener('close', this.onClose);
    this.response.removeListener('drain', this.onDrain);
    // The error listener stays: a late write error from this response must still not crash anything.
  }
}

/** Only computed when bytes are already waiting, which a healthy client rarely leaves. */
function bytesOf(chunk: string | Buffer): number {
  return typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length;
}

/**
 * One opening handshake of the client over HTTP/2: a lease on the origin's shared session, the
 * extended CONNECT once the server's SETTINGS allow it (RFC 8441 §3, §4), and the checks of its
 * answer. The stream it hands over is the WebSocket's transport from then on: END_STREAM stands for
 * TCP's FIN and RST_STREAM (CANCEL) for a reset (RFC 8441 §5). The lease is held until the stream
 * has closed.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { constants, type ClientHttp2Session, type ClientHttp2Stream, type IncomingHttpHeaders as Http2Headers } from 'node:http2';
import { ConnectionError, ErrorCode } from '../errors.js';
import type { ClientOffer, NegotiatedExtensions } from '../extensions/negotiation.js';
import { checkChosen } from '../handshake/client-handshake.js';
import { extendedConnectHeaders, isSuccess, streamResponse, type ExtendedConnectRequest } from './http2-handshake.js';
import { leaseSession, type Http2Endpoint, type SessionLease } from './http2-session-pool.js';

export interface StreamRequest extends ExtendedConnectRequest {
  offer: ClientOffer;
}

/** What the attempt tells its client, once each, in this order. */
export interface StreamAttemptHost {
  /** The answer's `:status` and headers, whatever the status (before `opened`, `refused` or `failed`). */
  answered(status: number, headers: IncomingHttpHeaders): void;
  /** A 2xx that passed the checks: the stream is the WebSocket's from now on. */
  opened(stream: ClientHttp2Stream, protocol: string, extensions: NegotiatedExtensions, status: number): void;
  /** Any other status; the stream is already given up (a redirect may follow). */
  refused(status: number, headers: IncomingHttpHeaders): void;
  /** No WebSocket: the session or the stream failed, or the answer did not pass the checks. */
  failed(error: Error): void;
}

export interface StreamAttempt {
  /** Gives the attempt up (a timeout, `close()` while connecting); nothing more is reported. */
  cancel(): void;
}

export function attemptOverHttp2(endpoint: Http2Endpoint, request: StreamRequest, host: StreamAttemptHost): StreamAttempt {
  return new Http2Attempt(endpoint, request, host);
}

class Http2Attempt implements StreamAttempt {
  private lease: SessionLease;
  private stream: ClientHttp2Stream | null = null;
  /** Handed over, refused, failed or cancelled: nothing more to report. */
  private done = false;
  /** The request was sent again on a new session once (a session going away refused it). */
  private retried = false;

  constructor(
    private readonly endpoint: Http2Endpoint,
    private readonly request: StreamRequest,
    private readonly host: StreamAttemptHost,
  ) {
    this.lease = this.leaseAndSend();
  }

  private leaseAndSend(): SessionLease {
    const lease = leaseSession(this.endpoint);
    lease.ready.then(
      (session) => this.send(session, lease),
      (error: Error) => {
        if (lease === this.lease) this.fail(error);
      },
    );
    return lease;
  }

  /**
   * RFC 9113 §8.7: a request refused with REFUSED_STREAM, or one a session going away (GOAWAY)
   * no longer takes, was not processed and can be sent again. Once, on the session the pool has
   * for the origin then: a new one when the old is going away.
   */
  private retry(refused: Error): void {
    if (this.retried) return this.fail(refused);
    this.retried = true;
    if (this.stream === null) this.lease.release();
    this.stream = null;
    this.lease = this.leaseAndSend();
  }

  /** The session's streams were all taken when this one came to it: the same request on the next session. */
  private onNewSession(full: SessionLease): void {
    full.release();
    this.lease = this.leaseAndSend();
  }

  cancel(): void {
    if (!this.done) this.abandon();
  }

  private send(session: ClientHttp2Session, lease: SessionLease): void {
    if (this.done || lease !== this.lease) return;
    const target = this.endpoint.target;
    // RFC 8441 §3: no `:protocol` before the server has said it takes one.
    if (session.remoteSettings.enableConnectProtocol !== true) {
      const message = `${target.host} does not take WebSockets over HTTP/2: its SETTINGS do not enable extended CONNECT (RFC 8441 §3)`;
      return this.fail(new ConnectionError(message, ErrorCode.HTTP2_NO_EXTENDED_CONNECT));
    }
    const claim = lease.claimStream();
    if (claim === 'full') return this.onNewSession(lease);
    if (claim === 'none') {
      return this.fail(new ConnectionError(`${target.host} allows no HTTP/2 stream at all (SETTINGS_MAX_CONCURRENT_STREAMS 0)`, ErrorCode.SOCKET));
    }
    let stream: ClientHttp2Stream;
    try {
      stream = session.request(extendedConnectHeaders(target, this.request));
    } catch (error) {
      // A session that is closing (it got a GOAWAY since it was leased) takes no new stream.
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ERR_HTTP2_GOAWAY_SESSION' || code === 'ERR_HTTP2_INVALID_SESSION') return this.retry(error as Error);
      return this.fail(error as Error);
    }
    this.stream = stream;
    const current = (): boolean => this.stream === stream;
    stream.on('error', (error: Error) => {
      if (!current()) return;
      if (stream.rstCode === constants.NGHTTP2_REFUSED_STREAM && !this.done) this.retry(error);
      else this.fail(error);
    });
    stream.once('response', (headers: Http2Headers) => {
      if (current()) this.answered(stream, headers);
    });
    stream.once('close', () => {
      lease.release();
      if (current()) this.fail(new ConnectionError(`network error: ${target.href}: the server reset the stream (code ${stream.rstCode}) before answering`, ErrorCode.SOCKET));
    });
  }

  private answered(stream: ClientHttp2Stream, raw: Http2Headers): void {
    if (this.done) return;
    const { status, headers } = streamResponse(raw);
    this.host.answered(status, headers);
    if (!isSuccess(status)) {
      // The body of a refusal is not read.
      this.abandon();
      return this.host.refused(status, headers);
    }
    let protocol: string;
    let extensions: NegotiatedExtensions;
    try {
      const accepted = checkChosen(status, headers, this.request.protocols);
      protocol = accepted.protocol;
      extensions = this.request.offer.activate(accepted.extensions, status);
    } catch (error) {
      return this.fail(error as Error);
    }
    this.done = true;
    resetsWithCancel(stream);
    this.host.opened(stream, protocol, extensions, status);
  }

  private fail(error: Error): void {
    if (this.done) return;
    this.abandon();
    this.host.failed(error);
  }

  /** Ends the attempt without a WebSocket: the stream is reset, and the lease goes once it has closed. */
  private abandon(): void {
    this.done = true;
    const stream = this.stream;
    if (stream === null) this.lease.release();
    else if (!stream.closed) stream.close(constants.NGHTTP2_CANCEL);
  }
}

/**
 * RFC 8441 §5: a reset of the WebSocket's transport is RST_STREAM with CANCEL, where a plain
 * `destroy()` of a stream sends NO_ERROR. The session resets its socket with `destroy()`; on this
 * stream that sends CANCEL first. A stream that already closed (or whose session is gone) is left
 * to Node's own `destroy()`.
 */
function resetsWithCancel(stream: ClientHttp2Stream): void {
  const destroy = stream.destroy;
  stream.destroy = function destroyWithCancel(this: ClientHttp2Stream, error?: Error) {
    if (!this.closed && !this.session?.destroyed) this.close(constants.NGHTTP2_CANCEL);
    return destroy.call(this, error);
  };
}

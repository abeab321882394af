/**
 * The typed errors of hatchway, one table of stable codes (docs/errors.md).
 *
 * Bad input from the network never throws: it becomes one of these as an `error` event,
 * with the matching close code or HTTP status. Misuse by the calling code throws, with a
 * different class (`ArgumentError`, `CloseArgumentError`).
 */
import type { FrameFailure } from './ws-frame-parser/index.js';

export class HatchwayError extends Error {
  constructor(
    message: string,
    readonly code: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The peer broke RFC 6455; `closeCode` is what was sent to it. */
export class ProtocolError extends HatchwayError {
  readonly closeCode: number;
  constructor(failure: FrameFailure) {
    super(failure.message, failure.code);
    this.closeCode = failure.closeCode;
  }
}

/** An extension could not process a message (bad compressed data, an inflated message too long, a plugin's own error). */
export class ExtensionError extends HatchwayError {
  constructor(
    message: string,
    code: string,
    readonly closeCode: number,
    options?: { cause?: unknown },
  ) {
    super(message, code, options);
  }
}

/** An opening handshake that was refused; `statusCode` is the HTTP status that was (or would be) sent. */
export class HandshakeError extends HatchwayError {
  constructor(
    message: string,
    code: string,
    readonly statusCode: number,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message, code);
  }
}

/** The connection failed below the protocol: reset, refused, timed out, or a silent peer. */
export class ConnectionError extends HatchwayError {}

/** A bad argument or option from the calling code. */
export class ArgumentError extends TypeError {
  constructor(
    message: string,
    readonly code: string = 'ERR_INVALID_ARGUMENT',
  ) {
    super(message);
    this.name = 'ArgumentError';
  }
}

/**
 * `close(code, reason)` with a code other than 1000 or 3000-4999, or a reason over 123 bytes:
 * a `SyntaxError`, as the browser's WebSocket throws.
 */
export class CloseArgumentError extends SyntaxError {
  constructor(
    message: string,
    readonly code: 'ERR_INVALID_CLOSE_CODE' | 'ERR_CLOSE_REASON_TOO_LONG',
  ) {
    super(message);
    this.name = 'CloseArgumentError';
  }
}

export const ErrorCode = {
  HANDSHAKE_METHOD: 'WS_ERR_HANDSHAKE_METHOD',
  HANDSHAKE_HTTP_VERSION: 'WS_ERR_HANDSHAKE_HTTP_VERSION',
  HANDSHAKE_UPGRADE: 'WS_ERR_HANDSHAKE_UPGRADE',
  HANDSHAKE_CONNECTION: 'WS_ERR_HANDSHAKE_CONNECTION',
  HANDSHAKE_KEY: 'WS_ERR_HANDSHAKE_KEY',
  HANDSHAKE_VERSION: 'WS_ERR_HANDSHAKE_VERSION',
  HANDSHAKE_ORIGIN: 'WS_ERR_HANDSHAKE_ORIGIN',
  PING_TIMEOUT: 'WS_ERR_PING_TIMEOUT',
  SOCKET: 'WS_ERR_SOCKET',
  BUFFER_OVERFLOW: 'WS_ERR_BUFFER_OVERFLOW',
  /** Client: the opening handshake took too long; server with `legacyDrafts`: a draft-76 body never came. */
  HANDSHAKE_TIMEOUT: 'WS_ERR_HANDSHAKE_TIMEOUT',
  /** Thrown by `send()` with binary data on a draft-75/76 session, which carries text only. */
  BINARY_UNSUPPORTED: 'ERR_BINARY_UNSUPPORTED',
  /** Client over HTTP/2: the server's SETTINGS do not enable extended CONNECT (RFC 8441 §3). */
  HTTP2_NO_EXTENDED_CONNECT: 'WS_ERR_HTTP2_NO_EXTENDED_CONNECT',
  /** Client over HTTP/2 with TLS: the server did not choose h2 in ALPN (RFC 9113 §3.2). */
  HTTP2_ALPN: 'WS_ERR_HTTP2_ALPN',
  SSE_BUFFER_FULL: 'SSE_ERR_BUFFER_FULL',
} as const;

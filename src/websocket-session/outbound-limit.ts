/**
 * The `maxBuffered` bound: the most outgoing bytes one connection may hold (api.md "Flow control
 * and limits"). A peer that does not read cannot make the server hold more: a `send()` that would
 * go past the bound fails the connection instead (`WS_ERR_BUFFER_OVERFLOW`), at once and without a
 * close frame, since that would only queue behind the bytes the peer is not reading.
 */
import { CloseCode } from '../ws-frame-parser/index.js';
import { ConnectionError, ErrorCode } from '../errors.js';

/** 64 MiB, one byte more than the default `maxLength`: an echo of the largest message accepted always fits. */
export const DEFAULT_MAX_BUFFERED = 64 * 1024 * 1024;

/** What the bound needs of its connection. */
export interface BoundedConnection {
  readonly options: { readonly maxBuffered?: number };
  readonly outbox: { readonly bufferedAmount: number; discard(): void };
  readonly socket: unknown;
  /** The client's way to give up an attempt that has no socket yet. */
  readonly abortAttempt: ((error: Error) => void) | null;
  closingHandshake(): { abandon(code: number): void };
  drop(error: Error): void;
}

/** May `payload` join what `connection` holds? If not, the connection is failed and false returned. */
export function admits(connection: BoundedConnection, payload: string | Buffer): boolean {
  const limit = connection.options.maxBuffered ?? DEFAULT_MAX_BUFFERED;
  if (limit === Infinity || !wouldOverflow(connection.outbox.bufferedAmount, payload, limit)) return true;
  const error = new ConnectionError(`the peer fell too far behind: maxBuffered (${limit} bytes) reached`, ErrorCode.BUFFER_OVERFLOW);
  connection.closingHandshake().abandon(CloseCode.POLICY_VIOLATION);
  connection.outbox.discard();
  if (connection.socket === null) connection.abortAttempt?.(error);
  else connection.drop(error);
  return false;
}

/**
 * Would `payload` on top of `buffered` bytes go past `limit`? A string's exact UTF-8 length is
 * counted only near the limit: three bytes per UTF-16 unit is never less than it.
 */
export function wouldOverflow(buffered: number, payload: string | Buffer, limit: number): boolean {
  if (typeof payload !== 'string') return buffered + payload.length > limit;
  if (buffered + payload.length * 3 <= limit) return false;
  return buffered + Buffer.byteLength(payload) > limit;
}

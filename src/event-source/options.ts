/** The options of an EventSource session, their defaults, and their validation. */
import { ArgumentError } from '../errors.js';
import type { HeaderValues } from '../handshake/custom-headers.js';

export interface EventSourceOptions {
  /** Extra response headers, e.g. CORS (values with CR, LF or NUL are refused). */
  headers?: HeaderValues;
  /**
   * Seconds the browser waits before reconnecting, sent first as `retry:` in milliseconds
   * (`retry: 2` is `retry: 2000`). None by default: browsers then wait about 3 to 5 seconds.
   */
  retry?: number;
  /** Seconds between `:` comment pings that keep proxies from timing the stream out; 0 turns them off. Default 10. */
  ping?: number;
  /**
   * Most bytes that may wait for a slow client; a write that would pass it closes the session
   * (its `close` event has reason `'overflow'`). Default 4 MiB.
   */
  maxBuffered?: number;
}

export const DEFAULT_PING_SECONDS = 10;
export const DEFAULT_MAX_BUFFERED = 4 * 1024 * 1024;

export interface ResolvedOptions {
  retry: number | undefined;
  pingMs: number;
  maxBuffered: number;
}

export function resolveOptions(options: EventSourceOptions): ResolvedOptions {
  if (options === null || typeof options !== 'object') {
    throw new ArgumentError('EventSource options must be an object', 'ERR_INVALID_OPTION');
  }
  const number = (name: 'retry' | 'ping' | 'maxBuffered', fallback: number): number => {
    const value = options[name];
    if (value === undefined) return fallback;
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
      throw new ArgumentError(`option ${name} must be a finite number >= 0`, 'ERR_INVALID_OPTION');
    }
    return value;
  };
  const retry = options.retry === undefined ? undefined : number('retry', 0);
  return {
    retry,
    pingMs: Math.round(number('ping', DEFAULT_PING_SECONDS) * 1000),
    maxBuffered: number('maxBuffered', DEFAULT_MAX_BUFFERED),
  };
}

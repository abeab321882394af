/** Options every WebSocket session takes, server or client, and their validation. */
import { ArgumentError } from '../errors.js';

export interface SessionOptions {
  /** Largest incoming message in bytes; larger closes with 1009. Default 2^26 - 1. */
  maxLength?: number;
  /** Most frames in one incoming fragmented message; more closes with 1008. Default 131072. */
  maxFragments?: number;
  /** Seconds between keep-alive pings; a peer silent for a further interval is dropped. Off by default. */
  ping?: number;
  /** Seconds to wait for the peer's close frame (and TCP close) after ours. Default 30. */
  closeTimeout?: number;
  /**
   * Most outgoing bytes the connection may hold (`bufferedAmount`); a `send()` that would go past it
   * drops the connection with `WS_ERR_BUFFER_OVERFLOW` and 1008. Default 64 MiB; `Infinity` for no bound.
   */
  maxBuffered?: number;
}

export function validateSessionOptions(options: SessionOptions): void {
  const check = (name: keyof SessionOptions, min: number): void => {
    const value = options[name];
    if (value !== undefined && !(typeof value === 'number' && value >= min && Number.isFinite(value))) {
      throw new ArgumentError(`option ${name} must be a number >= ${min}`, 'ERR_INVALID_OPTION');
    }
  };
  check('maxLength', 0);
  check('maxFragments', 1);
  check('ping', 0);
  check('closeTimeout', 0);
  if (options.maxBuffered !== Infinity) check('maxBuffered', 0);
}

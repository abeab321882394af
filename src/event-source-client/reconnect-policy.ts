/**
 * When the client reconnects (WHATWG HTML §9.2.3 "reestablish the connection"): after the
 * reconnection time (the `retry` option, default 3 s, then the stream's own `retry:` field), plus
 * up to a quarter more as jitter so that many clients dropped at once do not return at once. After
 * attempts that failed one after another (no `open` between them) the wait doubles, up to a cap
 * (the `maxRetry` option, default 30 s; a longer `retry:` from the server still wins), as the spec
 * allows ("optionally, wait some more").
 */

export const DEFAULT_RETRY_MS = 3000;
export const DEFAULT_MAX_RETRY_MS = 30_000;
/** The least a doubled wait starts from, so that `retry: 0` does not spin on a server that is down. */
const BACKOFF_FLOOR_MS = 100;
const JITTER = 0.25;
/** `setTimeout` fires at once for longer delays. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export class ReconnectPolicy {
  /** The reconnection time of §9.2.3, in milliseconds. */
  reconnectionTime: number;
  /** Attempts that failed since the last one that opened. */
  private failures = 0;

  constructor(
    initialMs = DEFAULT_RETRY_MS,
    private readonly maxMs = DEFAULT_MAX_RETRY_MS,
    private readonly random: () => number = Math.random,
  ) {
    this.reconnectionTime = initialMs;
  }

  /** The connection opened: the next wait is the plain reconnection time again. */
  opened(): void {
    this.failures = 0;
  }

  /** An attempt that did not open (a network error before the response). */
  failed(): void {
    this.failures++;
  }

  /** Milliseconds to wait before the next attempt. */
  nextDelay(): number {
    const base = this.reconnectionTime;
    let delay = base;
    if (this.failures > 1) {
      const doubled = Math.max(base, BACKOFF_FLOOR_MS) * 2 ** Math.min(this.failures - 1, 30);
      delay = Math.min(doubled, Math.max(this.maxMs, base));
    }
    return Math.min(Math.round(delay * (1 + JITTER * this.random())), MAX_TIMER_MS);
  }
}

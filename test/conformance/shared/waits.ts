/**
 * Bounded waiting for the conformance harnesses: every wait on a peer has a deadline, so a peer
 * that stays silent fails the case with a message instead of hanging jest.
 */

/** How long an expectation waits for the peer unless a case says otherwise. */
export const DEFAULT_TIMEOUT_MS = 5000;

/**
 * Rejects with "Timed out after `ms` ms: `what`" when `promise` has not settled in time; `what`
 * may be a function, to describe the state at the moment of the timeout.
 */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string | (() => string)): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Timed out after ${ms} ms: ${typeof what === 'string' ? what : what()}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** A fixed pause: only for pacing writes the way Autobahn paces them, never to wait for the peer. */
export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Lets the event loop run once (pending I/O included) before the next write. */
export function yieldMacrotask(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * A process-wide bound on zlib jobs running at once. Many concurrent zlib streams fragment
 * the native heap badly on glibc (nodejs/node#8871, websockets/ws#1202); queueing the jobs
 * keeps memory flat under load at a small latency cost.
 */
let limit = 10;
let running = 0;
const waiting: Array<() => void> = [];

/** Sets the bound (default 10); applies to jobs started from now on. */
export function setZlibConcurrency(value: number): void {
  if (!Number.isInteger(value) || value < 1) throw new RangeError('zlib concurrency must be a whole number >= 1');
  limit = value;
  drain();
}

/** Runs `job` when a slot is free; `job` must call `release` exactly once when done. */
export function withZlibSlot(job: (release: () => void) => void): void {
  waiting.push(() => {
    let released = false;
    job(() => {
      if (released) return;
      released = true;
      running--;
      drain();
    });
  });
  drain();
}

function drain(): void {
  while (running < limit && waiting.length > 0) {
    running++;
    waiting.shift()!();
  }
}

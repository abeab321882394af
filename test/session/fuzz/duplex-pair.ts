/**
 * Two in-memory `Duplex` ends that behave like the two ends of a TCP connection, for driving a
 * session without the network (Node 20 has no `stream.duplexPair`).
 *
 * - What one end writes becomes readable on the other. A write completes (its callback runs, so
 *   `writableLength` drops) only once the other end has taken the bytes: an end that is not reading
 *   (`pause()`) makes its peer's writes pile up, as a full TCP window does. The reading side has a
 *   high-water mark of 0 for that reason: nothing is accepted ahead of the reader.
 * - `end()` is a half-close (a FIN): the other end gets `'end'` after the bytes before it.
 * - `destroy(error?)` is an abortive close (an RST): `'error'` (with an error) then `'close'` on that
 *   end, and the other end is destroyed without an error (`'close'`), losing what it had not read.
 *   An end destroyed after an orderly shutdown (both directions ended, e.g. by `autoDestroy`) does
 *   not reset its peer, which closes on its own once it has read the FIN.
 * - There is no `setNoDelay`/`setTimeout`: the session calls them only where they exist.
 *
 * `activity` counts every transfer, so that a test can tell when the pair has gone quiet.
 */
import { Duplex } from 'node:stream';

/** One end of the pair. */
export class PairEnd extends Duplex {
  peer!: PairEnd;
  /** The callback of our write that waits for the peer to read (at most one: Writable serialises writes). */
  private heldWrite: (() => void) | null = null;
  /** Shared with the peer: bumped on every write, read, end and destroy. */
  private readonly counter: { value: number };

  constructor(counter: { value: number }) {
    super({ readableHighWaterMark: 0, allowHalfOpen: true });
    this.counter = counter;
  }

  get activity(): number {
    return this.counter.value;
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.counter.value++;
    const peer = this.peer;
    if (peer.destroyed) return callback();
    // `push` returns false when the peer keeps the bytes unread; the write completes when it reads.
    if (peer.push(chunk)) callback();
    else this.heldWrite = () => callback();
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.counter.value++;
    if (!this.peer.destroyed) this.peer.push(null);
    callback();
  }

  /** The reader wants more: the peer's waiting write is complete. */
  override _read(): void {
    const held = this.peer.heldWrite;
    if (held === null) return;
    this.counter.value++;
    this.peer.heldWrite = null;
    held();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.counter.value++;
    // Our write that the peer never read is finished (lost, as an RST loses it), so that
    // `writableLength` does not keep counting it.
    const held = this.heldWrite;
    this.heldWrite = null;
    held?.();
    const orderly = this.readableEnded && this.writableFinished;
    // An RST reaches the peer; a close after both FINs does not.
    if (!orderly && !this.peer.destroyed) this.peer.destroy();
    callback(error);
  }
}

/** Two connected ends: `[a, b]`, what `a` writes `b` reads and the other way round. */
export function createDuplexPair(): [PairEnd, PairEnd] {
  const counter = { value: 0 };
  const a = new PairEnd(counter);
  const b = new PairEnd(counter);
  a.peer = b;
  b.peer = a;
  return [a, b];
}

/**
 * Waits until the pair goes quiet: a turn of the event loop (every `nextTick` and microtask the
 * streams and the session queued has run by then) in which no byte moved.
 */
export async function settle(socket: PairEnd): Promise<void> {
  for (let turns = 0; turns < 100; turns++) {
    const before = socket.activity;
    await new Promise<void>((resolve) => setImmediate(resolve));
    if (socket.activity === before) return;
  }
  throw new Error('the pair never went quiet');
}

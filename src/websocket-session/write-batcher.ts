/**
 * Outgoing bytes of one socket, batched per event-loop turn.
 *
 * Frames are written into slabs shared by every connection of the process; consecutive
 * frames of one socket form one segment, and each turn's segments leave in one corked
 * write (one `writev`). A socket holds no buffer of its own while idle: a slab lives only
 * as long as some segment in flight still points into it, and a flushed batcher keeps no
 * reference to one (nor a segment list): an idle connection holds the batcher's fields alone.
 */
import type { Duplex } from 'node:stream';

const SLAB_SIZE = 64 * 1024;

let slab = Buffer.allocUnsafe(SLAB_SIZE);
let slabUsed = 0;
/** `target` between turns: a batcher that keeps the slab it last wrote into keeps all of it alive. */
const NO_TARGET = Buffer.alloc(0);

/** Batchers with bytes waiting, flushed together at the end of the turn. */
let dirty: WriteBatcher[] = [];

function flushAll(): void {
  const batch = dirty;
  dirty = [];
  for (const batcher of batch) batcher.flush();
}

/** The batcher's owner, told after each flush (an object, not a closure: one less allocation per connection). */
export interface FlushListener {
  afterFlush(accepted: boolean): void;
}

export class WriteBatcher {
  /** Closed segments of this turn, made only when a turn has more than one. */
  private segments: Buffer[] | null = null;
  /** The open segment, when it is the tail of the current slab. */
  private openSlab: Buffer | null = null;
  private openStart = 0;
  private openEnd = 0;
  private scheduled = false;
  /** Bytes handed to the batcher and not yet given to the socket. */
  pendingBytes = 0;

  /** `owner.afterFlush(accepted)` runs after each flush with the socket's `write` result. */
  constructor(
    readonly socket: Duplex,
    private readonly owner: FlushListener,
  ) {}

  /** The buffer of the last `reserve` (until the flush). */
  target: Buffer = NO_TARGET;

  /**
   * Room for `size` bytes: returns the offset to write at in `target`. The bytes must be
   * written before control returns to the event loop.
   */
  reserve(size: number): number {
    if (SLAB_SIZE - slabUsed < size) {
      this.closeSegment();
      if (size > SLAB_SIZE / 4) {
        const own = Buffer.allocUnsafe(size);
        this.push(own);
        this.target = own;
        return 0;
      }
      slab = Buffer.allocUnsafe(SLAB_SIZE);
      slabUsed = 0;
    }
    if (this.openSlab !== slab || this.openEnd !== slabUsed) {
      this.closeSegment();
      this.openSlab = slab;
      this.openStart = slabUsed;
    }
    const offset = slabUsed;
    slabUsed += size;
    this.openEnd = slabUsed;
    this.pendingBytes += size;
    this.schedule();
    this.target = slab;
    return offset;
  }

  /** Queues a buffer by reference, after everything reserved so far. It must not change until written. */
  push(buffer: Buffer): void {
    this.closeSegment();
    (this.segments ??= []).push(buffer);
    this.pendingBytes += buffer.length;
    this.schedule();
  }

  flush(): void {
    this.scheduled = false;
    this.target = NO_TARGET;
    const open = this.openSlab;
    if (this.segments === null) {
      // The common turn: one run of frames in one slab, written as one buffer, no list made.
      if (open === null) return;
      this.openSlab = null;
      this.pendingBytes = 0;
      const socket = this.socket;
      if (socket.destroyed || !socket.writable) return;
      this.owner.afterFlush(socket.write(open.subarray(this.openStart, this.openEnd)));
      return;
    }
    this.closeSegment();
    const segments = this.segments;
    this.segments = null;
    this.pendingBytes = 0;
    const socket = this.socket;
    if (socket.destroyed || !socket.writable) return;
    let accepted: boolean;
    if (segments.length === 1) {
      accepted = socket.write(segments[0]);
    } else {
      socket.cork();
      for (let i = 0; i < segments.length - 1; i++) socket.write(segments[i]);
      accepted = socket.write(segments[segments.length - 1]);
      socket.uncork();
    }
    this.owner.afterFlush(accepted);
  }

  /** Drops everything not yet written (the socket is gone). */
  discard(): void {
    this.segments = null;
    this.openSlab = null;
    this.target = NO_TARGET;
    this.pendingBytes = 0;
  }

  private closeSegment(): void {
    const open = this.openSlab;
    if (open === null) return;
    this.openSlab = null;
    (this.segments ??= []).push(open.subarray(this.openStart, this.openEnd));
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    if (dirty.length === 0) process.nextTick(flushAll);
    dirty.push(this);
  }
}

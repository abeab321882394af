/**
 * The last events of a stream (a channel's, a Hub topic's), for replay to a client that reconnects
 * with `Last-Event-ID` or `since`: at most `limit` events and `maxBytes` bytes, in a ring of fixed
 * size plus an index from id to position, so that finding where a client left off costs one map
 * lookup however long the history is.
 */
export interface KeptEvent {
  readonly id: string;
  /** The event exactly as it went on the wire. */
  readonly frame: Buffer;
}

export class EventHistory<T extends { readonly id: string } = KeptEvent> {
  private readonly ring: Array<T | undefined>;
  /** What the kept events weigh, by `sizeOf`. */
  private bytes = 0;
  /** Sequence number of the oldest kept event; event `seq` lives at `ring[seq % limit]`. */
  private first = 0;
  /** Sequence number the next event will get. */
  private next = 0;
  private readonly positions = new Map<string, number>();
  /** The id of the newest event no longer kept: a client there missed exactly what is kept. */
  private boundaryId: string | null = null;

  constructor(
    private readonly limit: number,
    private readonly maxBytes = Infinity,
    private readonly sizeOf: (event: T) => number = () => 0,
  ) {
    this.ring = new Array<T | undefined>(limit);
  }

  get size(): number {
    return this.next - this.first;
  }

  push(event: T): void {
    if (this.limit === 0) {
      this.boundaryId = event.id;
      return;
    }
    if (this.size === this.limit) this.evictOldest();
    const seq = this.next++;
    this.ring[seq % this.limit] = event;
    this.bytes += this.sizeOf(event);
    // A reused id points at its latest event: replay resumes after the most recent one.
    this.positions.set(event.id, seq);
    while (this.bytes > this.maxBytes && this.size > 0) this.evictOldest();
  }

  /** The events kept after the one with `id`, oldest first; null when `id` is not (or no longer) kept. */
  after(id: string): T[] | null {
    const found = this.positions.get(id);
    if (found === undefined && id !== this.boundaryId) return null;
    const seq = found ?? this.first - 1;
    const events: T[] = [];
    for (let s = seq + 1; s < this.next; s++) events.push(this.ring[s % this.limit]!);
    return events;
  }

  private evictOldest(): void {
    const seq = this.first++;
    const slot = seq % this.limit;
    const evicted = this.ring[slot]!;
    this.ring[slot] = undefined;
    this.bytes -= this.sizeOf(evicted);
    this.boundaryId = evicted.id;
    if (this.positions.get(evicted.id) === seq) this.positions.delete(evicted.id);
  }
}

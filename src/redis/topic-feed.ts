/**
 * One topic as this process follows it live: where it stands in the topic (epoch and last sequence
 * delivered) and the listeners it delivers to. Pub/Sub is at most once (a dropped or reconnected
 * subscriber connection loses what was published meanwhile), so the feed never trusts it for
 * completeness: each message carries its sequence number, and a message that is not the next one,
 * or a connection that came back, makes the feed read the events it lacks from the topic's stream.
 * Events therefore reach the listeners once each, in the topic's order, whatever Pub/Sub did. Only
 * when the stream no longer has them (trimmed, or Redis lost the topic and a new epoch began) are
 * listeners told that events were lost, with the id to reset to.
 */
import type { BrokerListener, HubEvent } from '../hub/broker.js';
import { decodeEvent, eventId, parseLiveMessage } from './event-codec.js';
import type { TopicRead } from './topic-reader.js';

interface Waiting {
  readonly epoch: string;
  readonly seq: number;
  readonly payload: string;
  /** Reads started before it came: one started after it that completes has seen it in the stream. */
  readonly readsBefore: number;
}

/** Messages kept while the feed reads; beyond this the stream has them anyway. */
const MAX_WAITING = 4096;
const RETRY_MS = [100, 250, 500, 1000, 2000, 5000];

export class TopicFeed {
  readonly listeners = new Set<BrokerListener>();
  /** The topic's epoch as last seen; '' before its first event. */
  private epoch = '';
  private seq = 0;
  private positioned = false;
  private reading = false;
  private readAgain = false;
  private closed = false;
  private failures = 0;
  private retryTimer: NodeJS.Timeout | null = null;
  /** Messages ahead of the feed's position, by `<epoch>:<seq>`. */
  private readonly waiting = new Map<string, Waiting>();
  private readsStarted = 0;
  /** The number of the last read that completed. */
  private readsSettled = 0;
  /** Set when the events before the next delivery are lost: the id subscribers reset to. */
  private pendingReset: string | null = null;

  constructor(
    readonly topic: string,
    /** Reads the topic's epoch, top and kept events from a sequence number on. */
    private readonly read: (from: number, count: number) => Promise<TopicRead>,
    /** The most events one read returns (the history cap). */
    private readonly pageSize: number,
    private readonly onError: (error: Error) => void,
  ) {}

  /** Learns where the topic stands (after the channel is subscribed, so that nothing falls between). */
  start(): Promise<void> {
    return this.sync(true);
  }

  /** A Pub/Sub message of the topic's channel. */
  onMessage(raw: string): void {
    const message = parseLiveMessage(raw);
    if (message === null || this.closed) return;
    // The next event; or the first of a topic that had none when the feed started (nothing before it to lose).
    const next = message.epoch === this.epoch ? message.seq === this.seq + 1 : this.epoch === '' && this.seq === 0 && message.seq === 1;
    if (this.positioned && !this.reading && next) {
      const event = decodeEvent(this.topic, eventId(message.epoch, message.seq), message.payload);
      // Not ours: dropped, so that the next event shows a gap, which the stream fills (or resets).
      if (event === null) return;
      this.epoch = message.epoch;
      this.seq = message.seq;
      this.deliver([event]);
      return;
    }
    if (message.epoch === this.epoch && message.seq <= this.seq) return;
    if (this.waiting.size >= MAX_WAITING) this.waiting.clear();
    this.waiting.set(`${message.epoch}:${message.seq}`, { ...message, readsBefore: this.readsStarted });
    // A read under way is followed by a look at what waits; only a feed at rest starts one.
    if (this.positioned && !this.reading) void this.sync(false);
  }

  /** Reads what may have been missed (the subscriber connection came back): after any read under way, once more. */
  catchUp(): void {
    if (this.positioned) void this.sync(false);
  }

  close(): void {
    this.closed = true;
    this.waiting.clear();
    if (this.retryTimer !== null) clearTimeout(this.retryTimer);
    this.retryTimer = null;
  }

  /** Reads until the feed stands at the topic's top; one read at a time, another if asked meanwhile. */
  private async sync(first: boolean): Promise<void> {
    if (this.reading) {
      this.readAgain = true;
      return;
    }
    this.reading = true;
    try {
      do {
        this.readAgain = false;
        const number = ++this.readsStarted;
        const result = await this.read(this.seq + 1, first ? 0 : this.pageSize);
        if (this.closed) return;
        if (first) this.position(result);
        else this.apply(result);
        this.readsSettled = number;
        first = false;
      } while (this.readAgain && !this.closed);
      this.failures = 0;
    } catch (error) {
      if (first) throw error;
      // Later, not at once: a connection that is down fails every read at once.
      this.retryLater(error as Error);
      return;
    } finally {
      this.reading = false;
    }
    this.drainWaiting();
  }

  private position(result: TopicRead): void {
    this.epoch = result.epoch;
    this.seq = result.top;
    this.positioned = true;
  }

  private apply(result: TopicRead): void {
    if (result.epoch === '') return; // the topic is gone from Redis; its next event starts a new epoch
    if (result.epoch !== this.epoch) {
      // A new epoch: what this feed had not yet delivered of the old one is lost. Read the new from its start.
      const lostFrom = this.epoch;
      this.epoch = result.epoch;
      this.seq = 0;
      if (lostFrom !== '') this.pendingReset = eventId(result.epoch, 0);
      this.readAgain = true;
      return;
    }
    const batch: HubEvent[] = [];
    for (const entry of result.entries) {
      if (entry.seq <= this.seq) continue;
      if (entry.seq !== this.seq + 1) this.lose(batch, entry.seq - 1);
      batch.push(entry.event);
      this.seq = entry.seq;
    }
    if (result.entries.length >= this.pageSize && this.pageSize > 0) this.readAgain = true;
    else if (this.seq < result.top) this.lose(batch, result.top); // trimmed away to nothing
    this.deliver(batch);
  }

  private lose(batch: HubEvent[], lastLost: number): void {
    this.deliver(batch.splice(0));
    this.pendingReset = eventId(this.epoch, lastLost);
    this.seq = lastLost;
  }

  private drainWaiting(): void {
    if (this.reading || this.closed) return;
    const batch: HubEvent[] = [];
    for (let next = this.waiting.get(`${this.epoch}:${this.seq + 1}`); next !== undefined; next = this.waiting.get(`${this.epoch}:${this.seq + 1}`)) {
      this.waiting.delete(`${next.epoch}:${next.seq}`);
      const event = decodeEvent(this.topic, eventId(next.epoch, next.seq), next.payload);
      if (event === null) break;
      batch.push(event);
      this.seq = next.seq;
    }
    this.deliver(batch);
    for (const [key, message] of this.waiting) {
      const behind = message.epoch === this.epoch && message.seq <= this.seq;
      // A read that began after it came has seen the stream with it; what it did not resolve, none will.
      if (behind || message.readsBefore < this.readsSettled) this.waiting.delete(key);
    }
    // What is left is ahead of a gap (or of another epoch): the stream fills it.
    if (this.waiting.size > 0) void this.sync(false);
  }

  private deliver(events: HubEvent[]): void {
    const reset = this.pendingReset;
    if (events.length === 0 && reset === null) return;
    this.pendingReset = null;
    for (const listener of [...this.listeners]) listener(events, reset === null ? undefined : { resetTo: reset });
  }

  private retryLater(error: Error): void {
    this.onError(error);
    if (this.retryTimer !== null || this.closed) return;
    const delay = RETRY_MS[Math.min(this.failures++, RETRY_MS.length - 1)]!;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      void this.sync(false);
    }, delay);
    this.retryTimer.unref();
  }
}

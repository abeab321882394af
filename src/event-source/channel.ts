/**
 * `Channel`: one stream of events broadcast to many EventSource sessions, with a bounded history
 * so that a client reconnecting with `Last-Event-ID` (WHATWG HTML §9.2.4) gets exactly the events
 * it missed. Each event is framed and encoded once; every subscriber is written the same bytes.
 */
import { ArgumentError } from '../errors.js';
import { EventSource, writeFrame } from './event-source.js';
import { formatEvent, idValue, type EventFields } from './event-format.js';
import { EventHistory } from './history.js';

export interface ChannelOptions {
  /** Events kept for replay. Default 1000; 0 keeps none (a client that missed any event gets the reset signal). */
  history?: number;
  /**
   * The event sent to a client whose `Last-Event-ID` is not in the history (it fell out, or comes
   * from before a restart), so that the page knows to resync; `null` sends nothing. Default `'reset'`.
   */
  resetEvent?: string | null;
}

/** What `add()` did for the new subscriber. */
export interface ReplayResult {
  /** Kept events written to it because it had missed them. */
  replayed: number;
  /** It came back with an id the channel no longer knows: events were lost and it was sent the reset event. */
  missed: boolean;
}

const DEFAULT_HISTORY = 1000;
const DECIMAL = /^(0|[1-9][0-9]{0,15})$/;

export class Channel {
  private readonly subscribers = new Set<EventSource>();
  private readonly history: EventHistory;
  private readonly resetEvent: string | null;
  private counter = 0;
  private latest = '';
  private readonly leave = new WeakMap<EventSource, () => void>();

  constructor(options: ChannelOptions = {}) {
    const history = options.history ?? DEFAULT_HISTORY;
    if (!Number.isSafeInteger(history) || history < 0) {
      throw new ArgumentError('option history must be an integer >= 0', 'ERR_INVALID_OPTION');
    }
    this.history = new EventHistory(history);
    this.resetEvent = options.resetEvent === undefined ? 'reset' : options.resetEvent;
    // Validated now rather than on the first reconnect.
    if (this.resetEvent !== null) formatEvent('', { event: this.resetEvent });
  }

  /** Subscribers right now. */
  get size(): number {
    return this.subscribers.size;
  }

  /** The id of the latest event sent, '' before the first. */
  get lastId(): string {
    return this.latest;
  }

  /**
   * Replays to `es` every kept event after `es.lastEventId`, then keeps it subscribed until it
   * closes. A first connection (no last id) gets only what is sent from now on.
   */
  add(es: EventSource): ReplayResult {
    const result: ReplayResult = { replayed: 0, missed: false };
    if (es.readyState !== EventSource.OPEN || this.subscribers.has(es)) return result;
    const lastId = es.lastEventId;
    if (lastId !== '' && lastId !== this.latest) {
      const missed = this.history.after(lastId);
      if (missed === null) {
        result.missed = true;
        // The reset event carries the newest id, so that the client's next reconnect resumes from now.
        if (this.resetEvent !== null) writeFrame(es, formatEvent('', { event: this.resetEvent, id: this.latest }));
      } else {
        for (const event of missed) writeFrame(es, event.frame, event.frame.length);
        result.replayed = missed.length;
      }
    }
    // A replay too large for a slow client may already have closed it.
    if (es.readyState !== EventSource.OPEN) return result;
    const leave = (): void => void this.subscribers.delete(es);
    this.leave.set(es, leave);
    es.once('close', leave);
    this.subscribers.add(es);
    return result;
  }

  /** Unsubscribes `es` without closing it. */
  remove(es: EventSource): boolean {
    const leave = this.leave.get(es);
    if (leave !== undefined) es.off('close', leave);
    this.leave.delete(es);
    return this.subscribers.delete(es);
  }

  /**
   * Sends an event to every subscriber and keeps it for replay. Without an `id` the next of an
   * increasing sequence (`'1'`, `'2'`, …) is assigned; returns the id used.
   */
  send(data: string, fields: EventFields = {}): string {
    const id = fields.id === undefined ? String(this.counter + 1) : idValue(fields.id);
    // Framed (and so checked) before anything changes: a refused event uses up no id.
    const frame = Buffer.from(formatEvent(data, { ...fields, id }));
    // A numeric id given by the caller moves the sequence on, so assigned ids keep increasing.
    if (DECIMAL.test(id)) this.counter = Math.max(this.counter, Number(id));
    this.history.push({ id, frame });
    this.latest = id;
    for (const es of this.subscribers) writeFrame(es, frame, frame.length);
    return id;
  }

  /** Closes every subscriber (each then leaves the channel). */
  closeAll(): void {
    for (const es of [...this.subscribers]) es.close();
  }
}

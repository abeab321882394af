/**
 * `Channel`: one stream of events broadcast to many EventSource sessions, with a bounded history
 * so that a client reconnecting with `Last-Event-ID` (WHATWG HTML §9.2.4) gets exactly the events
 * it missed. It is one topic of a `Hub` of its own on the in-process broker: each event is framed
 * and encoded once, and every subscriber is written the same bytes.
 */
import { ArgumentError } from '../errors.js';
import { Hub, brokerMessage } from '../hub/hub.js';
import { MemoryBroker } from '../hub/memory-broker.js';
import { EventSource } from './event-source.js';
import { idValue, type EventFields } from './event-format.js';

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
/** The channel's one topic in its Hub. */
const TOPIC = 'channel';

export class Channel {
  private readonly broker: MemoryBroker;
  private readonly hub: Hub;

  constructor(options: ChannelOptions = {}) {
    const history = options.history ?? DEFAULT_HISTORY;
    if (!Number.isSafeInteger(history) || history < 0) {
      throw new ArgumentError('option history must be an integer >= 0', 'ERR_INVALID_OPTION');
    }
    // A channel bounds its history by count alone, as it always has.
    this.broker = new MemoryBroker({ history, historyBytes: Infinity });
    this.hub = new Hub({ broker: this.broker, resetEvent: options.resetEvent });
  }

  /** Subscribers right now. */
  get size(): number {
    return this.hub.size(TOPIC);
  }

  /** The id of the latest event sent, '' before the first. */
  get lastId(): string {
    return this.broker.latestId(TOPIC);
  }

  /**
   * Replays to `es` every kept event after `es.lastEventId`, then keeps it subscribed until it
   * closes. A first connection (no last id) gets only what is sent from now on.
   */
  add(es: EventSource): ReplayResult {
    const result: ReplayResult = { replayed: 0, missed: false };
    if (es.readyState !== EventSource.OPEN || this.hub.isSubscribed(es, TOPIC)) return result;
    const lastId = es.lastEventId;
    if (lastId !== '') {
      const missed = this.broker.history(TOPIC, lastId);
      if (missed.complete) result.replayed = missed.events.length;
      else result.missed = true;
    }
    // The in-process broker answers at once: the replay is written before this returns.
    void this.hub.subscribe(es, TOPIC);
    return result;
  }

  /** Unsubscribes `es` without closing it. */
  remove(es: EventSource): boolean {
    return this.hub.unsubscribe(es, TOPIC);
  }

  /**
   * Sends an event to every subscriber and keeps it for replay. Without an `id` the next of an
   * increasing sequence (`'1'`, `'2'`, …) is assigned; returns the id used.
   */
  send(data: string, fields: EventFields = {}): string {
    if (typeof data !== 'string') throw new ArgumentError('send() takes a string (JSON.stringify other values)', 'ERR_INVALID_SEND_DATA');
    const id = fields.id === undefined ? undefined : idValue(fields.id);
    // Checked before anything changes: a refused event uses up no id.
    return this.broker.publishNow(TOPIC, brokerMessage(TOPIC, data, { ...fields, id }));
  }

  /** Closes every subscriber (each then leaves the channel). */
  closeAll(): void {
    for (const es of this.hub.subscribers(TOPIC)) (es as EventSource).close();
  }
}

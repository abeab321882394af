/**
 * `Hub`: topics that WebSockets (server and client) and event streams subscribe to alike; one call
 * publishes an event to every subscriber of a topic, in one order per topic. This folder is the Hub:
 * the broker contract (`broker.ts`) with its in-process default (`memory-broker.ts`), the bytes of
 * an event made once for every subscriber (`event-frames.ts`), and one subscriber on one topic with
 * its replay (`subscription.ts`). A subscriber that comes back gets what it missed from the topic's
 * history first: an event stream after its `Last-Event-ID`, a WebSocket after `options.since`.
 */
import { ArgumentError, HatchwayError } from '../errors.js';
import { EventSource } from '../event-source/event-source.js';
import { formatEvent, idValue, retryMilliseconds } from '../event-source/event-format.js';
import { WebSocketSession } from '../websocket-session/websocket-session.js';
import { reportHubPublish } from '../observability/diagnostics.js';
import type { Broker, BrokerListener, BrokerMessage, HistoryResult, HubEvent } from './broker.js';
import { EventFrames } from './event-frames.js';
import { MemoryBroker, type MemoryBrokerOptions } from './memory-broker.js';
import { Subscription, type Subscriber } from './subscription.js';

export interface HubOptions extends MemoryBrokerOptions {
  /** Where topics live; by default in this process (`history` and `historyBytes` then bound each topic's replay). */
  broker?: Broker;
  /** The event an event stream gets when the events it missed are no longer kept; null for none. Default `'reset'`. */
  resetEvent?: string | null;
}

export interface SubscribeOptions {
  /**
   * WebSocket: the id of the last event it saw (with `envelope`): it first gets every kept event after
   * it, or a `{ topic, id, reset: true }` envelope when they are gone. An event stream uses its own `lastEventId`.
   */
  since?: string;
  /** WebSocket: each event as JSON text `{ topic, id, event?, data }`, so that the client learns the ids. */
  envelope?: boolean;
}

export interface PublishFields {
  /** The event's name (`event:` for event streams; in the envelope). */
  event?: string;
  /** An id of your own instead of the topic's next one. */
  id?: string;
  /** Event streams only: seconds the browser waits before reconnecting (`retry:`). */
  retry?: number;
}

/** The one event both kinds of subscriber share, seen the same way. */
interface ClosingTarget {
  prependOnceListener(type: 'close', listener: () => void): unknown;
  off(type: 'close', listener: () => void): unknown;
}

interface Room {
  readonly subscriptions: Set<Subscription>;
  readonly listener: BrokerListener;
}

export class Hub {
  private readonly broker: Broker;
  private readonly resetEvent: string | null;
  private readonly rooms = new Map<string, Room>();
  private readonly bySubscriber = new Map<Subscriber, { topics: Map<string, Subscription>; leave: () => void }>();
  /** Batches waiting while another is delivered: a publish from inside a delivery keeps the topic's order. */
  private readonly queue: Array<[Room, readonly HubEvent[], string | undefined]> = [];
  private delivering = false;
  private closed = false;

  constructor(options: HubOptions = {}) {
    const { broker, resetEvent, ...memory } = options;
    for (const name of ['history', 'historyBytes', 'topicTtl'] as const) {
      const value = memory[name];
      if (value !== undefined && !(name === 'topicTtl' ? Number.isFinite(value) && value >= 0 : Number.isSafeInteger(value) && value >= 0)) {
        throw new ArgumentError(`option ${name} must be ${name === 'topicTtl' ? 'a number' : 'an integer'} >= 0`, 'ERR_INVALID_OPTION');
      }
    }
    this.broker = broker ?? new MemoryBroker(memory);
    this.resetEvent = resetEvent === undefined ? 'reset' : resetEvent;
    if (this.resetEvent !== null) formatEvent('', { event: this.resetEvent });
  }

  /**
   * Subscribes `subscriber` to `topic` until it closes or is unsubscribed. Resolves once it is live
   * (after the replay of what it missed, if it came back with an id).
   */
  subscribe(subscriber: Subscriber, topic: string, options: SubscribeOptions = {}): Promise<void> {
    checkTopic(topic);
    const isStream = subscriber instanceof EventSource;
    if (!isStream && !(subscriber instanceof WebSocketSession)) {
      throw new ArgumentError('a subscriber is a WebSocket, a Client or an EventSource', 'ERR_INVALID_ARGUMENT');
    }
    if (options.since !== undefined && typeof options.since !== 'string') {
      throw new ArgumentError('since is the id of the last event seen, a string', 'ERR_INVALID_OPTION');
    }
    if (options.since !== undefined && (isStream || options.envelope !== true)) {
      throw new ArgumentError('since is for a WebSocket subscribed with envelope: true (event streams use Last-Event-ID)', 'ERR_INVALID_OPTION');
    }
    if (this.closed) throw new HatchwayError('the hub is closed', 'ERR_HUB_CLOSED');
    if (isClosed(subscriber) || this.isSubscribed(subscriber, topic)) return Promise.resolve();
    const notAfter = this.broker.notAfter?.bind(this.broker);
    const subscription = new Subscription(subscriber, topic, options.envelope === true, this.resetEvent, notAfter);
    const since = isStream ? subscriber.lastEventId : (options.since ?? '');
    if (since !== '') subscription.holdLive();
    // Each step is done at once when the broker answers at once (the in-process one): a publish
    // right after subscribe() then reaches the subscriber, after what it missed.
    const replay = (): void | Promise<void> => {
      if (since === '') return;
      const apply = (missed: HistoryResult): void => {
        if (this.current(subscription)) subscription.replay(missed);
      };
      const missed = this.broker.history(topic, since);
      return isThenable(missed) ? Promise.resolve(missed).then(apply) : apply(missed);
    };
    const joined = this.join(subscription);
    const live = isThenable(joined) ? Promise.resolve(joined).then(replay) : Promise.resolve(replay());
    // A broker that failed (Redis down) leaves the subscriber off the topic, never half on it with
    // live events held; the rejection is marked handled, so that a subscribe() nobody awaits
    // cannot end the process, and still reaches whoever awaits it.
    const settled = live.catch((error: unknown) => {
      if (this.current(subscription)) this.unsubscribe(subscriber, topic);
      throw error;
    });
    settled.catch(() => {});
    return settled;
  }

  /** Takes `subscriber` off `topic`, or off every topic; it stays open. False when it was on none of them. */
  unsubscribe(subscriber: Subscriber, topic?: string): boolean {
    const entry = this.bySubscriber.get(subscriber);
    if (entry === undefined) return false;
    let removed = false;
    for (const [name, subscription] of entry.topics) {
      if (topic !== undefined && name !== topic) continue;
      entry.topics.delete(name);
      this.leaveRoom(subscription);
      removed = true;
    }
    if (entry.topics.size === 0) {
      this.bySubscriber.delete(subscriber);
      (subscriber as ClosingTarget).off('close', entry.leave);
    }
    return removed;
  }

  /**
   * Publishes `data` to every subscriber of `topic`; resolves with the event's id once the broker has
   * accepted it, rejects when it has not. An `event` or `id` with CR, LF or NUL throws an `ArgumentError`.
   */
  publish(topic: string, data: string | Buffer | ArrayBufferView, fields: PublishFields = {}): Promise<string> {
    const message = brokerMessage(topic, data, fields);
    if (this.closed) return Promise.reject(new HatchwayError('the hub is closed', 'ERR_HUB_CLOSED'));
    // Marked handled like subscribe(): a publish nobody awaits that the broker refused must not end the process.
    let accepted: Promise<string>;
    try {
      accepted = Promise.resolve(this.broker.publish(topic, message));
    } catch (error) {
      accepted = Promise.reject(error);
    }
    accepted.catch(() => {});
    reportHubPublish(this, topic, message, accepted);
    return accepted;
  }

  /** Subscribers of `topic` in this process. */
  size(topic: string): number {
    return this.rooms.get(topic)?.subscriptions.size ?? 0;
  }

  /** Is `subscriber` on `topic`? */
  isSubscribed(subscriber: Subscriber, topic: string): boolean {
    return this.bySubscriber.get(subscriber)?.topics.has(topic) === true;
  }

  /** The subscribers of `topic` in this process, in the order they joined. */
  subscribers(topic: string): Subscriber[] {
    return [...(this.rooms.get(topic)?.subscriptions ?? [])].map((subscription) => subscription.subscriber);
  }

  /** Takes every subscriber off every topic (they stay open) and closes the broker (its connections). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const subscriber of [...this.bySubscriber.keys()]) this.unsubscribe(subscriber);
    await this.broker.close();
  }

  /** Is `subscription` still the one of its subscriber on its topic (not unsubscribed meanwhile)? */
  private current(subscription: Subscription): boolean {
    return this.bySubscriber.get(subscription.subscriber)?.topics.get(subscription.topic) === subscription;
  }

  private join(subscription: Subscription): void | Promise<void> {
    const { subscriber, topic } = subscription;
    let entry = this.bySubscriber.get(subscriber);
    if (entry === undefined) {
      const leave = (): void => void this.unsubscribe(subscriber);
      entry = { topics: new Map(), leave };
      this.bySubscriber.set(subscriber, entry);
      // A closed subscriber leaves every topic by itself, before the application's own close
      // listeners run, so that `size()` there already leaves it out.
      (subscriber as ClosingTarget).prependOnceListener('close', leave);
    }
    entry.topics.set(topic, subscription);
    let room = this.rooms.get(topic);
    if (room === undefined) {
      const created: Room = { subscriptions: new Set(), listener: (events, lost) => this.deliver(created, events, lost?.resetTo) };
      room = created;
      this.rooms.set(topic, room);
      room.subscriptions.add(subscription);
      return this.broker.subscribe(topic, room.listener);
    }
    room.subscriptions.add(subscription);
  }

  private leaveRoom(subscription: Subscription): void {
    const room = this.rooms.get(subscription.topic);
    if (room === undefined || !room.subscriptions.delete(subscription) || room.subscriptions.size > 0) return;
    this.rooms.delete(subscription.topic);
    void Promise.resolve(this.broker.unsubscribe(subscription.topic, room.listener)).catch(() => {});
  }

  private deliver(room: Room, events: readonly HubEvent[], resetTo?: string): void {
    this.queue.push([room, events, resetTo]);
    if (this.delivering) return;
    this.delivering = true;
    try {
      for (let i = 0; i < this.queue.length; i++) {
        const [target, batch, reset] = this.queue[i]!;
        if (reset !== undefined) for (const subscription of target.subscriptions) subscription.reset(reset);
        for (const event of batch) {
          const frames = new EventFrames(event);
          for (const subscription of target.subscriptions) subscription.deliver(frames);
        }
      }
    } finally {
      this.queue.length = 0;
      this.delivering = false;
    }
  }
}

/** What `publish()` hands the broker, checked first: a refused event changes nothing. */
export function brokerMessage(topic: string, data: string | Buffer | ArrayBufferView, fields: PublishFields): BrokerMessage {
  checkTopic(topic);
  const payload = typeof data === 'string' ? data : toBuffer(data);
  const { event, id, retry } = fields;
  if (event !== undefined) formatEvent('', { event });
  if (id !== undefined && (typeof id !== 'string' || id === '' || idValue(id) !== id)) {
    throw new ArgumentError('an event id is a non-empty string without CR, LF or NUL', 'ERR_INVALID_SSE_FIELD');
  }
  if (retry !== undefined) retryMilliseconds(retry);
  return { data: payload, event, id, retry };
}

/** A broker's answer that comes later: any thenable, not only a native Promise. */
function isThenable<T>(value: T | PromiseLike<T>): value is PromiseLike<T> {
  return typeof (value as PromiseLike<T> | null)?.then === 'function';
}

function checkTopic(topic: unknown): asserts topic is string {
  if (typeof topic !== 'string' || topic === '') throw new ArgumentError('a topic is a non-empty string', 'ERR_INVALID_ARGUMENT');
}

function isClosed(subscriber: Subscriber): boolean {
  return subscriber instanceof EventSource ? subscriber.readyState === EventSource.CLOSED : subscriber.readyState >= subscriber.CLOSING;
}

function toBuffer(data: ArrayBufferView): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  throw new ArgumentError('publish() takes a string, a Buffer or an ArrayBufferView', 'ERR_INVALID_SEND_DATA');
}

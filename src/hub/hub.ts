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
import { formatEvent, idValue } from '../event-source/event-format.js';
import { WebSocketSession } from '../websocket-session/websocket-session.js';
import type { Broker, BrokerListener, HubEvent } from './broker.js';
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
}

/** The one event both kinds of subscriber share, seen the same way. */
interface ClosingTarget {
  once(type: 'close', listener: () => void): unknown;
  off(type: 'close', listener: () => void): unknown;
}

interface Room {
  readonly subscriptions: Set<Subscription>;
  readonly listener: BrokerListener;
}

export class Hub {
  private readonly broker: Broker;
  private readonly ownsBroker: boolean;
  private readonly resetEvent: string | null;
  private readonly rooms = new Map<string, Room>();
  private readonly bySubscriber = new Map<Subscriber, { topics: Map<string, Subscription>; leave: () => void }>();
  /** Batches waiting while another is delivered: a publish from inside a delivery keeps the topic's order. */
  private queue: Array<[Room, readonly HubEvent[]]> = [];
  private delivering = false;
  private closed = false;

  constructor(options: HubOptions = {}) {
    const { broker, resetEvent, ...memory } = options;
    for (const name of ['history', 'historyBytes'] as const) {
      const value = memory[name];
      if (value !== undefined && !(Number.isSafeInteger(value) && value >= 0)) {
        throw new ArgumentError(`option ${name} must be an integer >= 0`, 'ERR_INVALID_OPTION');
      }
    }
    this.broker = broker ?? new MemoryBroker(memory);
    this.ownsBroker = broker === undefined;
    this.resetEvent = resetEvent === undefined ? 'reset' : resetEvent;
    if (this.resetEvent !== null) formatEvent('', { event: this.resetEvent });
  }

  /**
   * Subscribes `subscriber` to `topic` until it closes or is unsubscribed. Resolves once it is live
   * (after the replay of what it missed, if it came back with an id).
   */
  async subscribe(subscriber: Subscriber, topic: string, options: SubscribeOptions = {}): Promise<void> {
    checkTopic(topic);
    const isStream = subscriber instanceof EventSource;
    if (!isStream && !(subscriber instanceof WebSocketSession)) {
      throw new ArgumentError('a subscriber is a WebSocket, a Client or an EventSource', 'ERR_INVALID_ARGUMENT');
    }
    if (options.since !== undefined && (isStream || options.envelope !== true)) {
      throw new ArgumentError('since is for a WebSocket subscribed with envelope: true (event streams use Last-Event-ID)', 'ERR_INVALID_OPTION');
    }
    if (this.closed) throw new HatchwayError('the hub is closed', 'ERR_HUB_CLOSED');
    if (isClosed(subscriber) || this.bySubscriber.get(subscriber)?.topics.has(topic) === true) return;
    const subscription = new Subscription(subscriber, topic, options.envelope === true, this.resetEvent);
    const since = isStream ? subscriber.lastEventId : (options.since ?? '');
    if (since !== '') subscription.holdLive();
    await this.join(subscription);
    if (since === '') return;
    const missed = await this.broker.history(topic, since);
    if (this.bySubscriber.get(subscriber)?.topics.get(topic) === subscription) subscription.replay(missed);
  }

  /** Takes `subscriber` off `topic`, or off every topic; it stays open. */
  unsubscribe(subscriber: Subscriber, topic?: string): void {
    const entry = this.bySubscriber.get(subscriber);
    if (entry === undefined) return;
    for (const [name, subscription] of entry.topics) {
      if (topic !== undefined && name !== topic) continue;
      entry.topics.delete(name);
      this.leaveRoom(subscription);
    }
    if (entry.topics.size === 0) {
      this.bySubscriber.delete(subscriber);
      (subscriber as ClosingTarget).off('close', entry.leave);
    }
  }

  /**
   * Publishes `data` to every subscriber of `topic`; resolves with the event's id once the broker has
   * accepted it, rejects when it has not. An `event` or `id` with CR, LF or NUL throws an `ArgumentError`.
   */
  publish(topic: string, data: string | Buffer | ArrayBufferView, fields: PublishFields = {}): Promise<string> {
    checkTopic(topic);
    const payload = typeof data === 'string' ? data : toBuffer(data);
    if (fields.event !== undefined) formatEvent('', { event: fields.event });
    if (fields.id !== undefined && (fields.id === '' || idValue(fields.id) !== fields.id)) {
      throw new ArgumentError('an event id is a non-empty string without CR, LF or NUL', 'ERR_INVALID_SSE_FIELD');
    }
    if (this.closed) return Promise.reject(new HatchwayError('the hub is closed', 'ERR_HUB_CLOSED'));
    return this.broker.publish(topic, { data: payload, ...fields });
  }

  /** Subscribers of `topic` in this process. */
  size(topic: string): number {
    return this.rooms.get(topic)?.subscriptions.size ?? 0;
  }

  /** Takes every subscriber off every topic (they stay open) and closes the broker the Hub made. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const subscriber of [...this.bySubscriber.keys()]) this.unsubscribe(subscriber);
    if (this.ownsBroker) await this.broker.close();
  }

  private async join(subscription: Subscription): Promise<void> {
    const { subscriber, topic } = subscription;
    let entry = this.bySubscriber.get(subscriber);
    if (entry === undefined) {
      const leave = (): void => this.unsubscribe(subscriber);
      entry = { topics: new Map(), leave };
      this.bySubscriber.set(subscriber, entry);
      // A closed subscriber leaves every topic by itself.
      (subscriber as ClosingTarget).once('close', leave);
    }
    entry.topics.set(topic, subscription);
    let room = this.rooms.get(topic);
    if (room === undefined) {
      const created: Room = { subscriptions: new Set(), listener: (events) => this.deliver(created, events) };
      room = created;
      this.rooms.set(topic, room);
      room.subscriptions.add(subscription);
      await this.broker.subscribe(topic, room.listener);
      return;
    }
    room.subscriptions.add(subscription);
  }

  private leaveRoom(subscription: Subscription): void {
    const room = this.rooms.get(subscription.topic);
    if (room === undefined || !room.subscriptions.delete(subscription) || room.subscriptions.size > 0) return;
    this.rooms.delete(subscription.topic);
    void Promise.resolve(this.broker.unsubscribe(subscription.topic, room.listener)).catch(() => {});
  }

  private deliver(room: Room, events: readonly HubEvent[]): void {
    this.queue.push([room, events]);
    if (this.delivering) return;
    this.delivering = true;
    try {
      for (let i = 0; i < this.queue.length; i++) {
        const [target, batch] = this.queue[i]!;
        for (const event of batch) {
          const frames = new EventFrames(event);
          for (const subscription of target.subscriptions) subscription.deliver(frames);
        }
      }
    } finally {
      this.queue = [];
      this.delivering = false;
    }
  }
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

/**
 * The Hub's default broker: topics in this process, with no dependency and no server. Each topic
 * numbers its events '1', '2', ... (an id given by the publisher that is a larger number moves the
 * count on, so ids keep increasing), keeps its latest events for replay within a count and a byte
 * bound, and hands each event to its listeners as it is published, so the order of `publish()`
 * calls is the order every subscriber sees. A topic nobody listens to or publishes on for
 * `topicTtl` seconds is forgotten, so that topics made and left (one per user, per game) do not
 * pile up; a topic made after that counts on from above every forgotten one, so that an id from
 * before is never taken for one of its own (its subscriber is reset).
 */
import { EventHistory } from '../event-source/history.js';
import type { Broker, BrokerListener, BrokerMessage, HistoryResult, HubEvent } from './broker.js';

export interface MemoryBrokerOptions {
  /** Events kept per topic for replay. Default 1000. */
  history?: number;
  /** Bytes of event data kept per topic for replay. Default 1 MiB. */
  historyBytes?: number;
  /** Seconds a topic with no listener and no publish is kept, with its history; 0: for ever. Default 3600. */
  topicTtl?: number;
}

interface Topic {
  counter: number;
  /** When it last had a publish or lost its last listener (ms, monotonic clock). */
  idleSince: number;
  latest: string;
  readonly kept: EventHistory<HubEvent>;
  readonly listeners: Set<BrokerListener>;
}

const DECIMAL = /^(0|[1-9][0-9]{0,15})$/;

function byteLengthOf(event: HubEvent): number {
  return typeof event.data === 'string' ? Buffer.byteLength(event.data) : event.data.length;
}

export class MemoryBroker implements Broker {
  private readonly topics = new Map<string, Topic>();
  private readonly keep: number;
  private readonly keepBytes: number;
  private readonly ttlMs: number;
  /** Where a new topic's count starts: above every id of a forgotten topic. */
  private floor = 0;
  private sweeper: NodeJS.Timeout | null = null;

  constructor(options: MemoryBrokerOptions = {}) {
    this.keep = options.history ?? 1000;
    this.keepBytes = options.historyBytes ?? 1024 * 1024;
    this.ttlMs = (options.topicTtl ?? 3600) * 1000;
  }

  publish(topic: string, message: BrokerMessage): Promise<string> {
    return Promise.resolve(this.publishNow(topic, message));
  }

  /** `publish()` done at once, as an in-process broker can: the event has reached every listener on return. */
  publishNow(topic: string, message: BrokerMessage): string {
    const state = this.topic(topic);
    const id = message.id ?? String(state.counter + 1);
    if (DECIMAL.test(id)) state.counter = Math.max(state.counter, Number(id));
    const event: HubEvent = { ...message, topic, id };
    state.kept.push(event);
    state.latest = id;
    state.idleSince = performance.now();
    const batch = [event];
    for (const listener of state.listeners) listener(batch);
    return id;
  }

  /** The id of the newest event on `topic`, '' before the first. */
  latestId(topic: string): string {
    return this.topics.get(topic)?.latest ?? '';
  }

  subscribe(topic: string, listener: BrokerListener): void {
    this.topic(topic).listeners.add(listener);
  }

  unsubscribe(topic: string, listener: BrokerListener): void {
    const state = this.topics.get(topic);
    if (state === undefined) return;
    // The topic outlives its listeners, for `topicTtl`: its count (ids keep increasing) and its history.
    state.listeners.delete(listener);
    if (state.listeners.size === 0) state.idleSince = performance.now();
  }

  history(topic: string, since: string): HistoryResult {
    const state = this.topics.get(topic);
    if (state === undefined) return { events: [], complete: since === '', latest: '' };
    if (since === state.latest) return { events: [], complete: true, latest: state.latest };
    const events = state.kept.after(since);
    return events === null ? { events: [], complete: false, latest: state.latest } : { events, complete: true, latest: state.latest };
  }

  close(): void {
    this.topics.clear();
    if (this.sweeper !== null) clearInterval(this.sweeper);
    this.sweeper = null;
  }

  private topic(name: string): Topic {
    let state = this.topics.get(name);
    if (state === undefined) {
      const kept = new EventHistory<HubEvent>(this.keep, this.keepBytes, byteLengthOf);
      state = { counter: this.floor, idleSince: performance.now(), latest: '', kept, listeners: new Set() };
      this.topics.set(name, state);
      this.sweepLater();
    }
    return state;
  }

  /** One timer for all topics while there are any, looking a few times per `topicTtl` (at most every minute). */
  private sweepLater(): void {
    if (this.sweeper !== null || this.ttlMs === 0) return;
    this.sweeper = setInterval(() => this.sweep(), Math.min(Math.max(this.ttlMs / 4, 10), 60_000));
    this.sweeper.unref();
  }

  private sweep(): void {
    const idleFrom = performance.now() - this.ttlMs;
    for (const [name, state] of this.topics) {
      if (state.listeners.size > 0 || state.idleSince > idleFrom) continue;
      this.floor = Math.max(this.floor, state.counter);
      this.topics.delete(name);
    }
    if (this.topics.size === 0 && this.sweeper !== null) {
      clearInterval(this.sweeper);
      this.sweeper = null;
    }
  }
}

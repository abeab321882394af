/**
 * The Hub's default broker: topics in this process, with no dependency and no server. Each topic
 * numbers its events '1', '2', ... (an id given by the publisher that is a larger number moves the
 * count on, so ids keep increasing), keeps its latest events for replay within a count and a byte
 * bound, and hands each event to its listeners as it is published, so the order of `publish()`
 * calls is the order every subscriber sees.
 */
import { EventHistory } from '../event-source/history.js';
import type { Broker, BrokerListener, BrokerMessage, HistoryResult, HubEvent } from './broker.js';

export interface MemoryBrokerOptions {
  /** Events kept per topic for replay. Default 1000. */
  history?: number;
  /** Bytes of event data kept per topic for replay. Default 1 MiB. */
  historyBytes?: number;
}

interface Topic {
  counter: number;
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

  constructor(options: MemoryBrokerOptions = {}) {
    this.keep = options.history ?? 1000;
    this.keepBytes = options.historyBytes ?? 1024 * 1024;
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
    // The topic outlives its listeners: its count (ids keep increasing) and its history.
    state.listeners.delete(listener);
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
  }

  private topic(name: string): Topic {
    let state = this.topics.get(name);
    if (state === undefined) {
      const kept = new EventHistory<HubEvent>(this.keep, this.keepBytes, byteLengthOf);
      state = { counter: 0, latest: '', kept, listeners: new Set() };
      this.topics.set(name, state);
    }
    return state;
  }
}

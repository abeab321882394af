/**
 * Reading a topic back from Redis, and answering the subscribers that come back. One `READ` script
 * gives a topic's epoch, top sequence and kept events from a sequence on, at most a page of them, so
 * no read is unbounded. Subscribers that come back to one topic at once (a deploy, a network blip:
 * thousands of event streams reconnecting with their `Last-Event-ID`) share reads: while one read of
 * a topic is under way the others wait, and the next read, from the oldest position among them,
 * answers all of them.
 */
import type { HistoryResult, HubEvent } from '../hub/broker.js';
import { decodeEvent, eventId, parseEventId } from './event-codec.js';
import type { RedisConnection } from './redis-connection.js';
import { READ, runScript } from './scripts.js';
import type { TopicKeys } from './topic-keys.js';

export interface TopicEntry {
  readonly seq: number;
  readonly event: HubEvent;
}

/** A topic at one moment: its epoch ('' when Redis has none), its top sequence, and kept events. */
export interface TopicRead {
  readonly epoch: string;
  readonly top: number;
  readonly entries: readonly TopicEntry[];
}

export async function readTopic(connection: RedisConnection, keys: TopicKeys, topic: string, from: number, count: number): Promise<TopicRead> {
  const reply = await runScript(connection, READ, [keys.meta, keys.stream], [String(from), String(count)]);
  if (!Array.isArray(reply) || reply.length !== 3) throw new TypeError('unexpected reply to the read script');
  const epoch = String(reply[0] ?? '');
  const top = Number(reply[1]);
  const entries: TopicEntry[] = [];
  for (const entry of reply[2] as Array<[string, string[]]>) {
    const seq = Number(String(entry[0]).split('-', 1)[0]);
    const fields = entry[1];
    const event = decodeEvent(topic, eventId(epoch, seq), String(fields[1]));
    // An entry that is not ours is left out: to its readers it is a lost event (a reset).
    if (event !== null) entries.push({ seq, event });
  }
  return { epoch, top, entries };
}

interface Waiter {
  readonly since: string;
  resolve(result: HistoryResult): void;
  reject(error: unknown): void;
}

/** The answer to one subscriber back from `since`, out of a read that began at or before it. */
export function historyAfter(since: string, read: TopicRead): HistoryResult {
  const latest = read.epoch === '' ? '' : eventId(read.epoch, read.top);
  const position = parseEventId(since);
  if (position === null || position.epoch !== read.epoch || position.seq > read.top) return { events: [], complete: false, latest };
  if (position.seq === read.top) return { events: [], complete: true, latest };
  const events = read.entries.filter((entry) => entry.seq > position.seq);
  const complete = events.length > 0 && events[0]!.seq === position.seq + 1 && events[events.length - 1]!.seq === read.top;
  return complete ? { events: events.map((entry) => entry.event), complete, latest } : { events: [], complete: false, latest };
}

export class HistoryReads {
  private readonly waiting = new Map<string, Waiter[]>();
  private readonly reading = new Set<string>();

  constructor(
    private readonly read: (topic: string, from: number, count: number) => Promise<TopicRead>,
    /** Events one read returns at most: the history cap, so that one read holds all a topic keeps. */
    private readonly pageSize: number,
  ) {}

  history(topic: string, since: string): Promise<HistoryResult> {
    return new Promise((resolve, reject) => {
      let waiters = this.waiting.get(topic);
      if (waiters === undefined) this.waiting.set(topic, (waiters = []));
      waiters.push({ since, resolve, reject });
      // The rest of this turn's requests join the same read.
      if (!this.reading.has(topic)) {
        this.reading.add(topic);
        setImmediate(() => void this.readFor(topic));
      }
    });
  }

  private async readFor(topic: string): Promise<void> {
    const waiters = this.waiting.get(topic) ?? [];
    this.waiting.delete(topic);
    let from = Number.MAX_SAFE_INTEGER;
    for (const waiter of waiters) from = Math.min(from, (parseEventId(waiter.since)?.seq ?? 0) + 1);
    try {
      const read = await this.read(topic, from, this.pageSize);
      for (const waiter of waiters) waiter.resolve(historyAfter(waiter.since, read));
    } catch (error) {
      for (const waiter of waiters) waiter.reject(error);
    }
    if (this.waiting.has(topic)) setImmediate(() => void this.readFor(topic));
    else this.reading.delete(topic);
  }
}

/**
 * `redisBroker()`: a Hub's topics on Redis, shared by every process and machine whose Hub uses the
 * same Redis. A publish is one script (`scripts.ts`) that numbers the event in its topic, keeps it in
 * the topic's stream (capped at `history` events, expiring after `historyTtl` idle seconds) and
 * announces it on the topic's channel; the publish resolves with the event's id once Redis has run
 * it. Each process follows the channels of the topics it has subscribers on (`topic-feed.ts`), and
 * reads from the streams what Pub/Sub dropped, so every subscriber gets every event once, in the one
 * order Redis gave them. Subscribers that come back read what they missed from the stream
 * (`topic-reader.ts`), on whichever process they come back to.
 */
import { randomBytes } from 'node:crypto';
import { debuglog } from 'node:util';
import { ArgumentError, HatchwayError } from '../errors.js';
import type { Broker, BrokerListener, BrokerMessage, HistoryResult } from '../hub/broker.js';
import { encodeEvent, eventId, parseEventId } from './event-codec.js';
import { redisConnection, type RedisClientLike, type RedisConnection } from './redis-connection.js';
import { FIND, PUBLISH, runScript } from './scripts.js';
import { TopicFeed } from './topic-feed.js';
import { topicKeys, type TopicKeys } from './topic-keys.js';
import { HistoryReads, readTopic, type TopicRead } from './topic-reader.js';

export interface RedisBrokerOptions {
  /** A node-redis client (`createClient()`, connected or not) or an ioredis one. Pub/Sub runs on a duplicate of it. */
  client: RedisClientLike;
  /** Close `client` when the broker (the Hub) closes. False when the application goes on using it. Default true. */
  closeClient?: boolean;
  /** Prefix of every key and channel. Default `'hatchway'`. */
  prefix?: string;
  /** Events kept per topic for replay (exactly). Default 1000. */
  history?: number;
  /** Seconds an idle topic (no publish) is kept; then it is forgotten and its next event begins a new epoch. 0: kept forever. Default 86400. */
  historyTtl?: number;
  /** Milliseconds a publish waits for the first connection to Redis before it rejects. Default 10000. */
  connectTimeout?: number;
  /** Hears the Redis clients' errors (a lost connection, a failed read that will be retried). Default: `NODE_DEBUG=hatchway`. */
  onError?: (error: Error) => void;
}

const debug = debuglog('hatchway');

function checkCount(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < 0) throw new ArgumentError(`option ${name} must be an integer >= 0`, 'ERR_INVALID_OPTION');
  return value;
}

export class RedisBroker implements Broker {
  private readonly commands: RedisConnection;
  private readonly subscriber: RedisConnection;
  /** Where publishes go: a connection that never runs one twice (`RedisConnection.publisher()`). */
  private readonly publishing: RedisConnection;
  private readonly prefix: string;
  private readonly cap: number;
  private readonly ttl: number;
  private readonly connectTimeout: number;
  private readonly onError: (error: Error) => void;
  private readonly feeds = new Map<string, { feed: TopicFeed; keys: TopicKeys; started: Promise<void> }>();
  private readonly reads: HistoryReads;
  private subscriberReady: Promise<void> | null = null;
  /** Random per broker, so that with a count it makes strings no other broker makes (no random bytes per publish). */
  private readonly nonce = randomBytes(6).toString('base64url');
  private published = 0;
  /** Publishes waiting for their reply: each is told when the connection drops under it. */
  private readonly inFlight = new Set<() => void>();
  private closed = false;

  constructor(options: RedisBrokerOptions) {
    if (options === null || typeof options !== 'object') throw new ArgumentError('redisBroker() takes { client }', 'ERR_INVALID_OPTION');
    this.prefix = options.prefix ?? 'hatchway';
    if (typeof this.prefix !== 'string' || this.prefix === '') throw new ArgumentError('option prefix must be a non-empty string', 'ERR_INVALID_OPTION');
    this.cap = checkCount('history', options.history, 1000);
    this.ttl = checkCount('historyTtl', options.historyTtl, 86_400);
    this.connectTimeout = checkCount('connectTimeout', options.connectTimeout, 10_000);
    const onError = options.onError ?? ((error: Error) => debug('redis broker: %s', error.message));
    // Once closed, what the closing connections say is not news.
    this.onError = (error) => {
      if (!this.closed) onError(error);
    };
    this.commands = redisConnection(options.client, this.onError, options.closeClient !== false);
    this.subscriber = this.commands.duplicate();
    this.publishing = this.commands.publisher();
    this.publishing.onDropped(() => {
      for (const dropped of [...this.inFlight]) dropped();
    });
    this.subscriber.onResubscribed(() => {
      for (const { feed } of this.feeds.values()) feed.catchUp();
    });
    this.reads = new HistoryReads((topic, from, count) => this.read(topic, from, count), this.cap);
  }

  async publish(topic: string, message: BrokerMessage): Promise<string> {
    if (message.id !== undefined) throw new ArgumentError('the Redis broker numbers the events itself: publish without an id', 'ERR_INVALID_OPTION');
    if (this.closed) throw new HatchwayError('the broker is closed', 'ERR_HUB_CLOSED');
    await this.connected(this.publishing);
    const keys = topicKeys(this.prefix, topic);
    // One unique string serves as the publish's token and, if the topic starts anew, its epoch.
    const unique = `${this.nonce}${(this.published++).toString(36)}`;
    const args = [keys.channel, String(this.cap), String(this.ttl), unique, encodeEvent(message), unique];
    const outcome = await new Promise<{ reply: unknown } | { error: unknown }>((resolve) => {
      const dropped = (): void => resolve({ error: new Error('the connection to Redis dropped') });
      this.inFlight.add(dropped);
      runScript(this.publishing, PUBLISH, [keys.meta, keys.stream], args)
        .then((reply) => resolve({ reply }), (error: unknown) => resolve({ error }))
        .finally(() => this.inFlight.delete(dropped));
    });
    // The script may have run and only its reply been lost: the stream says which.
    if ('error' in outcome) return this.settleLostReply(keys, unique, outcome.error);
    const [given, seq] = outcome.reply as [string, number];
    return eventId(String(given), Number(seq));
  }

  /** A publish whose reply did not come: its id if Redis took it, a rejection if not, or if that cannot be known. */
  private async settleLostReply(keys: TopicKeys, token: string, cause: unknown): Promise<string> {
    const reason = (cause as Error | null)?.message ?? String(cause);
    let found: unknown;
    // Asked again until the deadline: the connection may drop again while it comes back.
    const deadline = Date.now() + this.connectTimeout;
    while (found === undefined) {
      try {
        await until(() => this.commands.ready, deadline - Date.now());
        found = await runScript(this.commands, FIND, [keys.meta, keys.stream], [token]);
      } catch {
        if (Date.now() >= deadline || this.closed) {
          throw new HatchwayError(`the event may or may not have been published (${reason}); Redis could not be asked`, 'ERR_BROKER_IN_DOUBT', { cause });
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
    const [epoch, seq, untrimmed] = (found as [string, number, number]).map((value, i) => (i === 0 ? String(value) : Number(value))) as [string, number, number];
    if (seq > 0) return eventId(epoch, seq);
    if (untrimmed === 1) throw new HatchwayError(`Redis did not take the event: ${reason}`, 'ERR_BROKER_UNAVAILABLE', { cause });
    throw new HatchwayError(`the event may or may not have been published (${reason}); its topic's history no longer tells`, 'ERR_BROKER_IN_DOUBT', { cause });
  }

  subscribe(topic: string, listener: BrokerListener): Promise<void> {
    if (this.closed) return Promise.reject(new HatchwayError('the broker is closed', 'ERR_HUB_CLOSED'));
    const known = this.feeds.get(topic);
    if (known !== undefined) {
      known.feed.listeners.add(listener);
      return known.started;
    }
    const feed = new TopicFeed(topic, (from, count) => this.read(topic, from, count), this.cap, this.onError);
    feed.listeners.add(listener);
    const keys = topicKeys(this.prefix, topic);
    const started = (async () => {
      this.subscriberReady ??= this.subscriber.firstReady();
      await within(this.subscriberReady, this.connectTimeout);
      await this.subscriber.subscribe(keys.channel, (message) => feed.onMessage(message));
      // Subscribed first, then positioned: an event published in between comes on the channel, and is not lost.
      await feed.start();
    })();
    this.feeds.set(topic, { feed, keys, started });
    started.catch(() => {});
    return started;
  }

  async unsubscribe(topic: string, listener: BrokerListener): Promise<void> {
    const known = this.feeds.get(topic);
    if (known === undefined || !known.feed.listeners.delete(listener) || known.feed.listeners.size > 0) return;
    this.feeds.delete(topic);
    known.feed.close();
    await this.subscriber.unsubscribe(known.keys.channel);
  }

  history(topic: string, since: string): Promise<HistoryResult> {
    return this.reads.history(topic, since);
  }

  notAfter(id: string, last: string): boolean {
    const [event, floor] = [parseEventId(id), parseEventId(last)];
    return event !== null && floor !== null && event.epoch === floor.epoch && event.seq <= floor.seq;
  }

  /** Stops following every topic and closes its connections (the client too, unless `closeClient: false`). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const { feed } of this.feeds.values()) feed.close();
    this.feeds.clear();
    const publishing = this.publishing === this.commands ? [] : [this.publishing.close()];
    await Promise.all([this.subscriber.close(), this.commands.close(), ...publishing]);
  }

  /** Bounded: a read that Redis never answers fails after `connectTimeout` (a feed retries; a returning subscriber is refused). */
  private async read(topic: string, from: number, count: number): Promise<TopicRead> {
    await this.connected(this.commands);
    const keys = this.feeds.get(topic)?.keys ?? topicKeys(this.prefix, topic);
    return within(readTopic(this.commands, keys, topic, from, count), this.connectTimeout);
  }

  /** Before the first connection a command waits for it (bounded); once connected, Redis down rejects at once. */
  private async connected(connection: RedisConnection): Promise<void> {
    if (connection.ready) return;
    if (connection.everReady) throw new HatchwayError('Redis is not connected', 'ERR_BROKER_UNAVAILABLE');
    await within(connection.firstReady(), this.connectTimeout);
  }
}

/** `promise`, or a rejection (Redis not answering) after `ms`. */
async function within<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new HatchwayError('Redis is not connected', 'ERR_BROKER_UNAVAILABLE')), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Resolves once `condition` holds, checking every 20 ms, or rejects after `ms`. */
function until(condition: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  return new Promise((resolve, reject) => {
    const check = (): void => {
      if (condition()) resolve();
      else if (Date.now() > deadline) reject(new HatchwayError('Redis is not connected', 'ERR_BROKER_UNAVAILABLE'));
      else setTimeout(check, 20).unref();
    };
    check();
  });
}

/** A broker for `new Hub({ broker })` on Redis. */
export function redisBroker(options: RedisBrokerOptions): RedisBroker {
  return new RedisBroker(options);
}

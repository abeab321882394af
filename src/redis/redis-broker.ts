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
import { encodeEvent, eventId } from './event-codec.js';
import { redisConnection, type RedisClientLike, type RedisConnection } from './redis-connection.js';
import { PUBLISH, runScript } from './scripts.js';
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
  private readonly prefix: string;
  private readonly cap: number;
  private readonly ttl: number;
  private readonly connectTimeout: number;
  private readonly onError: (error: Error) => void;
  private readonly feeds = new Map<string, { feed: TopicFeed; keys: TopicKeys; started: Promise<void> }>();
  private readonly reads: HistoryReads;
  private subscriberReady: Promise<void> | null = null;
  private closed = false;

  constructor(options: RedisBrokerOptions) {
    if (options === null || typeof options !== 'object') throw new ArgumentError('redisBroker() takes { client }', 'ERR_INVALID_OPTION');
    this.prefix = options.prefix ?? 'hatchway';
    if (typeof this.prefix !== 'string' || this.prefix === '') throw new ArgumentError('option prefix must be a non-empty string', 'ERR_INVALID_OPTION');
    this.cap = checkCount('history', options.history, 1000);
    this.ttl = checkCount('historyTtl', options.historyTtl, 86_400);
    this.connectTimeout = checkCount('connectTimeout', options.connectTimeout, 10_000);
    this.onError = options.onError ?? ((error) => debug('redis broker: %s', error.message));
    this.commands = redisConnection(options.client, this.onError, options.closeClient !== false);
    this.subscriber = this.commands.duplicate();
    this.subscriber.onResubscribed(() => {
      for (const { feed } of this.feeds.values()) feed.catchUp();
    });
    this.reads = new HistoryReads((topic, from, count) => this.read(topic, from, count), this.cap);
  }

  async publish(topic: string, message: BrokerMessage): Promise<string> {
    if (message.id !== undefined) throw new ArgumentError('the Redis broker numbers the events itself: publish without an id', 'ERR_INVALID_OPTION');
    if (this.closed) throw new HatchwayError('the broker is closed', 'ERR_HUB_CLOSED');
    await this.connected(this.commands);
    const keys = topicKeys(this.prefix, topic);
    let reply: unknown;
    try {
      const epoch = randomBytes(6).toString('base64url');
      const args = [keys.channel, String(this.cap), String(this.ttl), epoch, encodeEvent(message)];
      reply = await runScript(this.commands, PUBLISH, [keys.meta, keys.stream], args);
    } catch (error) {
      throw new HatchwayError(`Redis did not take the event: ${(error as Error).message}`, 'ERR_BROKER_UNAVAILABLE', { cause: error });
    }
    const [epoch, seq] = reply as [string, number];
    return eventId(String(epoch), Number(seq));
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
      await this.subscriberReady;
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

  /** Stops following every topic and closes its connections (the client too, unless `closeClient: false`). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const { feed } of this.feeds.values()) feed.close();
    this.feeds.clear();
    await Promise.all([this.subscriber.close(), this.commands.close()]);
  }

  private async read(topic: string, from: number, count: number): Promise<TopicRead> {
    await this.connected(this.commands);
    return readTopic(this.commands, this.feeds.get(topic)?.keys ?? topicKeys(this.prefix, topic), topic, from, count);
  }

  /** Before the first connection a command waits for it (bounded); once connected, Redis down rejects at once. */
  private async connected(connection: RedisConnection): Promise<void> {
    if (connection.ready) return;
    if (connection.everReady) throw new HatchwayError('Redis is not connected', 'ERR_BROKER_UNAVAILABLE');
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new HatchwayError('Redis is not connected', 'ERR_BROKER_UNAVAILABLE')), this.connectTimeout);
    });
    try {
      await Promise.race([connection.firstReady(), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}

/** A broker for `new Hub({ broker })` on Redis. */
export function redisBroker(options: RedisBrokerOptions): RedisBroker {
  return new RedisBroker(options);
}

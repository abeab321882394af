/**
 * The Redis client the application hands us, seen through the few operations the broker needs, for
 * either library: node-redis (`redis` 5 or 6, a client or a cluster) or ioredis (5 or 6, `Redis` or
 * `Cluster`). Both are duck-typed, never imported: they are optional peers, and replies are read in
 * shapes both protocols (RESP2 and RESP3) give alike (arrays, strings, integers). Commands go on the
 * application's client; Pub/Sub on a duplicate of it, which the broker owns, because a subscribed
 * RESP2 connection can run nothing else. What a cluster client needs besides is in `cluster-connection.ts`.
 */
import { HatchwayError } from '../errors.js';
import { ioRedisClusterPublisher, isIoRedisCluster, isNodeRedisCluster, nodeRedisClusterReady, watchIoRedisSubscriber, watchNodeRedisPubSub } from './cluster-connection.js';

type Listener = (...args: any[]) => void;

/** What both libraries' clients have: events, and a copy of themselves on a new connection. */
interface EmitterLike {
  on(event: string, listener: Listener): unknown;
  listenerCount(event: string): number;
}

/** A node-redis client (`createClient()`) or cluster (`createCluster()`). */
export interface NodeRedisClientLike extends EmitterLike {
  readonly isOpen: boolean;
  readonly isReady: boolean;
  connect(): Promise<unknown>;
  sendCommand(...args: any[]): Promise<unknown>;
  duplicate(): NodeRedisClientLike;
  subscribe(channel: string, listener: (message: string, channel: string) => void): Promise<unknown>;
  unsubscribe(channel: string, listener?: (message: string, channel: string) => void): Promise<unknown>;
  close?(): Promise<unknown>;
  quit?(): Promise<unknown>;
  destroy?(): void;
  disconnect?(): unknown;
}

/** An ioredis client (`new Redis()`) or cluster (`new Cluster()`). */
export interface IoRedisClientLike extends EmitterLike {
  readonly status: string;
  connect(): Promise<unknown>;
  call(command: string, ...args: string[]): Promise<unknown>;
  duplicate(override?: any): IoRedisClientLike;
  subscribe(channel: string): Promise<unknown>;
  unsubscribe(channel: string): Promise<unknown>;
  ping(): Promise<unknown>;
  quit(): Promise<unknown>;
  disconnect(): void;
}

export type RedisClientLike = NodeRedisClientLike | IoRedisClientLike;

/** One connection to Redis, for either library. */
export interface RedisConnection {
  /** Runs a command; `key` routes it on a cluster. */
  command(args: readonly string[], key: string): Promise<unknown>;
  /** Connected now (a command sent now goes out now, rather than into an offline queue). */
  readonly ready: boolean;
  /** Has been ready at least once (so that being down now is an outage, not a start). */
  readonly everReady: boolean;
  /** Resolves once the connection has been ready at least once (connecting it if nobody has). */
  firstReady(): Promise<void>;
  /** Pub/Sub (on a connection of its own): `onMessage` gets each message of `channel`. */
  subscribe(channel: string, onMessage: (message: string) => void): Promise<void>;
  unsubscribe(channel: string): Promise<void>;
  /** `listener` runs each time the connection came back and its subscriptions are in place again. */
  onResubscribed(listener: () => void): void;
  duplicate(): RedisConnection;
  /**
   * The connection to publish on: one that never sends a command twice. ioredis resends commands
   * left unanswered by a lost connection (`autoResendUnfulfilledCommands`), which would run a
   * publish twice; node-redis fails them instead.
   */
  publisher(): RedisConnection;
  /**
   * `listener` runs each time the connection drops with commands perhaps unanswered, when the
   * library would leave them pending forever: ioredis 5 with resending off drops them silently.
   */
  onDropped(listener: () => void): void;
  /** Closes the connection if it is the broker's to close. */
  close(): Promise<void>;
}

function isIoRedis(client: RedisClientLike): client is IoRedisClientLike {
  return typeof (client as IoRedisClientLike).call === 'function' && typeof (client as IoRedisClientLike).status === 'string';
}

function isNodeRedis(client: RedisClientLike): client is NodeRedisClientLike {
  return typeof (client as NodeRedisClientLike).sendCommand === 'function' && 'isOpen' in client;
}

/**
 * The application's client, checked; `onError` hears its errors when it has no listener of its own.
 * `owned`: the broker closes it when it closes (the client was made for it, as in `redisBroker({ client: createClient() })`).
 */
export function redisConnection(client: RedisClientLike, onError: (error: Error) => void, owned: boolean): RedisConnection {
  if (client !== null && typeof client === 'object') {
    if (isIoRedis(client)) return new IoRedisConnection(client, onError, owned);
    if (isNodeRedis(client)) return new NodeRedisConnection(client, onError, owned);
  }
  throw new HatchwayError('client must be a node-redis (redis 5 or 6) or ioredis (5 or 6) client', 'ERR_INVALID_OPTION');
}

abstract class BaseConnection<C extends RedisClientLike> {
  protected readonly resubscribed: Array<() => void> = [];
  protected readonly channels = new Map<string, (message: string) => void>();
  private readyOnce = false;
  private first: Promise<void> | null = null;

  constructor(
    protected readonly client: C,
    protected readonly onError: (error: Error) => void,
    /** The broker closes this connection when it closes (its duplicate, or a client handed over to it). */
    protected readonly owned: boolean,
    /** What the client emits once it can take commands: a node-redis cluster says 'connect' (once discovered), never 'ready'. */
    private readonly readyEvent = 'ready',
    /** A cluster's errors of one node's connection, which are not 'error's. */
    nodeErrorEvent?: string,
  ) {
    // An 'error' with no listener would throw and end the process; a client's own listener stays the one that hears them.
    if (owned || client.listenerCount('error') === 0) {
      client.on('error', (error: Error) => onError(error));
      if (nodeErrorEvent !== undefined) client.on(nodeErrorEvent, (error: Error) => onError(error));
    }
    client.on(readyEvent, () => {
      if (this.readyOnce) this.cameBack();
      this.readyOnce = true;
    });
  }

  /** A client handed over already connected has been ready, though no 'ready' came to us. */
  protected noteReadyNow(): void {
    if (this.ready) this.readyOnce = true;
  }

  abstract readonly ready: boolean;
  protected abstract open(): Promise<unknown> | null;
  protected abstract cameBack(): void;

  get everReady(): boolean {
    return this.readyOnce;
  }

  firstReady(): Promise<void> {
    if (this.readyOnce) return Promise.resolve();
    this.first ??= new Promise<void>((resolve) => this.client.on(this.readyEvent, () => resolve()));
    // Each time, not once: a cluster whose first connect() failed (no node reachable) does not try again by itself.
    void this.open();
    return this.first;
  }

  onResubscribed(listener: () => void): void {
    this.resubscribed.push(listener);
  }

  protected announceResubscribed(): void {
    for (const listener of this.resubscribed) listener();
  }
}

class NodeRedisConnection extends BaseConnection<NodeRedisClientLike> implements RedisConnection {
  /** A cluster's sendCommand takes the key that routes it first; `watch` follows its subscriber connection. */
  private readonly cluster: boolean;
  private readonly watch: (() => void) | null;

  constructor(client: NodeRedisClientLike, onError: (error: Error) => void, owned: boolean) {
    const cluster = isNodeRedisCluster(client);
    super(client, onError, owned, cluster ? 'connect' : 'ready', cluster ? 'node-error' : undefined);
    this.cluster = cluster;
    this.watch = cluster ? watchNodeRedisPubSub(client, () => this.announceResubscribed()) : null;
    this.noteReadyNow();
  }

  get ready(): boolean {
    return this.cluster ? nodeRedisClusterReady(this.client) : this.client.isReady;
  }

  protected open(): Promise<unknown> | null {
    if (this.client.isOpen) return null;
    return this.client.connect().catch((error: Error) => this.onError(error));
  }

  // node-redis emits 'ready' once its subscriptions are restored (a cluster's subscriber connection: see `watch`).
  protected cameBack(): void {
    this.announceResubscribed();
  }

  command(args: readonly string[], key: string): Promise<unknown> {
    return this.cluster ? this.client.sendCommand(key, false, args) : this.client.sendCommand(args);
  }

  async subscribe(channel: string, onMessage: (message: string) => void): Promise<void> {
    this.channels.set(channel, onMessage);
    await this.client.subscribe(channel, onMessage);
    this.watch?.();
  }

  async unsubscribe(channel: string): Promise<void> {
    const listener = this.channels.get(channel);
    this.channels.delete(channel);
    await this.client.unsubscribe(channel, listener);
  }

  duplicate(): RedisConnection {
    return new NodeRedisConnection(this.client.duplicate(), this.onError, true);
  }

  publisher(): RedisConnection {
    return this;
  }

  // node-redis fails the commands a dropped connection left unanswered.
  onDropped(): void {}

  async close(): Promise<void> {
    if (!this.owned || !this.client.isOpen) return;
    const client = this.client;
    await gracefully((client.close ?? client.quit)!.call(client), () => (client.destroy ?? client.disconnect)!.call(client));
  }
}

class IoRedisConnection extends BaseConnection<IoRedisClientLike> implements RedisConnection {
  /** On a cluster, follows its subscriber connection, which the cluster's own events do not tell of. */
  private readonly watch: ((announce: boolean) => void) | null;

  constructor(client: IoRedisClientLike, onError: (error: Error) => void, owned: boolean) {
    const cluster = isIoRedisCluster(client);
    super(client, onError, owned, 'ready', cluster ? 'node error' : undefined);
    this.watch = cluster ? watchIoRedisSubscriber(client, () => this.announceResubscribed()) : null;
    this.noteReadyNow();
    client.on('message', (channel: string, message: string) => this.channels.get(channel)?.(message));
  }

  get ready(): boolean {
    return this.client.status === 'ready';
  }

  protected open(): Promise<unknown> | null {
    if (this.client.status !== 'wait') return null;
    return this.client.connect().catch((error: Error) => this.onError(error));
  }

  // ioredis emits 'ready' as it sends the resubscriptions; a PING queued behind them answers once they are done.
  protected cameBack(): void {
    if (this.watch !== null) this.watch(true);
    else this.client.ping().then(() => this.announceResubscribed(), () => {});
  }

  command(args: readonly string[]): Promise<unknown> {
    return this.client.call(args[0]!, ...args.slice(1));
  }

  async subscribe(channel: string, onMessage: (message: string) => void): Promise<void> {
    this.channels.set(channel, onMessage);
    await this.client.subscribe(channel);
    this.watch?.(false);
  }

  async unsubscribe(channel: string): Promise<void> {
    this.channels.delete(channel);
    await this.client.unsubscribe(channel);
  }

  duplicate(): RedisConnection {
    return new IoRedisConnection(this.client.duplicate(), this.onError, true);
  }

  publisher(): RedisConnection {
    // A cluster's duplicate() takes startup nodes first, and its node connections' options apart.
    const publisher = this.watch !== null ? ioRedisClusterPublisher(this.client) : this.client.duplicate({ autoResendUnfulfilledCommands: false });
    return new IoRedisConnection(publisher, this.onError, true);
  }

  onDropped(listener: () => void): void {
    this.client.on('close', listener);
  }

  async close(): Promise<void> {
    if (!this.owned || this.client.status === 'end') return;
    await gracefully(this.client.quit(), () => this.client.disconnect());
  }
}

/** A graceful close (QUIT, after the replies still due) that may hang on a connection coming back: cut after a second. */
async function gracefully(closing: Promise<unknown>, cut: () => unknown): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), 1000);
  });
  const outcome = await Promise.race([closing.then(() => 'closed', () => 'failed'), late]);
  clearTimeout(timer);
  if (outcome !== 'closed') {
    try {
      cut();
    } catch {
      // Already closed.
    }
  }
}

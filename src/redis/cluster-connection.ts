/**
 * What a Redis Cluster client needs beyond a single client's handling (`redis-connection.ts`), for
 * node-redis `createCluster()` (5 and 6) and ioredis `Cluster` (5 and 6), duck-typed like the rest.
 * Commands are routed by the topic's key (all of a topic's keys share one slot, `topic-keys.ts`).
 * Pub/Sub is classic (SUBSCRIBE/PUBLISH), which Redis Cluster broadcasts to every node, so the one
 * subscriber connection each library keeps, on whichever node it chose, hears every topic's
 * channel, whichever node ran the publish script. What differs, and is handled here: how readiness
 * is known, when the subscriber connection came back (it is one of the cluster's connections, not
 * the client itself, so the client's own events do not say), and a publisher that never runs a
 * publish twice.
 */

type Listener = (...args: any[]) => void;

interface Emitter {
  on(event: string, listener: Listener): unknown;
  once(event: string, listener: Listener): unknown;
}

/** One node connection of a node-redis cluster. */
interface NodeRedisNodeClient extends Emitter {
  readonly isReady: boolean;
}

/** What a node-redis cluster has that a node-redis client has not. */
interface NodeRedisClusterLike extends Emitter {
  readonly isOpen: boolean;
  /** node-redis 6 only. */
  readonly isReady?: boolean;
  readonly masters: ReadonlyArray<{ readonly client?: NodeRedisNodeClient }>;
  /** The connection that carries the cluster's (classic) subscriptions, once there is one. */
  readonly pubSubNode?: { readonly client: NodeRedisNodeClient; readonly connectPromise?: Promise<unknown> };
}

export function isNodeRedisCluster(client: object): boolean {
  const cluster = client as Partial<NodeRedisClusterLike> & { getSlotMaster?: unknown };
  return typeof cluster.getSlotMaster === 'function' && Array.isArray(cluster.masters);
}

/**
 * Discovered (node-redis 5 has no `isReady` on a cluster; its masters are known once `connect()`
 * discovered them) and every master's connection up: a command sent now goes out now. A master
 * down leaves its slots uncovered, and a cluster then refuses commands on every node (CLUSTERDOWN)
 * until a replica takes over, so one master down is the cluster down.
 */
export function nodeRedisClusterReady(client: object): boolean {
  const cluster = client as NodeRedisClusterLike;
  if (!cluster.isOpen || cluster.isReady === false || cluster.masters.length === 0) return false;
  return cluster.masters.every((master) => master.client === undefined || master.client.isReady);
}

/**
 * Calls `back` each time the cluster's subscriber connection has its subscriptions in place again.
 * That connection reconnects by itself and re-subscribes before its 'ready', but node-redis 5 tells
 * the cluster only of a node's first 'ready', so the connection itself is listened to. When the
 * cluster replaces it (its node left the topology), the new one gets the channels once its connect
 * promise settles. Returns the check to run after each subscribe (the connection appears then).
 */
export function watchNodeRedisPubSub(client: object, back: () => void): () => void {
  const cluster = client as NodeRedisClusterLike;
  let current: NodeRedisNodeClient | null = null;
  const check = (): void => {
    const node = cluster.pubSubNode;
    if (node === undefined || node.client === current) return;
    const replacing = current !== null;
    current = node.client;
    const connection = node.client;
    // Its first 'ready' may come before the cluster moved the channels onto it: that one is the connect promise's to tell.
    let first = !connection.isReady;
    connection.on('ready', () => {
      if (first) first = false;
      else if (connection === current) back();
    });
    if (replacing) void Promise.resolve(node.connectPromise).then(() => back(), () => {});
  };
  // A new subscriber connection (the old one's node gone) connects as a node of the cluster.
  cluster.on('node-connect', check);
  return check;
}

/** One node connection of an ioredis cluster (the subscriber is one). */
interface IoRedisNode extends Emitter {
  ping(): Promise<unknown>;
}

interface IoRedisClusterLike extends Emitter {
  readonly isCluster: true;
  readonly options?: { redisOptions?: object };
  duplicate(startupNodes?: unknown[], options?: object): unknown;
  /** Internal to ioredis (a private field in its types): the cluster's subscriber connection. */
  readonly subscriber?: { getInstance?(): IoRedisNode | null };
}

export function isIoRedisCluster(client: object): boolean {
  return (client as Partial<IoRedisClusterLike>).isCluster === true;
}

/**
 * An ioredis cluster that never sends a publish twice: its node connections do not resend what a
 * lost connection left unanswered, and the cluster does not retry a command whose connection closed
 * (`retryDelayOnFailover`), for that command may have run. Retries on MOVED, ASK, TRYAGAIN and
 * CLUSTERDOWN stay: those replies say the command did not run. Node connections are not reconnected
 * (`clusterNodeRetryStrategy: null`, the default) but ended, which rejects what they carried, where
 * ioredis 5 reconnecting one with resending off would drop it silently.
 */
export function ioRedisClusterPublisher<C>(client: C): C {
  const cluster = client as unknown as IoRedisClusterLike;
  const redisOptions = { ...(cluster.options?.redisOptions ?? {}), autoResendUnfulfilledCommands: false };
  return cluster.duplicate([], { retryDelayOnFailover: 0, clusterNodeRetryStrategy: null, redisOptions }) as C;
}

/**
 * Calls `back` each time the cluster's subscriber connection has its subscriptions in place again.
 * ioredis never reconnects that connection: when it ends, the cluster opens another on some node (or,
 * with no node known, once one is added), re-subscribes it at once, and says nothing. Listened to
 * after the cluster's own listeners, the new connection is there already with its SUBSCRIBE queued;
 * a PING queued behind it answers once it is done. Returns `check(announce)`: to run after each
 * subscribe (false), and when the whole cluster came back (true). Inert until the first subscribe:
 * every ioredis cluster keeps a subscriber connection (unconnected until used), and a PING would
 * connect it for nothing. `subscriber` is internal to ioredis (a private field in its types);
 * without it, `back` is only called when the cluster came back.
 */
export function watchIoRedisSubscriber(client: object, back: () => void): (announce: boolean) => void {
  const cluster = client as IoRedisClusterLike;
  let watched: IoRedisNode | null = null;
  let active = false;
  const current = (): IoRedisNode | null => cluster.subscriber?.getInstance?.() ?? null;
  const resubscribed = (instance: IoRedisNode): void => {
    instance.ping().then(() => back(), () => {});
  };
  /** Follows the subscriber connection in use now; returns it when it replaced the one followed. */
  const follow = (): IoRedisNode | null => {
    const instance = current();
    if (instance === null || instance === watched) return null;
    const replaced = watched !== null;
    watched = instance;
    instance.once('end', () => {
      if (watched !== instance) return;
      const next = follow();
      if (next !== null) resubscribed(next);
    });
    return replaced ? instance : null;
  };
  cluster.on('+node', () => setImmediate(() => {
    if (!active) return;
    const next = follow();
    if (next !== null) resubscribed(next);
  }));
  return (announce) => {
    active ||= !announce;
    if (!active) return;
    if (follow() === null && !announce) return;
    const instance = current();
    if (instance === null) back();
    else resubscribed(instance);
  };
}

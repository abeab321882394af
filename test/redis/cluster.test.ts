/**
 * `redisBroker()` on a real Redis Cluster (three masters, `test/helpers/redis-cluster.ts`), with each
 * library's cluster client: node-redis 6 and 5 `createCluster()`, ioredis 6 and 5 `Cluster`. Two
 * brokers stand for two processes. The topics are chosen so that their keys live on different
 * masters (checked with CLUSTER KEYSLOT and the slot map), so that a publish script runs on one node
 * while the subscribers' connections sit on another: what they hear is the cluster's broadcast.
 */
import { createCluster } from 'redis';
import { createCluster as createCluster5 } from 'redis5';
import { Cluster } from 'ioredis';
import { Cluster as Cluster5 } from 'ioredis5';
import { HatchwayError } from '../../src/index.js';
import { redisBroker, type RedisBroker, type RedisClientLike } from '../../src/redis/index.js';
import { PUBLISH } from '../../src/redis/scripts.js';
import { topicKeys } from '../../src/redis/topic-keys.js';
import { freePorts, RedisCluster } from '../helpers/redis-cluster';
import { inspector, recorder, seqOf, until, type Inspector } from './redis-clients';

jest.setTimeout(30_000);

interface ClusterKind {
  readonly name: string;
  readonly library: 'node-redis' | 'ioredis';
  /** A cluster client as an application makes it, given one node to discover the rest from. */
  make(port: number): RedisClientLike;
  /** Connects it, as an application that uses it itself does, resolving once it is ready. */
  connect(client: RedisClientLike): Promise<unknown>;
  /** PING on some node, as the application would go on using it. */
  ping(client: RedisClientLike): Promise<unknown>;
  close(client: RedisClientLike): Promise<unknown>;
}

const backoff = (attempt: number): number => Math.min(attempt * 20, 200);

type NodeRedisCluster = ReturnType<typeof createCluster>;
type IoRedisCluster = InstanceType<typeof Cluster>;

const nodeRedis = {
  library: 'node-redis',
  connect: (client: RedisClientLike) => (client as unknown as NodeRedisCluster).connect(),
  ping: (client: RedisClientLike) => (client as unknown as NodeRedisCluster).sendCommand(undefined, true, ['PING']),
  close: (client: RedisClientLike) => (client as unknown as NodeRedisCluster).close(),
} as const;
const ioRedis = {
  library: 'ioredis',
  connect: (client: RedisClientLike) => new Promise((resolve) => (client as unknown as IoRedisCluster).once('ready', resolve)),
  ping: (client: RedisClientLike) => (client as unknown as IoRedisCluster).call('PING'),
  close: (client: RedisClientLike) => (client as unknown as IoRedisCluster).quit(),
} as const;

const CLUSTER_KINDS: readonly ClusterKind[] = [
  { name: 'redis 6 createCluster', ...nodeRedis, make: (port) => createCluster({ rootNodes: [{ url: `redis://127.0.0.1:${port}` }], defaults: { socket: { reconnectStrategy: backoff } } }) as unknown as RedisClientLike },
  { name: 'redis 5 createCluster', ...nodeRedis, make: (port) => createCluster5({ rootNodes: [{ url: `redis://127.0.0.1:${port}` }], defaults: { socket: { reconnectStrategy: backoff } } }) as unknown as RedisClientLike },
  { name: 'ioredis 6 Cluster', ...ioRedis, make: (port) => new Cluster([{ host: '127.0.0.1', port }], { clusterRetryStrategy: backoff }) as unknown as RedisClientLike },
  { name: 'ioredis 5 Cluster', ...ioRedis, make: (port) => new Cluster5([{ host: '127.0.0.1', port }], { clusterRetryStrategy: backoff }) as unknown as RedisClientLike },
];

/** A topic with braces (and a `%`): escaped, its whole name is the hash tag. */
const BRACED = 'chat/{a}}{b%';

let cluster: RedisCluster;
/** A plain connection to each node (by port), for looking at what each holds. */
const nodes = new Map<number, Inspector>();
/** Topics whose keys live on different masters, and the port of each one's master. */
let topics: string[];
const ownerOf = new Map<string, number>();
const brokers = new Set<RedisBroker>();

beforeAll(async () => {
  cluster = await RedisCluster.start();
  for (const port of cluster.ports) nodes.set(port, await inspector(`redis://127.0.0.1:${port}`));
  // One topic per master: the first candidates whose meta keys hash to a master not yet covered.
  topics = [];
  for (let i = 0; i < 64 && topics.length < cluster.ports.length; i++) {
    const topic = `room-${i}`;
    const owner = await cluster.ownerOf(topicKeys('hatchway', topic).meta);
    if ([...ownerOf.values()].includes(owner)) continue;
    ownerOf.set(topic, owner);
    topics.push(topic);
  }
  ownerOf.set(BRACED, await cluster.ownerOf(topicKeys('hatchway', BRACED).meta));
}, 30_000);

afterAll(async () => {
  for (const node of nodes.values()) await node.close();
  await cluster?.close();
});

afterEach(async () => {
  for (const broker of brokers) await broker.close();
  brokers.clear();
  for (const node of nodes.values()) await node.command('FLUSHALL');
});

test('the topics are spread over the masters, and every key of one topic is in one slot', async () => {
  expect(topics).toHaveLength(3);
  expect(new Set(topics.map((topic) => ownerOf.get(topic))).size).toBe(3);
  for (const topic of [...topics, BRACED]) {
    const keys = topicKeys('hatchway', topic);
    const slots = await Promise.all([keys.meta, keys.stream, keys.channel].map((key) => cluster.command(cluster.ports[0]!, 'CLUSTER', 'KEYSLOT', key)));
    expect(new Set(slots).size).toBe(1);
  }
});

async function scriptCalls(port: number): Promise<number> {
  const info = String(await nodes.get(port)!.command('INFO', 'commandstats'));
  return [...info.matchAll(/cmdstat_(?:evalsha|eval):calls=(\d+)/g)].reduce((sum, match) => sum + Number(match[1]), 0);
}

describe.each(CLUSTER_KINDS)('with $name', (kind) => {
  function broker(options: { history?: number } = {}): RedisBroker {
    // Each broker is given a different node to start from; either finds the whole cluster.
    const made = redisBroker({ client: kind.make(cluster.ports[brokers.size % cluster.ports.length]!), history: options.history });
    brokers.add(made);
    return made;
  }

  test('events on topics of different masters, published at once from two processes: each listener gets every one once, in one order', async () => {
    const [a, b] = [broker(), broker()];
    const all = [...topics, BRACED];
    const onA = new Map(all.map((topic) => [topic, recorder()]));
    const onB = new Map(all.map((topic) => [topic, recorder()]));
    await Promise.all(all.flatMap((topic) => [a.subscribe(topic, onA.get(topic)!.listener), b.subscribe(topic, onB.get(topic)!.listener)]));
    const perTopic = 40;
    // Every publish of every topic from both brokers in flight at once, none awaited before the next.
    const published = all.map((topic) => Array.from({ length: perTopic }, (_, i) => [a, b][i % 2]!.publish(topic, { data: `${topic}#${i}` })));
    const ids = await Promise.all(published.map((promises) => Promise.all(promises)));
    await until(() => all.every((topic) => onA.get(topic)!.seen.length >= perTopic && onB.get(topic)!.seen.length >= perTopic), 'every event on both brokers', 10_000);
    await new Promise((resolve) => setTimeout(resolve, 100)); // nothing more comes (no duplicates)
    all.forEach((topic, t) => {
      const [seenA, seenB] = [onA.get(topic)!.seen, onB.get(topic)!.seen];
      expect(seenA).toEqual(seenB);
      expect(seenA).toHaveLength(perTopic);
      expect(new Set(seenA)).toEqual(new Set(ids[t]));
      expect(seenA.map(seqOf)).toEqual(Array.from({ length: perTopic }, (_, i) => i + 1));
      expect(onA.get(topic)!.events.every((event) => event.topic === topic && String(event.data).startsWith(`${topic}#`))).toBe(true);
    });
    // Each topic's stream is on its own master, and only there.
    for (const topic of all) {
      const stream = topicKeys('hatchway', topic).stream;
      // KEYS, which a node answers for itself (EXISTS of a key of another node's slot answers MOVED).
      for (const [port, node] of nodes) expect(await node.command('KEYS', stream)).toEqual(port === ownerOf.get(topic) ? [stream] : []);
      expect(Number(await nodes.get(ownerOf.get(topic)!)!.command('XLEN', stream))).toBe(perTopic);
    }
  });

  test('history after an id, asked of the other process, on each master', async () => {
    const [a, b] = [broker({ history: 5 }), broker({ history: 5 })];
    for (const topic of [...topics, BRACED]) {
      const ids: string[] = [];
      for (let i = 0; i < 8; i++) ids.push(await a.publish(topic, { data: `e${i}` }));
      expect(await b.history(topic, ids[4]!)).toEqual({
        complete: true,
        latest: ids[7],
        events: [expect.objectContaining({ id: ids[5], data: 'e5', topic }), expect.objectContaining({ id: ids[6] }), expect.objectContaining({ id: ids[7] })],
      });
      expect(await b.history(topic, ids[7]!)).toEqual({ complete: true, latest: ids[7], events: [] });
      // Five kept: after the 2nd is no longer all there.
      expect(await b.history(topic, ids[1]!)).toEqual({ complete: false, latest: ids[7], events: [] });
    }
    expect(await b.history('nothing-yet', 'x:1')).toEqual({ complete: false, latest: '', events: [] });
  });

  test('readers that come back together share reads: one per topic, on its master', async () => {
    const [a, b] = [broker(), broker()];
    const topic = topics[1]!;
    const owner = ownerOf.get(topic)!;
    const ids: string[] = [];
    for (let i = 0; i < 30; i++) ids.push(await a.publish(topic, { data: `e${i}` }));
    const before = await scriptCalls(owner);
    const answers = await Promise.all(Array.from({ length: 600 }, (_, i) => b.history(topic, ids[i % 30]!)));
    const reads = (await scriptCalls(owner)) - before;
    expect(answers.every((answer, i) => answer.complete && answer.events.length === 29 - (i % 30))).toBe(true);
    expect(reads).toBeGreaterThanOrEqual(1);
    expect(reads).toBeLessThanOrEqual(2);
  });

  test('a topic with braces in its name: its keys are escaped, share the whole name as their tag, and work', async () => {
    const [a, b] = [broker(), broker()];
    const on = recorder();
    await b.subscribe(BRACED, on.listener);
    const ids = [await a.publish(BRACED, { data: 'one' }), await a.publish(BRACED, { data: 'two', event: 'e' })];
    await until(() => on.seen.length === 2, 'two events');
    expect(on.seen).toEqual(ids);
    expect(on.events.map((event) => [event.topic, event.data])).toEqual([[BRACED, 'one'], [BRACED, 'two']]);
    expect(await b.history(BRACED, ids[0]!)).toMatchObject({ complete: true, events: [expect.objectContaining({ id: ids[1], event: 'e' })] });
    const owner = nodes.get(ownerOf.get(BRACED)!)!;
    const keys = ((await owner.command('KEYS', '*')) as string[]).sort();
    expect(keys).toEqual(['hatchway:{chat/%7Ba%7D%7D%7Bb%25}:events', 'hatchway:{chat/%7Ba%7D%7D%7Bb%25}:meta']);
    // The slot is the whole escaped name's, not that of a part between braces.
    const port = cluster.ports[0]!;
    expect(await cluster.command(port, 'CLUSTER', 'KEYSLOT', keys[0]!)).toBe(await cluster.command(port, 'CLUSTER', 'KEYSLOT', 'chat/%7Ba%7D%7D%7Bb%25'));
  });

  test('a subscriber connection cut on its node loses nothing: what was published meanwhile is read from the stream', async () => {
    const [a, b] = [broker(), broker()];
    const on = new Map(topics.map((topic) => [topic, recorder()]));
    for (const topic of topics) await b.subscribe(topic, on.get(topic)!.listener);
    // Only b subscribes: the node that counts its subscription holds b's subscriber connection.
    const channel = topicKeys('hatchway', topics[0]!).channel;
    let subscriberPort = 0;
    for (const [port, node] of nodes) if (Number(((await node.command('PUBSUB', 'NUMSUB', channel)) as [string, number])[1]) > 0) subscriberPort = port;
    expect(subscriberPort).not.toBe(0);
    // The topic of that node: its publishes and the cut can then be one transaction there.
    const topic = topics.find((candidate) => ownerOf.get(candidate) === subscriberPort)!;
    const seen = on.get(topic)!.seen;
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push(await a.publish(topic, { data: `before${i}` }));
    await until(() => seen.length === 5, 'the first 5');
    // The subscriber connection is cut, then 5 events are published (by the broker's own script) to
    // nobody, and nothing after them: only a catch-up once it is back can bring them.
    const keys = topicKeys('hatchway', topic);
    const publish = (i: number) => ['EVAL', PUBLISH.source, '2', keys.meta, keys.stream, keys.channel, '1000', '86400', 'unused', JSON.stringify({ d: `during${i}` }), `token${i}`];
    const replies = (await nodes.get(subscriberPort)!.transaction([['CLIENT', 'KILL', 'TYPE', 'pubsub'], ...Array.from({ length: 5 }, (_, i) => publish(i))])) as unknown[];
    expect(Number(replies[0])).toBeGreaterThanOrEqual(1);
    for (const reply of replies.slice(1) as Array<[string, number]>) ids.push(`${reply[0]}:${reply[1]}`);
    await until(() => seen.length === 10, 'the 5 published while the subscriber was away', 10_000);
    expect(seen).toEqual(ids);
    // And it hears the live channel again.
    ids.push(await a.publish(topic, { data: 'after' }));
    await until(() => seen.length === 11, 'an event after it came back');
    expect(seen).toEqual(ids);
  });

  test('a client the application connected itself and goes on using (closeClient: false): the broker works on it and leaves it open', async () => {
    const client = kind.make(cluster.ports[1]!);
    await kind.connect(client);
    try {
      const a = redisBroker({ client, closeClient: false });
      brokers.add(a);
      const b = broker();
      const on = recorder();
      await a.subscribe(topics[2]!, on.listener);
      const ids = [await a.publish(topics[0]!, { data: 'x' }), await b.publish(topics[2]!, { data: 'y' })];
      await until(() => on.seen.length === 1, 'the event from the other broker');
      expect(on.seen).toEqual([ids[1]]);
      expect(await b.history(topics[0]!, `${ids[0]!.split(':')[0]}:0`)).toMatchObject({ complete: true, events: [expect.objectContaining({ id: ids[0] })] });
      await a.close();
      expect(await kind.ping(client)).toBe('PONG');
    } finally {
      await kind.close(client);
    }
  });

  test('no node reachable: publish and subscribe reject within connectTimeout (typed), and close does not hang', async () => {
    const [port] = await freePorts(1);
    const errors: Error[] = [];
    const made = redisBroker({ client: kind.make(port!), connectTimeout: 300, onError: (error) => errors.push(error) });
    brokers.add(made);
    const started = Date.now();
    const refused = await made.publish('t', { data: 'x' }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(HatchwayError);
    expect((refused as HatchwayError).code).toBe('ERR_BROKER_UNAVAILABLE');
    await expect(made.subscribe('t', () => {})).rejects.toMatchObject({ code: 'ERR_BROKER_UNAVAILABLE' });
    // And again: a cluster whose first connect failed is tried again, still bounded.
    await expect(made.publish('t', { data: 'y' })).rejects.toMatchObject({ code: 'ERR_BROKER_UNAVAILABLE' });
    expect(Date.now() - started).toBeLessThan(3000);
    expect(errors.length).toBeGreaterThan(0);
    await made.close();
    brokers.delete(made);
  });

  if (kind.library === 'ioredis') {
    test('publishes go on a duplicate cluster that never sends one twice', () => {
      const made = broker();
      // White-box: the options that keep ioredis from resending a publish its closed connection left unanswered.
      const publishing = (made as unknown as { publishing: { client: IoRedisCluster & { options: Record<string, any> } } }).publishing.client;
      expect(publishing.isCluster).toBe(true);
      expect(publishing).not.toBe((made as unknown as { commands: { client: unknown } }).commands.client);
      expect(publishing.options.retryDelayOnFailover).toBe(0);
      expect(publishing.options.clusterNodeRetryStrategy).toBeNull();
      expect(publishing.options.redisOptions?.autoResendUnfulfilledCommands).toBe(false);
      expect(publishing.options.clusterRetryStrategy).toBe(backoff);
    });
  }
});

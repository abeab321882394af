/**
 * `redisBroker()` against a real redis-server, with each supported client (node-redis 5 and 6,
 * ioredis 5 and 6): one order for every process, ids the same everywhere, replay from the stream
 * (bounded, and shared by subscribers that come back together), a reset when events are gone,
 * and the faults: a dropped Pub/Sub connection, Redis stopped and restarted, Redis that lost its data.
 */
import { HatchwayError } from '../../src/index.js';
import { redisBroker, type RedisBroker } from '../../src/redis/index.js';
import { PUBLISH } from '../../src/redis/scripts.js';
import { topicKeys } from '../../src/redis/topic-keys.js';
import { RedisServer } from '../helpers/redis-server';
import { CLIENT_KINDS, inspector, recorder, seqOf, until } from './redis-clients';

jest.setTimeout(30_000);

let server: RedisServer;
let redis: Awaited<ReturnType<typeof inspector>>;
const brokers = new Set<RedisBroker>();

beforeAll(async () => {
  server = await RedisServer.start({ appendfsync: 'always' });
  redis = await inspector(server.url);
});

afterAll(async () => {
  await redis.close();
  await server.close();
});

afterEach(async () => {
  for (const broker of brokers) await broker.close();
  brokers.clear();
  if (!server.running) await server.restart();
  await until(async () => (await redis.command('PING').catch(() => '')) === 'PONG', 'the inspector to reconnect');
  await redis.command('FLUSHALL');
});

describe.each(CLIENT_KINDS)('with $name', (kind) => {
  function broker(options: { history?: number; historyTtl?: number; reconnectMs?: number } = {}): RedisBroker {
    const made = redisBroker({ client: kind.make(server.url, options.reconnectMs), history: options.history, historyTtl: options.historyTtl });
    brokers.add(made);
    return made;
  }

  test('every process gets every event once, in the order Redis numbered them, with the same ids', async () => {
    const [a, b, c] = [broker(), broker(), broker()];
    const [onA, onB] = [recorder(), recorder()];
    await Promise.all([a.subscribe('room', onA.listener), b.subscribe('room', onB.listener)]);
    // 300 publishes from three processes at once, none awaited before the next.
    const ids = await Promise.all(Array.from({ length: 300 }, (_, i) => [a, b, c][i % 3]!.publish('room', { data: `m${i}` })));
    await until(() => onA.seen.length === 300 && onB.seen.length === 300, 'all 300 events on both');
    expect(onA.seen).toEqual(onB.seen);
    expect(new Set(onA.seen)).toEqual(new Set(ids));
    expect(onA.seen.map(seqOf)).toEqual(Array.from({ length: 300 }, (_, i) => i + 1));
  });

  test('an event keeps its data (text or binary), its name and its retry', async () => {
    const [a, b] = [broker(), broker()];
    const on = recorder();
    await b.subscribe('t', on.listener);
    await a.publish('t', { data: 'héllo ✓' });
    await a.publish('t', { data: Buffer.from([0, 255, 10, 13]), event: 'bin', retry: 3 });
    await until(() => on.events.length === 2, 'two events');
    expect(on.events[0]).toMatchObject({ topic: 't', data: 'héllo ✓' });
    expect(on.events[0]!.event).toBeUndefined();
    expect(on.events[1]).toMatchObject({ topic: 't', event: 'bin', retry: 3 });
    expect(Buffer.compare(on.events[1]!.data as Buffer, Buffer.from([0, 255, 10, 13]))).toBe(0);
  });

  test('history: what came after an id, on any process; a reset when it is trimmed, foreign or from a lost epoch', async () => {
    const [a, b] = [broker({ history: 5 }), broker({ history: 5 })];
    const ids: string[] = [];
    for (let i = 0; i < 8; i++) ids.push(await a.publish('h', { data: `e${i}` }));
    const after = await b.history('h', ids[4]!);
    expect(after).toEqual({ complete: true, latest: ids[7], events: [expect.objectContaining({ id: ids[5], data: 'e5' }), expect.objectContaining({ id: ids[6] }), expect.objectContaining({ id: ids[7] })] });
    expect(await b.history('h', ids[7]!)).toEqual({ complete: true, latest: ids[7], events: [] });
    // Five kept (the 4th to the 8th): after the 3rd is all there, after the 2nd is not.
    expect((await b.history('h', ids[2]!)).complete).toBe(true);
    expect(await b.history('h', ids[1]!)).toEqual({ complete: false, latest: ids[7], events: [] });
    expect(await b.history('h', '42')).toEqual({ complete: false, latest: ids[7], events: [] });
    expect(await b.history('h', `other:${seqOf(ids[5]!)}`)).toEqual({ complete: false, latest: ids[7], events: [] });
    expect(await b.history('nothing-yet', 'x:1')).toEqual({ complete: false, latest: '', events: [] });
  });

  test('subscribers that come back together share reads: one per topic, not one each', async () => {
    const a = broker();
    const ids: string[] = [];
    for (let i = 0; i < 50; i++) ids.push(await a.publish('storm', { data: `e${i}` }));
    const before = await scriptCalls();
    const answers = await Promise.all(Array.from({ length: 1000 }, (_, i) => a.history('storm', ids[i % 50]!)));
    const reads = (await scriptCalls()) - before;
    expect(answers.every((answer, i) => answer.complete && answer.events.length === 49 - (i % 50))).toBe(true);
    expect(reads).toBeLessThanOrEqual(2);
  });

  test('the keys of a topic expire after historyTtl idle seconds, and share one hash tag', async () => {
    const a = broker({ historyTtl: 120 });
    await a.publish('chat/{a}%', { data: 'x' });
    const keys = (await redis.command('KEYS', '*')) as string[];
    expect(keys.sort()).toEqual(['hatchway:{chat/%7Ba%7D%25}:events', 'hatchway:{chat/%7Ba%7D%25}:meta']);
    for (const key of keys) {
      const ttl = Number(await redis.command('TTL', key));
      expect(ttl).toBeGreaterThan(100);
      expect(ttl).toBeLessThanOrEqual(120);
    }
  });

  test('a dropped Pub/Sub connection loses nothing: what was published meanwhile is read from the stream', async () => {
    const [a, b] = [broker(), broker()];
    const on = recorder();
    await b.subscribe('drop', on.listener);
    const ids: string[] = [];
    for (let i = 0; i < 20; i++) ids.push(await a.publish('drop', { data: `before${i}` }));
    await until(() => on.seen.length === 20, 'the first 20');
    // In one transaction: the subscriber connections are cut, then 10 events are published (by the
    // broker's own script) to nobody, and nothing after them: only the catch-up can bring them.
    const keys = topicKeys('hatchway', 'drop');
    const publish = (i: number) => ['EVAL', PUBLISH.source, '2', keys.meta, keys.stream, keys.channel, '1000', '86400', 'unused', JSON.stringify({ d: `during${i}` }), `token${i}`];
    const replies = (await redis.transaction([['CLIENT', 'KILL', 'TYPE', 'pubsub'], ...Array.from({ length: 10 }, (_, i) => publish(i))])) as unknown[];
    expect(Number(replies[0])).toBe(1);
    for (const reply of replies.slice(1) as Array<[string, number]>) ids.push(`${reply[0]}:${reply[1]}`);
    await until(() => on.seen.length === 30, 'the 10 published while the subscriber was away', 10_000);
    expect(on.seen).toEqual(ids);
    expect(on.events.slice(20).map((event) => event.data)).toEqual(Array.from({ length: 10 }, (_, i) => `during${i}`));
  });

  test('what someone else writes to a topic\'s channel or stream is ignored, never thrown: the event it stands for is a reset', async () => {
    const [a, b] = [broker(), broker()];
    const on = recorder();
    await b.subscribe('foreign', on.listener);
    const first = await a.publish('foreign', { data: 'one' });
    await until(() => on.seen.length === 1, 'the first event');
    const epoch = first.split(':')[0]!;
    const keys = topicKeys('hatchway', 'foreign');
    // A message in our format with a payload that is not ours, then a stream entry (and its announcement) likewise.
    await redis.command('PUBLISH', keys.channel, `${epoch}:2:not json`);
    await redis.transaction([['HINCRBY', keys.meta, 's', '1'], ['XADD', keys.stream, '2-0', 'd', '{"x":1}', 't', 'x'], ['PUBLISH', keys.channel, `${epoch}:2:{"x":1}`]]);
    const third = await a.publish('foreign', { data: 'three' });
    await until(() => on.seen.length === 3, 'the reset and the next event');
    expect(on.seen).toEqual([first, `reset:${epoch}:2`, third]);
  });

  test('Redis stopped: publishes reject (never reported sent), subscribers get every accepted event once after it restarts', async () => {
    const [a, b] = [broker(), broker()];
    const on = recorder();
    await b.subscribe('outage', on.listener);
    const accepted = [await a.publish('outage', { data: 'one' }), await a.publish('outage', { data: 'two' })];
    await until(() => on.seen.length === 2, 'two events');
    await server.stop();
    await until(() => a.publish('outage', { data: 'lost?' }).then(() => false, () => true), 'a publish to reject');
    const refused = await a.publish('outage', { data: 'refused' }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(HatchwayError);
    expect((refused as HatchwayError).code).toBe('ERR_BROKER_UNAVAILABLE');
    await server.restart();
    let next = '';
    await until(async () => (next = await a.publish('outage', { data: 'three' }).catch(() => '')) !== '', 'a publish to succeed again', 10_000);
    accepted.push(next);
    await until(() => on.seen.length === 3, 'the event after the restart', 10_000);
    // Same epoch (the append-only file kept the topic), so the sequence goes on.
    expect(on.seen).toEqual(accepted);
    expect(on.events.map((event) => event.data)).toEqual(['one', 'two', 'three']);
  });

  test('Redis that lost its data: a new epoch; live subscribers are told to reset, returning ones are reset', async () => {
    const [a, b] = [broker(), broker()];
    const on = recorder();
    await b.subscribe('epoch', on.listener);
    const old = await a.publish('epoch', { data: 'old' });
    await until(() => on.seen.length === 1, 'the first event');
    await redis.command('FLUSHALL');
    const fresh = await a.publish('epoch', { data: 'new' });
    expect(fresh.split(':')[0]).not.toBe(old.split(':')[0]);
    expect(seqOf(fresh)).toBe(1);
    await until(() => on.seen.length === 3, 'the reset and the new event');
    expect(on.seen).toEqual([old, `reset:${fresh.split(':')[0]}:0`, fresh]);
    expect(await a.history('epoch', old)).toEqual({ complete: false, latest: fresh, events: [] });
    expect(await a.history('epoch', `${fresh.split(':')[0]}:0`)).toMatchObject({ complete: true, events: [expect.objectContaining({ id: fresh })] });
  });
});

test('bad options and a publisher id are refused with typed errors', async () => {
  expect(() => redisBroker({ client: {} as never })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_OPTION' }));
  const made = redisBroker({ client: CLIENT_KINDS[0]!.make(server.url) });
  brokers.add(made);
  expect(() => redisBroker({ client: CLIENT_KINDS[0]!.make(server.url), history: -1 })).toThrow(TypeError);
  await expect(made.publish('t', { data: 'x', id: 'mine' })).rejects.toMatchObject({ code: 'ERR_INVALID_OPTION' });
});

async function scriptCalls(): Promise<number> {
  const info = String(await redis.command('INFO', 'commandstats'));
  return [...info.matchAll(/cmdstat_(?:evalsha|eval):calls=(\d+)/g)].reduce((sum, match) => sum + Number(match[1]), 0);
}

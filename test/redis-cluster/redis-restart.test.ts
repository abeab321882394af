/**
 * Redis taken away under connected subscribers and brought back with its append-only file
 * (`appendfsync always`: nothing acknowledged is lost), by a clean stop (SIGTERM) or a crash
 * (SIGKILL). Events accepted before and after reach every subscriber once, in order, in the same
 * epoch (Redis kept the topic); publishes while Redis is down are refused with
 * `ERR_BROKER_UNAVAILABLE`, never accepted, and a refused event never reaches anyone.
 */
import {
  startRedis, allReady, cleanup, inSeqOrder, isAccepted, parseId, publishSpread, report, sentinel, seqs, startNodes, sumTallies, tally,
  SseSubscriber, WsSubscriber, type RedisLib, type Subscriber,
} from './cluster-helpers';

jest.setTimeout(30_000);

afterEach(cleanup);

const BEFORE = 100;
const DURING = 40;
const AFTER = 100;

describe.each<RedisLib>(['redis', 'ioredis', 'redis5', 'ioredis5'])('%s', (lib) => {
  test.each(['stop', 'kill'] as const)('Redis %s, then restarted: nothing accepted is lost, nothing refused is delivered', async (how) => {
    const server = await startRedis({ appendfsync: 'always' });
    const nodes = await startNodes(2, server.url, lib);
    const topic = `restart-${how}-${lib}`;
    const subscribers: Subscriber[] = nodes.flatMap((_, n) => [new WsSubscriber(`ws${n}`, topic), new SseSubscriber(`sse${n}`, topic)]);
    await Promise.all(subscribers.map((s, i) => s.connect(nodes[i >> 1]!.port)));

    const before = await publishSpread(nodes, topic, 'a', BEFORE);
    expect(before.filter((r) => !isAccepted(r))).toEqual([]);
    await Promise.all(subscribers.map((s) => s.waitForCount(BEFORE)));

    await (how === 'stop' ? server.stop() : server.kill());
    // Publish only once every process knows Redis is gone: a publish then is an outage's, not a race with it.
    await allReady(nodes, false, 'every process to see Redis gone');
    const during = await publishSpread(nodes, topic, 'b', DURING);

    await server.restart();
    await allReady(nodes, true, 'every process to reconnect');
    const after = await publishSpread(nodes, topic, 'c', AFTER);
    expect(after.filter((r) => !isAccepted(r))).toEqual([]);
    const last = await sentinel(nodes[0]!, topic, subscribers);

    const acceptedIds = new Set([...before, ...during, ...after].filter(isAccepted).map((r) => r.id));
    const order = inSeqOrder(acceptedIds);
    const refusedDelivered = subscribers.reduce((n, s) => n + s.events.filter((e) => e.data.startsWith('b')).length, 0);
    report(`redis-${how} ${lib}`, {
      sentBefore: BEFORE, sentDuring: DURING, sentAfter: AFTER,
      acceptedDuring: during.filter(isAccepted).length, refusedDuring: during.filter((r) => !isAccepted(r)).length,
      subscribers: subscribers.length, received: subscribers.reduce((n, s) => n + s.events.length - 1, 0),
      ...sumTallies(subscribers.map((s) => tally(s.ids.filter((id) => id !== last), acceptedIds))), refusedDelivered,
    });

    // Refused, all of them, by the broker's own error: never accepted, never left hanging.
    expect(during.map((r) => (isAccepted(r) ? `accepted ${r.id}` : `${r.name} ${r.code}`))).toEqual(
      Array(DURING).fill('HatchwayError ERR_BROKER_UNAVAILABLE'),
    );
    // Redis came back with the topic: the same epoch, the numbering going on where it stopped (a refused event took no number).
    expect(new Set([...order, last].map((id) => parseId(id).epoch)).size).toBe(1);
    expect([...order, last].map((id) => parseId(id).seq)).toEqual(seqs(1, BEFORE + AFTER + 1));
    for (const s of subscribers) {
      expect({ who: s.label, ids: s.ids }).toEqual({ who: s.label, ids: [...order, last] });
      expect({ who: s.label, resets: s.resets, connections: s.connections }).toEqual({ who: s.label, resets: [], connections: 1 });
    }
    expect(refusedDelivered).toBe(0);
  });
});

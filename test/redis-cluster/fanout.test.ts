/**
 * Three hatchway processes on one real Redis: events published concurrently from all three reach
 * every WebSocket and event-stream subscriber of every process exactly once, and all of them in the
 * one order Redis numbered them in (ids `<epoch>:<seq>` with seq strictly increasing). The children
 * load the built package; each node-redis and ioredis major the broker supports is run.
 */
import {
  startRedis, cleanup, inSeqOrder, isAccepted, parseId, report, sentinel, seqs, startNodes, sumTallies, tally,
  SseSubscriber, WsSubscriber, type RedisLib, type Subscriber,
} from './cluster-helpers';

jest.setTimeout(30_000);

afterEach(cleanup);

// The majors the devDependencies carry (6, and 5 by their npm aliases).
const CASES: Array<[RedisLib, number]> = [['redis', 1000], ['ioredis', 1000], ['redis5', 1000], ['ioredis5', 1000]];

describe.each(CASES)('%s, three processes', (lib, total) => {
  test(`${total} events published concurrently from all three reach every subscriber once, in one order`, async () => {
    const redis = await startRedis();
    const nodes = await startNodes(3, redis.url, lib);
    const topic = `fanout-${lib}`;
    // Two WebSockets and two event streams on each process.
    const subscribers: Subscriber[] = [];
    const connecting: Array<Promise<void>> = [];
    nodes.forEach((node, n) => {
      for (let i = 0; i < 2; i++) {
        for (const s of [new WsSubscriber(`ws${n}.${i}`, topic), new SseSubscriber(`sse${n}.${i}`, topic)]) {
          subscribers.push(s);
          connecting.push(s.connect(node.port));
        }
      }
    });
    await Promise.all(connecting);

    // Every publish on every process is started before any is answered.
    const shares = nodes.map((_, n) => seqs(1, Math.floor(total / 3) + (n < total % 3 ? 1 : 0)).map((i) => `${n}-${i}`));
    const results = (await Promise.all(nodes.map((node, n) => node.publish(topic, shares[n]!)))).flat();
    expect(results.filter((r) => !isAccepted(r))).toEqual([]);
    const accepted = results.filter(isAccepted);
    const acceptedIds = new Set(accepted.map((r) => r.id));
    expect(acceptedIds.size).toBe(total);
    // One numbering for the topic whichever process published: one epoch, seq 1..total without a hole.
    const order = inSeqOrder(acceptedIds);
    expect(new Set(order.map((id) => parseId(id).epoch)).size).toBe(1);
    expect(order.map((id) => parseId(id).seq)).toEqual(seqs(1, total));

    const last = await sentinel(nodes[0]!, topic, subscribers);
    const tallies = subscribers.map((s) => tally(s.ids.filter((id) => id !== last), acceptedIds));
    const sum = sumTallies(tallies);
    const orders = new Set(subscribers.map((s) => s.ids.join(','))).size;
    report(`fanout ${lib}`, {
      processes: nodes.length, subscribers: subscribers.length, sent: total, accepted: accepted.length,
      received: subscribers.reduce((n, s) => n + s.events.length - 1, 0), ...sum, distinctOrders: orders,
    });

    const dataOf = new Map(accepted.map((r) => [r.id, r.payload]));
    for (const s of subscribers) {
      // Exactly the accepted events, each once, in seq order, then the sentinel: the same sequence for all.
      expect({ who: s.label, ids: s.ids }).toEqual({ who: s.label, ids: [...order, last] });
      expect(s.events.filter((e) => e.id !== last && dataOf.get(e.id) !== e.data)).toEqual([]);
      expect(s.resets).toEqual([]);
    }
    expect(orders).toBe(1);
  });
});

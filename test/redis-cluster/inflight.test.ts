/**
 * Redis killed (or stopped) while two processes publish at a steady rate, and restarted at once
 * (AOF, `appendfsync always`). Which publishes land in the outage is up to timing, so this test
 * asserts what must hold whatever the timing, and counts the rest:
 * - every accepted event reaches every subscriber once, in order, and all see one sequence;
 * - a publish refused as not taken (`ERR_BROKER_UNAVAILABLE`, sent or not) is never delivered;
 * - none runs twice (`deliveredTwice`: the same payload under an id nobody was given);
 * - only a publish refused as in doubt (`ERR_BROKER_IN_DOUBT`: its reply was lost, and Redis could
 *   not tell afterwards) may have been delivered. races.test.ts makes a lost reply on cue.
 */
import {
  startRedis, allReady, cleanup, isAccepted, isRefused, parseId, report, sentinel, seqs, startNodes, sumTallies, tally,
  SseSubscriber, WsSubscriber, type RedisLib, type Subscriber,
} from './cluster-helpers';

jest.setTimeout(30_000);

afterEach(cleanup);

const PER_NODE = 300;
const EVERY_MS = 2;

const CASES: Array<[RedisLib, 'kill' | 'stop']> = [
  ['redis', 'kill'], ['redis', 'stop'], ['ioredis', 'kill'], ['ioredis', 'stop'], ['redis5', 'kill'], ['ioredis5', 'kill'],
];

describe.each(CASES)('%s, Redis %s while events flow', (lib, how) => {
  test('accepted events reach everyone once in order; an event refused unsent never arrives', async () => {
    const server = await startRedis({ appendfsync: 'always' });
    const nodes = await startNodes(2, server.url, lib);
    const topic = `inflight-${how}-${lib}`;
    const subscribers: Subscriber[] = nodes.flatMap((_, n) => [new WsSubscriber(`ws${n}`, topic), new SseSubscriber(`sse${n}`, topic)]);
    await Promise.all(subscribers.map((s, i) => s.connect(nodes[i >> 1]!.port)));

    const flows = nodes.map((node, n) => node.publish(topic, seqs(1, PER_NODE).map((i) => `p${n}.${i}`), EVERY_MS));
    await subscribers[0]!.waitForCount(PER_NODE / 2);
    await (how === 'stop' ? server.stop() : server.kill());
    await server.restart();
    const results = (await Promise.all(flows)).flat();
    await allReady(nodes, true, 'every process to reconnect');
    const last = await sentinel(nodes[0]!, topic, subscribers);

    const accepted = results.filter(isAccepted);
    const refused = results.filter(isRefused);
    const acceptedIds = new Set(accepted.map((r) => r.id));
    const acceptedPayloads = new Set(accepted.map((r) => r.payload));
    const unsent = new Set(refused.filter((r) => !r.sent).map((r) => r.payload));
    const notTaken = new Set(refused.filter((r) => r.code === 'ERR_BROKER_UNAVAILABLE').map((r) => r.payload));
    const inDoubt = new Set(refused.filter((r) => r.code === 'ERR_BROKER_IN_DOUBT').map((r) => r.payload));
    // What the first subscriber got beyond the accepted ids (all subscribers got the same, asserted below).
    const extra = subscribers[0]!.events.filter((e) => !acceptedIds.has(e.id) && e.id !== last);
    const sums = sumTallies(subscribers.map((s) => tally(s.ids.filter((id) => id !== last && acceptedIds.has(id)), acceptedIds)));
    report(`inflight-${how} ${lib}`, {
      sent: results.length, accepted: accepted.length, refusedUnsent: unsent.size, refusedInDoubt: inDoubt.size,
      subscribers: subscribers.length, received: subscribers.reduce((n, s) => n + s.events.length - 1, 0), ...sums,
      inDoubtDelivered: extra.filter((e) => inDoubt.has(e.data)).length,
      refusedDelivered: extra.filter((e) => notTaken.has(e.data)).length,
      deliveredTwice: extra.filter((e) => acceptedPayloads.has(e.data)).length,
      distinctOrders: new Set(subscribers.map((s) => s.ids.join(','))).size,
    });

    expect(refused.filter((r) => r.name !== 'HatchwayError' || !['ERR_BROKER_UNAVAILABLE', 'ERR_BROKER_IN_DOUBT'].includes(r.code))).toEqual([]);
    expect(new Set(subscribers.map((s) => s.ids.join(','))).size).toBe(1);
    for (const s of subscribers) {
      const ids = s.ids;
      // Everything in one epoch, strictly increasing: the extra events too sit in the topic's order.
      expect(new Set(ids.map((id) => parseId(id).epoch)).size).toBe(1);
      expect(ids.every((id, i) => i === 0 || parseId(id).seq > parseId(ids[i - 1]!).seq)).toBe(true);
      expect({ who: s.label, resets: s.resets }).toEqual({ who: s.label, resets: [] });
    }
    expect(sums).toEqual({ gaps: 0, duplicates: 0, unexpected: 0, outOfOrder: 0 });
    // Never sent, or refused as not taken: these must not arrive, whatever the library.
    expect(extra.filter((e) => unsent.has(e.data) || notTaken.has(e.data))).toEqual([]);
    // No accepted event ran twice; whatever else arrived was refused as in doubt.
    expect(extra.filter((e) => acceptedPayloads.has(e.data))).toEqual([]);
    expect(extra.filter((e) => !inDoubt.has(e.data))).toEqual([]);
  });
});

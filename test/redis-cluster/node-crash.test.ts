/**
 * kill -9 of one hatchway process while events flow (published from a process that survives): the
 * event streams and WebSockets that were on it reconnect to the other processes, resuming after the
 * last id they got (Last-Event-ID, or `since`), and get exactly what they missed. Each subscriber's
 * whole sequence, over both connections, is every accepted event once, in order: no gap, no duplicate.
 * (A resumed connection gets the missed events from a history read, and the same ones again from
 * a live feed that lags behind it; races.test.ts makes that lag on cue.)
 */
import {
  startRedis, cleanup, inSeqOrder, isAccepted, report, sentinel, seqs, startNodes, sumTallies, tally,
  SseSubscriber, WsSubscriber, type RedisLib, type Subscriber,
} from './cluster-helpers';

jest.setTimeout(30_000);

afterEach(cleanup);

const TOTAL = 600;
/** One publish every 2 ms: the flow lasts over a second, long enough to kill a process in the middle of it. */
const EVERY_MS = 2;

describe.each<RedisLib>(['redis', 'ioredis', 'redis5', 'ioredis5'])('%s', (lib) => {
  test('a process killed mid-flow: its subscribers resume on another one, nothing lost or repeated', async () => {
    const redis = await startRedis();
    const [publisher, survivor, victim] = await startNodes(3, redis.url, lib);
    const topic = `crash-${lib}`;
    const onPublisher = [new SseSubscriber('sse0.0', topic)];
    const onSurvivor = [new SseSubscriber('sse1.0', topic), new SseSubscriber('sse1.1', topic), new WsSubscriber('ws1.0', topic)];
    const onVictim = [
      new SseSubscriber('sse2.0', topic), new SseSubscriber('sse2.1', topic), new SseSubscriber('sse2.2', topic),
      new WsSubscriber('ws2.0', topic), new WsSubscriber('ws2.1', topic),
    ];
    await Promise.all([
      ...onPublisher.map((s) => s.connect(publisher!.port)),
      ...onSurvivor.map((s) => s.connect(survivor!.port)),
      ...onVictim.map((s) => s.connect(victim!.port)),
    ]);
    const everyone: Subscriber[] = [...onPublisher, ...onSurvivor, ...onVictim];

    const publishing = publisher!.publish(topic, seqs(1, TOTAL).map((i) => `e${i}`), EVERY_MS);
    // A quarter of the flow in, the victim dies with its connections.
    await onVictim[0]!.waitForCount(TOTAL / 4);
    const dropped = onVictim.map((s) => s.disconnected());
    await victim!.kill();
    await Promise.all(dropped);
    const atKill = onVictim.map((s) => s.events.length);
    // Reconnect only once the flow went well on without them, so that the resume has events to replay.
    const reference = onSurvivor[0]!;
    const target = reference.events.length + 100;
    await reference.waitForCount(target);
    const missed = onVictim.map((s) => reference.events.length - s.events.length);
    // Half back to the survivor, half to the publisher's own process.
    await Promise.all(onVictim.map((s, i) => s.connect((i % 2 === 0 ? survivor : publisher)!.port)));

    const results = await publishing;
    const refused = results.filter((r) => !isAccepted(r));
    const acceptedIds = new Set(results.filter(isAccepted).map((r) => r.id));
    const last = await sentinel(publisher!, topic, everyone);
    const order = inSeqOrder(acceptedIds);
    const sum = sumTallies(everyone.map((s) => tally(s.ids.filter((id) => id !== last), acceptedIds)));
    report(`node-crash ${lib}`, {
      sent: TOTAL, accepted: acceptedIds.size, refused: refused.length, subscribers: everyone.length,
      reconnected: onVictim.length, receivedBeforeKill: atKill.reduce((a, b) => a + b, 0),
      missedWhileAway: missed.reduce((a, b) => a + b, 0),
      received: everyone.reduce((n, s) => n + s.events.length - 1, 0), ...sum,
    });

    const duplicates = everyone.flatMap((s) => s.duplicates());
    if (duplicates.length > 0) console.log(`[redis-fault] node-crash ${lib} duplicates: ${duplicates.join('; ')}`);
    // The publisher's process lived: every publish was accepted.
    expect(refused).toEqual([]);
    expect(acceptedIds.size).toBe(TOTAL);
    for (const s of everyone) {
      expect({ who: s.label, ids: s.ids }).toEqual({ who: s.label, ids: [...order, last] });
      expect({ who: s.label, resets: s.resets }).toEqual({ who: s.label, resets: [] });
    }
    for (const s of onVictim) expect(s.connections).toBe(2);
    expect(missed.every((n) => n > 0)).toBe(true);
  });
});

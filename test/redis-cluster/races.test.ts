/**
 * Races produced on cue (through `RedisProxy`) against the broker's once-each guarantee: a process
 * whose Pub/Sub lags behind the history it reads for a returning subscriber, and a publish whose
 * reply is lost after Redis ran it. Each prints its `[redis-fault]` counts.
 */
import {
  startRedis, cleanup, isAccepted, report, sentinel, seqs, ClusterNode, SseSubscriber, WsSubscriber, type RedisLib, type Subscriber,
} from './cluster-helpers';
import { RedisProxy } from './redis-proxy';

jest.setTimeout(30_000);

let proxy: RedisProxy | null = null;

afterEach(async () => {
  await cleanup();
  await proxy?.close();
  proxy = null;
});

/** How far the lagging process's Pub/Sub is behind Redis: far longer than a resume takes on loopback. */
const LAG_MS = 500;

// The race is the broker's and the Hub's, not a client library's: one of each library is enough.
describe.each<RedisLib>(['redis', 'ioredis'])('%s', (lib) => {
  /*
   * A subscriber back with Last-Event-ID (or `since`) is answered from a history read on the command
   * connection, which sees Redis as it is now; the process's live feed follows Pub/Sub, which can be
   * behind it. The live events the read already gave must not be written again when the feed
   * delivers them later. Here the Pub/Sub link lags by 500 ms (on loopback the same happens by
   * itself with a busy Redis: node-crash.test.ts met it at the resume).
   */
  test('a subscriber resuming on a process whose Pub/Sub lags gets each missed event once', async () => {
    const redis = await startRedis();
    proxy = await RedisProxy.start(redis.port);
    const [publisher, lagging] = await Promise.all([ClusterNode.start('pub', redis.url, lib), ClusterNode.start('lag', proxy.url, lib)]);
    const topic = `resume-${lib}`;
    const watcher = new SseSubscriber('watcher', topic);
    await watcher.connect(lagging.port);
    const first = await publisher.publish(topic, seqs(1, 5).map((i) => `a${i}`));
    await watcher.waitForCount(5);
    const resumeFrom = (first[4] as { id: string }).id;

    proxy.delayPubSub(LAG_MS);
    const missed = (await publisher.publish(topic, seqs(1, 10).map((i) => `b${i}`))).filter(isAccepted).map((r) => r.id);
    // Within the lag: Redis has the ten, the lagging process's feed does not yet.
    const resumers: Subscriber[] = [new SseSubscriber('sse', topic), new WsSubscriber('ws', topic)];
    for (const s of resumers) s.lastId = resumeFrom;
    await Promise.all(resumers.map((s) => s.connect(lagging.port)));
    const last = await sentinel(publisher, topic, [watcher, ...resumers]);

    const duplicates = resumers.flatMap((s) => s.duplicates());
    report(`resume-lag ${lib}`, { missed: missed.length, resumers: resumers.length, received: resumers.reduce((n, s) => n + s.events.length - 1, 0), duplicates: duplicates.length });
    for (const s of resumers) expect({ who: s.label, ids: s.ids }).toEqual({ who: s.label, ids: [...missed, last] });
  });
});

/*
 * Redis runs the publish script, and the reply is lost: Redis crashed or the link was cut right
 * after (the proxy holds the replies and cuts the connections). The publish must neither reject an
 * event that subscribers get (node-redis fails the unanswered command: the broker then asks Redis
 * for the publish's token) nor run twice (ioredis resends unanswered commands on its new
 * connection, unless told not to: the broker publishes on a connection that does not).
 * inflight.test.ts met both by themselves when Redis was killed or stopped while events flowed.
 */
describe.each<[RedisLib, string]>([
  ['redis', 'a publish is accepted exactly when it is delivered, and delivered once'],
  ['ioredis', 'a publish is accepted exactly when it is delivered, and delivered once'],
  ['redis5', 'a publish is accepted exactly when it is delivered, and delivered once'],
  ['ioredis5', 'a publish is accepted exactly when it is delivered, and delivered once'],
])('%s, reply lost after Redis ran the publish', (lib, guarantee) => {
  test(guarantee, async () => {
    const redis = await startRedis();
    proxy = await RedisProxy.start(redis.port);
    const [watching, cut] = await Promise.all([ClusterNode.start('watch', redis.url, lib), ClusterNode.start('cut', proxy.url, lib)]);
    const topic = `lost-reply-${lib}`;
    const watcher = new SseSubscriber('watcher', topic);
    await watcher.connect(watching.port);
    // One publish first, so that Redis knows the script: the held EVALSHA below runs, rather than failing NOSCRIPT.
    const [warm] = await cut.publish(topic, ['warm-up']);
    expect(warm !== undefined && isAccepted(warm)).toBe(true);

    proxy.holdReplies();
    const publishing = cut.publish(topic, ['x']);
    // Redis ran it: the event is out (the watcher is on a process with a clean connection).
    await watcher.waitFor(() => watcher.events.some((e) => e.data === 'x'), 'the event to be out');
    proxy.cutAll();
    const [result] = await publishing;
    const last = await sentinel(watching, topic, [watcher]);

    const deliveries = watcher.events.filter((e) => e.data === 'x');
    report(`lost-reply ${lib}`, {
      outcome: result !== undefined && isAccepted(result) ? 'accepted' : `refused(${result?.code})`, delivered: deliveries.length,
      ids: deliveries.map((e) => e.id).join(','), sentinel: last,
    });
    if (result !== undefined && isAccepted(result)) expect(deliveries.map((e) => e.id)).toEqual([result.id]);
    else expect(deliveries).toEqual([]);
  });
});

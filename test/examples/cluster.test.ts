/**
 * examples/cluster (`npm run example:cluster`): the demo on two node:cluster workers sharing one port and one real
 * redis-server. Clients are opened until two are served by different workers (the demo's hello, which a connection
 * gets once it is in the room, names the pid serving it); a chat message sent on one worker reaches the other, and the feeds of
 * both carry the same events with the same ids. A worker that is killed is forked again; SIGTERM to the primary
 * stops every worker. Each test runs the cluster in a process group of its own, killed whole afterwards; that
 * every worker is gone is awaited on the stdout pipe they share with the primary (it closes once all have exited).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { createClient } from 'redis';
import { RedisServer } from '../helpers/redis-server.js';
import { TestClient, within } from './example-helpers.js';
import { SseReader } from './sse-board.js';

const root = path.resolve(__dirname, '../..');
const START_MS = 15000;

/** `npm run example:cluster`, as a user runs it, in a process group of its own. */
class Cluster {
  output = '';
  readonly closed: Promise<number | null>;
  private readonly watchers = new Set<() => void>();

  private constructor(readonly child: ChildProcess) {
    const collect = (chunk: Buffer): void => {
      this.output += chunk.toString();
      for (const watcher of [...this.watchers]) watcher();
    };
    child.stdout!.on('data', collect);
    child.stderr!.on('data', collect);
    // 'close': the process has exited and its stdio is closed, which the workers hold too.
    this.closed = new Promise((resolve) => child.once('close', (code) => resolve(code)));
  }

  static start(env: Record<string, string>): Cluster {
    const child = spawn('npm', ['run', 'example:cluster', '--silent'], {
      cwd: root,
      env: { ...process.env, PORT: '0', ...env },
      detached: true,
    });
    return new Cluster(child);
  }

  /** Resolves once the output so far gives `find` an answer; fails if the cluster ends first or after `ms`. */
  until<T>(find: (output: string) => T | undefined, what: string, ms = START_MS): Promise<T> {
    let watcher: () => void = () => {};
    return within(
      new Promise<T>((resolve, reject) => {
        watcher = () => {
          const found = find(this.output);
          if (found !== undefined) resolve(found);
        };
        this.watchers.add(watcher);
        watcher();
        void this.closed.then((code) => reject(new Error(`the cluster ended (${code}) before ${what}: ${this.output}`)));
      }),
      `${what}; output so far: ${this.output}`,
      ms,
    ).finally(() => this.watchers.delete(watcher));
  }

  /** The pids of every worker that said it was listening, in order. */
  workerPids(): number[] {
    return [...this.output.matchAll(/^listening on \d+ \(pid (\d+), /gm)].map((m) => Number(m[1]));
  }

  /** Kills the whole process group unless it is gone already, and waits until every process let go of stdout. */
  async kill(): Promise<void> {
    try {
      // The group outlives npm, its leader, as long as a worker does.
      process.kill(-this.child.pid!, 'SIGKILL');
    } catch {
      // every process of the group is gone already
    }
    await within(this.closed, 'the killed cluster to close its stdout');
  }
}

/** Is `pid` a process that still runs (a zombie waiting to be reaped does not)? */
function running(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

const say = (client: TestClient, message: Record<string, unknown>): void => client.send(JSON.stringify(message));

let redis: RedisServer;
let cluster: Cluster | undefined;
const readers: SseReader[] = [];

beforeAll(async () => {
  redis = await RedisServer.start({ ephemeral: true });
});

afterAll(async () => {
  await redis?.close();
});

afterEach(async () => {
  for (const reader of readers.splice(0)) reader.close();
  await TestClient.closeAll();
  await cluster?.kill();
  cluster = undefined;
});

/** Starts the cluster on a fresh Redis database; resolves with its port, its primary's pid and its first workers' pids. */
async function startCluster(workers = 2): Promise<{ port: number; primary: number; pids: number[] }> {
  const admin = createClient({ url: redis.url });
  await admin.connect();
  await admin.flushAll();
  await admin.close();
  cluster = Cluster.start({ REDIS_URL: redis.url, WORKERS: String(workers) });
  const [port, primary] = await cluster.until((output) => {
    const match = new RegExp(`^listening on (\\d+) \\(cluster primary (\\d+), ${workers} workers\\)$`, 'm').exec(output);
    return match === null ? undefined : [Number(match[1]), Number(match[2])];
  }, 'the primary to print "listening on <port>"');
  const pids = cluster.workerPids();
  expect(pids).toHaveLength(workers);
  expect(new Set(pids).size).toBe(workers);
  expect(cluster.output).toContain(`Redis at 127.0.0.1:${redis.port}`);
  return { port: port!, primary: primary!, pids };
}

/** Chat clients, opened until there is one on each of `count` different workers (the others are closed). */
async function chatOnWorkers(port: number, count: number, query = ''): Promise<Map<number, TestClient>> {
  const byPid = new Map<number, TestClient>();
  for (let attempt = 0; attempt < 10 * count && byPid.size < count; attempt++) {
    const client = await TestClient.open(`ws://127.0.0.1:${port}/chat${query}`);
    const hello = await client.waitForJson({ type: 'hello' });
    expect(hello).toEqual({ type: 'hello', pid: expect.any(Number), broker: 'redis' });
    if (byPid.has(hello.pid as number)) await client.close();
    else byPid.set(hello.pid as number, client);
  }
  expect(byPid.size).toBe(count);
  return byPid;
}

/** Feeds, opened until there is one on each of `count` different workers. */
async function feedsOnWorkers(port: number, count: number): Promise<Map<number, SseReader>> {
  const byPid = new Map<number, SseReader>();
  for (let attempt = 0; attempt < 10 * count && byPid.size < count; attempt++) {
    const reader = new SseReader(`http://127.0.0.1:${port}/feed`);
    readers.push(reader);
    const hello = (await reader.until((all) => all.some((e) => e.event === 'hello'), 'the hello event')).find(
      (e) => e.event === 'hello',
    );
    const { pid, broker } = JSON.parse(hello!.data) as { pid: number; broker: string };
    expect(broker).toBe('redis');
    if (byPid.has(pid)) reader.close();
    else byPid.set(pid, reader);
  }
  expect(byPid.size).toBe(count);
  return byPid;
}

const roomEvents = (reader: SseReader): SseReader['events'] =>
  reader.events.filter((e) => e.event !== 'hello' && e.event !== 'clock');

test('without REDIS_URL it says what it needs and exits with 1', async () => {
  cluster = Cluster.start({ REDIS_URL: '' });
  expect(await within(cluster.closed, 'the cluster to exit')).toBe(1);
  expect(cluster.output).toMatch(/needs a Redis/);
  expect(cluster.output).toMatch(/REDIS_URL=redis:\/\/127\.0\.0\.1:6379 npm run example:cluster/);
}, 30000);

test('two workers on one port: a chat message sent on one reaches the other, and both feeds carry the room', async () => {
  const { port, pids } = await startCluster(2);
  const feeds = await feedsOnWorkers(port, 2);
  const chats = await chatOnWorkers(port, 2);
  expect([...chats.keys()].sort()).toEqual([...pids].sort());
  expect([...feeds.keys()].sort()).toEqual([...pids].sort());
  const [alice, bob] = [chats.get(pids[0]!)!, chats.get(pids[1]!)!];

  say(alice, { type: 'name', name: 'alice' });
  expect(await bob.waitForJson({ type: 'join', name: 'alice' })).toMatchObject({ online: 1 });
  say(bob, { type: 'name', name: 'bob' });
  // One count of people online, kept in Redis, for both workers.
  expect(await alice.waitForJson({ type: 'join', name: 'bob' })).toMatchObject({ online: 2 });
  say(alice, { type: 'message', text: `hello from pid ${pids[0]}` });
  expect(await bob.waitForJson({ type: 'message', from: 'alice' })).toMatchObject({ text: `hello from pid ${pids[0]}` });
  say(bob, { type: 'message', text: `hello from pid ${pids[1]}` });
  expect(await alice.waitForJson({ type: 'message', from: 'bob' })).toMatchObject({ text: `hello from pid ${pids[1]}` });

  // Both clients saw the room's four events in the same order.
  const room = (client: TestClient): unknown[] => client.json().filter((m) => m.type !== 'hello');
  await alice.waitForJson({ type: 'message', from: 'alice' });
  await bob.waitForJson({ type: 'message', from: 'bob' });
  expect(room(alice)).toHaveLength(4);
  expect(room(bob)).toEqual(room(alice));

  // Each worker's feed has the four events, with the same ids ('<epoch>:1' to '<epoch>:4', one epoch).
  const lists = [];
  for (const reader of feeds.values()) {
    await reader.until(() => roomEvents(reader).length >= 4, 'the four events on the feed');
    lists.push(roomEvents(reader).map((e) => [e.id, e.event, JSON.parse(e.data)]));
  }
  expect(lists[1]).toEqual(lists[0]);
  const ids = lists[0]!.map(([id]) => id as string);
  const epoch = ids[0]!.split(':')[0];
  expect(ids).toEqual([1, 2, 3, 4].map((n) => `${epoch}:${n}`));
  expect(lists[0]!.map(([, , data]) => data)).toEqual(room(alice));

  // A tab back on either worker gets what it missed after the first event, from Redis.
  const back = await TestClient.open(`ws://127.0.0.1:${port}/chat?since=${encodeURIComponent(ids[0]!)}`);
  await back.waitFor((m) => (JSON.parse(m.text) as { id?: string }).id === ids[3], 'the last event replayed');
  expect(back.json().filter((m) => m.type !== 'hello').map((m) => m.id)).toEqual(ids.slice(1));
}, 60000);

test('a worker that dies is forked again; its clients come back on the workers that run, with what they missed', async () => {
  const { port, pids } = await startCluster(2);
  const chats = await chatOnWorkers(port, 2, '?since=');
  const [victim, survivor] = pids as [number, number];
  const doomed = chats.get(victim)!;
  const alice = chats.get(survivor)!;
  say(alice, { type: 'name', name: 'alice' });
  const join = await doomed.waitForJson({ event: 'join' });

  process.kill(victim, 'SIGKILL');
  // The socket of the killed worker drops without a close frame.
  expect((await doomed.closed).code).toBe(1006);
  const replacement = await cluster!.until((output) => {
    if (!output.includes(`worker ${victim} was killed by SIGKILL: forking another`)) return undefined;
    return cluster!.workerPids().find((pid) => !pids.includes(pid));
  }, 'a new worker to listen');
  expect(running(victim)).toBe(false);

  say(alice, { type: 'message', text: 'while you were away' });
  await alice.waitForJson({ event: 'message' });
  // The page reconnects with the id of the last event it saw, to whichever worker the primary hands it.
  const workersNow = [survivor, replacement];
  const back = await chatOnWorkers(port, 2, `?since=${encodeURIComponent(join.id as string)}`);
  expect([...back.keys()].sort()).toEqual(workersNow.sort());
  for (const client of back.values()) {
    const missed = await client.waitForJson({ event: 'message' });
    expect(JSON.parse(missed.data as string)).toMatchObject({ from: 'alice', text: 'while you were away' });
  }
}, 60000);

test('SIGTERM to the primary stops every worker (their sockets close with 1001), then the primary, with 0', async () => {
  const { port, primary, pids } = await startCluster(2);
  const chats = await chatOnWorkers(port, 2);
  const [alice, bob] = [...chats.values()] as [TestClient, TestClient];
  say(alice, { type: 'name', name: 'alice' });
  say(bob, { type: 'name', name: 'bob' });
  await alice.waitForJson({ type: 'join', name: 'bob' });
  await bob.waitForJson({ type: 'join', name: 'alice' });
  process.kill(primary, 'SIGTERM');
  for (const client of chats.values()) expect((await client.closed).code).toBe(1001);
  // npm ends with the primary; the stdout pipe closes once the workers are gone too.
  expect(await within(cluster!.closed, 'the cluster to exit', START_MS)).toBe(0);
  expect(cluster!.output).toContain('stopping 2 workers');
  for (const pid of [primary, ...pids]) expect(running(pid)).toBe(false);
  // Each worker announced its people's leave before letting go of Redis: nobody is left counted.
  const admin = createClient({ url: redis.url });
  await admin.connect();
  try {
    expect(await admin.get('demo:lobby:online')).toBe('0');
  } finally {
    await admin.close();
  }
}, 60000);

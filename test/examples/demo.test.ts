/**
 * examples/demo: the static page, the /chat WebSocket protocol behind it and the /feed event stream of the
 * room's activity, with the room in the process (the default) and in a real Redis (`createDemoApp({ redisUrl })`,
 * which `REDIS_URL` gives it), where two apps on the same Redis, as two processes would, share one room. The
 * browser test drives the page itself (test/browser/demo.test.ts); test/examples/cluster.test.ts runs the demo on
 * several processes.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import type { EventSourceMessage } from 'eventsource-parser';
import { createClient } from 'redis';
import { RedisServer } from '../helpers/redis-server.js';
import { serve, TestClient, within, type RunningExample } from './example-helpers.js';
import { SseReader } from './sse-board.js';

interface DemoApp {
  locals: { broker: string; close(): Promise<void> };
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { createDemoApp } = require('../../examples/demo/app.js') as {
  createDemoApp(options?: { redisUrl?: string }): DemoApp;
};

const say = (client: TestClient, message: Record<string, unknown>): void => client.send(JSON.stringify(message));
/** What a chat client got from the room: everything but the hello. */
const fromRoom = (client: TestClient): Array<Record<string, unknown>> => client.json().filter((m) => m.type !== 'hello');
/** The room's events on a feed: everything but the hello and the clock. */
const roomEvents = (events: EventSourceMessage[]): EventSourceMessage[] =>
  events.filter((e) => e.event !== 'hello' && e.event !== 'clock');

/** The demo apps of a test, served on 127.0.0.1, with their clients and feeds; all closed after each test. */
const running: Array<{ app: DemoApp; example: RunningExample }> = [];
const readers: SseReader[] = [];
const feed = (example: RunningExample, headers?: Record<string, string>): SseReader => {
  const reader = new SseReader(`${example.httpBase}/feed`, headers);
  readers.push(reader);
  return reader;
};
/** A chat client of `example`, once it is in the room (it got the hello, after what it missed if it asked). */
async function chatAt(example: RunningExample, query = ''): Promise<TestClient> {
  const client = await TestClient.open(`${example.wsBase}/chat${query}`);
  await client.waitForJson({ type: 'hello' });
  return client;
}
/** A feed of `example`, once it is in the room (it got the hello). */
async function feedAt(example: RunningExample, headers?: Record<string, string>): Promise<SseReader> {
  const reader = feed(example, headers);
  await reader.until((events) => events.some((e) => e.event === 'hello'), 'the hello event');
  return reader;
}

async function start(redisUrl?: string): Promise<RunningExample> {
  const app = createDemoApp({ redisUrl });
  const example = await serve(app);
  running.push({ app, example });
  return example;
}

afterEach(async () => {
  for (const reader of readers.splice(0)) reader.close();
  await TestClient.closeAll();
  for (const { app, example } of running.splice(0)) {
    await example.close();
    await within(app.locals.close(), 'the demo to let go of its room');
  }
});

describe('the page', () => {
  let example: RunningExample;
  beforeEach(async () => {
    example = await start();
  });

  test('index.html has the chat and the live feed', async () => {
    const response = await fetch(`${example.httpBase}/`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await response.text();
    for (const id of ['nickname', 'messages', 'composer', 'text', 'status', 'feed', 'feed-status', 'clock']) {
      expect(html).toContain(`id="${id}"`);
    }
    for (const id of ['served', 'broker', 'chat-pid', 'feed-pid']) expect(html).toContain(`id="${id}"`);
    expect(html).toMatch(/Server-Sent Events/);
  });

  test.each([
    ['/app.js', /javascript/],
    ['/style.css', /^text\/css/],
  ])('%s is served', async (file, type) => {
    const response = await fetch(`${example.httpBase}${file}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(type);
    expect((await response.text()).length).toBeGreaterThan(100);
  });

  test('a plain GET of /chat is not a page', async () => {
    const response = await fetch(`${example.httpBase}/chat`);
    expect(response.status).not.toBe(200);
    await response.arrayBuffer();
  });
});

// The same room behaviour on either broker; only the ids differ: '1', '2', ... in the process, '<epoch>:1',
// '<epoch>:2', ... in Redis (the epoch is the topic's, the same for every event and every process).
describe.each([['in-process'], ['redis']])('the room, %s', (broker) => {
  let redis: RedisServer | undefined;
  let example: RunningExample;
  const ID = broker === 'redis' ? /^[\w-]+:(\d+)$/ : /^(\d+)$/;
  /** The position of an event in the room (1 for the first), from its id, which must have the broker's form. */
  const seq = (id: unknown): number => {
    expect(id).toMatch(ID);
    return Number(ID.exec(id as string)![1]);
  };
  const chat = (query = ''): Promise<TestClient> => chatAt(example, query);
  const waitForSeq = (client: TestClient, n: number): Promise<unknown> =>
    client.waitFor((m) => {
      const id = (JSON.parse(m.text) as { id?: unknown }).id;
      return typeof id === 'string' && ID.test(id) && seq(id) === n;
    }, `the event with seq ${n}`);

  beforeAll(async () => {
    if (broker === 'redis') redis = await RedisServer.start({ ephemeral: true });
  });
  afterAll(async () => {
    await redis?.close();
  });
  beforeEach(async () => {
    if (redis !== undefined) {
      const admin = createClient({ url: redis.url });
      await admin.connect();
      await admin.flushAll();
      await admin.close();
    }
    example = await start(redis?.url);
  });

  test('every connection is told, once in the room, which process serves it and where the room lives', async () => {
    const alice = await chat();
    expect(alice.json()).toEqual([{ type: 'hello', pid: process.pid, broker }]);
    say(alice, { type: 'name', name: 'alice' });
    await alice.waitForJson({ type: 'join' });
    // Never wrapped, even for a client that asked for envelopes; after what it missed.
    const back = await chat('?since=999');
    expect(back.json()).toEqual([
      { topic: 'lobby', id: expect.any(String), reset: true },
      { type: 'hello', pid: process.pid, broker },
    ]);
    const reader = await feedAt(example);
    expect(reader.events.map((e) => e.event)).toEqual(['clock', 'hello']);
    expect(reader.events[1]!.id).toBeUndefined();
    expect(JSON.parse(reader.events[1]!.data)).toEqual({ type: 'hello', pid: process.pid, broker });
  });

  test('messages are broadcast to every client as {type, from, text, at}', async () => {
    const alice = await chat();
    const bob = await chat();
    say(alice, { type: 'name', name: 'alice' });
    say(bob, { type: 'name', name: 'bob' });
    await alice.waitForJson({ type: 'join', name: 'bob' });

    const before = Date.now();
    say(alice, { type: 'message', text: 'hi bob' });
    say(bob, { type: 'message', text: 'hi alice' });
    for (const client of [alice, bob]) {
      const fromAlice = await client.waitForJson({ type: 'message', text: 'hi bob' });
      expect(fromAlice).toEqual({ type: 'message', from: 'alice', text: 'hi bob', at: expect.any(Number) });
      expect(fromAlice.at as number).toBeGreaterThanOrEqual(before - 1000);
      expect(await client.waitForJson({ type: 'message', text: 'hi alice' })).toMatchObject({ from: 'bob' });
    }
  });

  test('joins, renames and leaves are announced with the number of people online', async () => {
    const alice = await chat();
    say(alice, { type: 'name', name: 'alice' });
    expect(await alice.waitForJson({ type: 'join', name: 'alice' })).toEqual({
      type: 'join',
      name: 'alice',
      at: expect.any(Number),
      online: 1,
    });

    const bob = await chat();
    say(bob, { type: 'name', name: 'bob' });
    expect(await alice.waitForJson({ type: 'join', name: 'bob' })).toMatchObject({ online: 2 });

    say(bob, { type: 'name', name: 'robert' });
    expect(await alice.waitForJson({ type: 'rename' })).toEqual({
      type: 'rename',
      from: 'bob',
      name: 'robert',
      at: expect.any(Number),
    });
    say(bob, { type: 'message', text: 'call me robert' });
    expect(await alice.waitForJson({ type: 'message', text: 'call me robert' })).toMatchObject({ from: 'robert' });

    await bob.close();
    expect(await alice.waitForJson({ type: 'leave' })).toEqual({
      type: 'leave',
      name: 'robert',
      at: expect.any(Number),
      online: 1,
    });
  });

  test("one client's events keep their order: a join, a rename and a message sent at once", async () => {
    const watcher = await chat();
    const alice = await chat();
    say(alice, { type: 'name', name: 'alice' });
    say(alice, { type: 'name', name: 'alicia' });
    say(alice, { type: 'message', text: 'in order' });
    await watcher.waitForJson({ type: 'message', text: 'in order' });
    expect(fromRoom(watcher).map((m) => m.type)).toEqual(['join', 'rename', 'message']);
    expect(fromRoom(watcher)[2]).toMatchObject({ from: 'alicia' });
  });

  test('a client that never named itself speaks as "anonymous" and leaves silently', async () => {
    const alice = await chat();
    say(alice, { type: 'name', name: 'alice' });
    await alice.waitForJson({ type: 'join', name: 'alice' });
    const lurker = await chat();
    say(lurker, { type: 'message', text: 'boo' });
    expect(await alice.waitForJson({ type: 'message', text: 'boo' })).toMatchObject({ from: 'anonymous' });
    await lurker.close();
    say(alice, { type: 'message', text: 'anyone?' });
    await alice.waitForJson({ type: 'message', text: 'anyone?' });
    expect(fromRoom(alice).map((m) => m.type)).toEqual(['join', 'message', 'message']);
  });

  test('junk is ignored: bad JSON, binary frames, unknown types, empty text, oversized fields are cut', async () => {
    const alice = await chat();
    alice.send('not json');
    alice.send('null');
    alice.send(Buffer.from('{"type":"message","text":"binary"}'));
    say(alice, { type: 'shout', text: 'x' });
    say(alice, { type: 'message', text: '   ' });
    say(alice, { type: 'name', name: 42 });
    say(alice, { type: 'name', name: 'n'.repeat(100) });
    say(alice, { type: 'message', text: 't'.repeat(5000) });
    const long = await alice.waitForJson({ type: 'message' });
    expect(long.from).toBe('n'.repeat(32));
    expect(long.text).toBe('t'.repeat(1000));
    expect(fromRoom(alice).map((m) => m.type)).toEqual(['join', 'message']);
  });

  test('?since= wraps each event as {topic, id, event, data}, with the ids the feed gives them', async () => {
    const reader = await feedAt(example);
    const watcher = await chat('?since=');
    const alice = await chat();
    say(alice, { type: 'name', name: 'alice' });
    say(alice, { type: 'message', text: 'wrapped' });
    const message = await watcher.waitForJson({ event: 'message' });
    expect(message).toEqual({ topic: 'lobby', id: expect.any(String), event: 'message', data: expect.any(String) });
    expect(JSON.parse(message.data as string)).toEqual({ type: 'message', from: 'alice', text: 'wrapped', at: expect.any(Number) });
    const wrapped = fromRoom(watcher);
    expect(wrapped.map((m) => [seq(m.id), m.event])).toEqual([[1, 'join'], [2, 'message']]);
    const events = roomEvents(await reader.until((all) => roomEvents(all).length >= 2, 'the join and the message'));
    expect(events.map((e) => e.id)).toEqual(wrapped.map((m) => m.id));
    // A client that did not ask for envelopes still gets the plain JSON.
    expect(await alice.waitForJson({ type: 'message', text: 'wrapped' })).toMatchObject({ from: 'alice' });
  });

  test('a client back with ?since=<id> gets what it missed, then the live messages, each once and in order', async () => {
    const alice = await chat();
    say(alice, { type: 'name', name: 'alice' });
    const away = await chat('?since=');
    say(alice, { type: 'message', text: 'one' });
    const seen = await away.waitForJson({ event: 'message' });
    await away.close();
    say(alice, { type: 'message', text: 'two' });
    say(alice, { type: 'message', text: 'three' });
    await alice.waitForJson({ type: 'message', text: 'three' });

    const back = await chat(`?since=${encodeURIComponent(seen.id as string)}`);
    say(alice, { type: 'message', text: 'four' });
    await waitForSeq(back, 5);
    expect(fromRoom(back).map((m) => [seq(m.id), JSON.parse(m.data as string).text])).toEqual([
      [3, 'two'],
      [4, 'three'],
      [5, 'four'],
    ]);
  });

  test('a client back with an id no longer kept is told {topic, id, reset: true} with the latest id, then gets live ones', async () => {
    const alice = await chat();
    say(alice, { type: 'name', name: 'alice' });
    await alice.waitForJson({ type: 'join', name: 'alice' });
    const back = await chat('?since=999');
    say(alice, { type: 'message', text: 'after the reset' });
    await waitForSeq(back, 2);
    const [reset, live] = fromRoom(back);
    expect(fromRoom(back)).toEqual([
      { topic: 'lobby', id: expect.any(String), reset: true },
      { topic: 'lobby', id: expect.any(String), event: 'message', data: expect.stringContaining('after the reset') },
    ]);
    expect([seq(reset!.id), seq(live!.id)]).toEqual([1, 2]);
  });

  test('closing the server closes live sockets with 1001', async () => {
    const alice = await chat();
    const closing = example.close();
    expect((await alice.closed).code).toBe(1001);
    await closing;
  });

  test('a feed gets the server time at once and the hello, then the room activity as named events with ids', async () => {
    const reader = await feedAt(example);
    const [clock, hello] = reader.events;
    expect(hello!.event).toBe('hello');
    expect(clock!.event).toBe('clock');
    expect(Math.abs(Date.parse(clock!.data) - Date.now())).toBeLessThan(5000);

    const alice = await chat();
    say(alice, { type: 'name', name: 'alice' });
    say(alice, { type: 'message', text: 'hi feed' });
    const [join, message] = roomEvents(await reader.until((all) => roomEvents(all).length >= 2, 'the join and the message'));
    expect(join!.event).toBe('join');
    expect(seq(join!.id)).toBe(1);
    expect(JSON.parse(join!.data)).toEqual({ type: 'join', name: 'alice', at: expect.any(Number), online: 1 });
    expect(message!.event).toBe('message');
    expect(seq(message!.id)).toBe(2);
    expect(JSON.parse(message!.data)).toMatchObject({ from: 'alice', text: 'hi feed' });
  });

  test('a browser back with Last-Event-ID gets the activity it missed', async () => {
    const watcher = await feedAt(example);
    const alice = await chat();
    say(alice, { type: 'name', name: 'alice' });
    say(alice, { type: 'message', text: 'one' });
    say(alice, { type: 'message', text: 'two' });
    const [join] = roomEvents(await watcher.until((all) => roomEvents(all).length >= 3, 'the join and the messages'));
    const back = await feedAt(example, { 'last-event-id': join!.id! });
    const events = back.events;
    expect(events.map((e) => e.event)).toEqual(['clock', 'message', 'message', 'hello']);
    expect(roomEvents(events).map((e) => [seq(e.id), JSON.parse(e.data).text])).toEqual([[2, 'one'], [3, 'two']]);
  });

  test('the last 50 events are kept: a browser back from further away gets a reset event with the latest id', async () => {
    const watcher = await feedAt(example);
    const alice = await chat();
    say(alice, { type: 'name', name: 'alice' });
    for (let i = 1; i <= 51; i++) say(alice, { type: 'message', text: `message ${i}` });
    // Events 1 (the join) to 52: 3 to 52 are kept, so a browser that saw 2 misses nothing...
    const ids = roomEvents(await watcher.until((all) => roomEvents(all).length >= 52, 'the 52 events')).map((e) => e.id!);
    expect(ids.map(seq)).toEqual(Array.from({ length: 52 }, (_, i) => i + 1));
    const near = await feedAt(example, { 'last-event-id': ids[1]! });
    expect(roomEvents(near.events).map((e) => e.id)).toEqual(ids.slice(2));
    // ...and one that saw only 1 is told it missed some, with the id to resume from.
    const far = await feedAt(example, { 'last-event-id': ids[0]! });
    const [reset] = roomEvents(far.events);
    expect(reset).toMatchObject({ event: 'reset', id: ids[51] });
    say(alice, { type: 'message', text: 'live again' });
    const [, live] = roomEvents(await far.until((all) => roomEvents(all).length >= 2, 'the next live event'));
    expect(live!.event).toBe('message');
    expect(seq(live!.id)).toBe(53);
    expect(far.events.map((e) => e.event)).toEqual(['clock', 'reset', 'hello', 'message']);
  });

  test('a plain GET of /feed is answered with a stream all the same (the page only opens it with EventSource)', async () => {
    expect(await feed(example).status).toBe(200);
  });

  if (broker === 'redis') {
    // Two apps on one Redis, as two processes (or machines) would be.
    test('two apps on one Redis share the room: chat both ways, one count of people online, one feed', async () => {
      const other = await start(redis!.url);
      const otherFeed = await feedAt(other);
      const alice = await chat();
      const bob = await chatAt(other);
      say(alice, { type: 'name', name: 'alice' });
      expect(await bob.waitForJson({ type: 'join', name: 'alice' })).toMatchObject({ online: 1 });
      say(bob, { type: 'name', name: 'bob' });
      expect(await alice.waitForJson({ type: 'join', name: 'bob' })).toMatchObject({ online: 2 });
      say(alice, { type: 'message', text: 'from the first app' });
      say(bob, { type: 'message', text: 'from the second app' });
      for (const client of [alice, bob]) {
        await client.waitForJson({ type: 'message', text: 'from the second app' });
        await client.waitForJson({ type: 'message', text: 'from the first app' });
        // Every client sees the room's events in the one order Redis gave them.
        expect(fromRoom(client)).toEqual(fromRoom(alice));
      }
      const shared = roomEvents(await otherFeed.until((all) => roomEvents(all).length >= 4, 'the four events'));
      expect(shared.map((e) => [seq(e.id), JSON.parse(e.data).name ?? JSON.parse(e.data).text])).toEqual(
        fromRoom(alice).map((m, i) => [i + 1, m.name ?? m.text]),
      );
      await bob.close();
      expect(await alice.waitForJson({ type: 'leave', name: 'bob' })).toMatchObject({ online: 1 });
    });

    test('a client back on the other app (after a restart, behind a balancer) gets what it missed there', async () => {
      const other = await start(redis!.url);
      const alice = await chat();
      say(alice, { type: 'name', name: 'alice' });
      const away = await chat('?since=');
      say(alice, { type: 'message', text: 'one' });
      const seen = await away.waitForJson({ event: 'message' });
      await away.close();
      say(alice, { type: 'message', text: 'two' });
      await alice.waitForJson({ type: 'message', text: 'two' });
      const back = await chatAt(other, `?since=${encodeURIComponent(seen.id as string)}`);
      await waitForSeq(back, 3);
      expect(fromRoom(back).map((m) => [seq(m.id), JSON.parse(m.data as string).text])).toEqual([[3, 'two']]);
      const feedBack = await feedAt(other, { 'last-event-id': seen.id as string });
      const [missed] = roomEvents(feedBack.events);
      expect(missed).toMatchObject({ event: 'message', id: fromRoom(back)[0]!.id });
    });
  }
});

describe('REDIS_URL=... npm start', () => {
  let redis: RedisServer | undefined;
  let child: ChildProcess | undefined;
  afterEach(async () => {
    await TestClient.closeAll();
    const running = child;
    child = undefined;
    if (running?.pid !== undefined && running.exitCode === null && running.signalCode === null) {
      const exited = new Promise((resolve) => running.once('exit', resolve));
      process.kill(-running.pid, 'SIGTERM');
      await within(exited, 'npm start to exit on SIGTERM').catch((error: unknown) => {
        process.kill(-running.pid!, 'SIGKILL');
        throw error;
      });
    }
    await redis?.close();
  });

  test('prints the Redis it uses and its pid, and serves the room from Redis', async () => {
    redis = await RedisServer.start({ ephemeral: true });
    const root = path.resolve(__dirname, '../..');
    const started = spawn('npm', ['start', '--silent'], {
      cwd: root,
      env: { ...process.env, PORT: '0', REDIS_URL: redis.url },
      detached: true,
    });
    child = started;
    let output = '';
    const line = await within(
      new Promise<RegExpExecArray>((resolve, reject) => {
        started.stdout!.on('data', (chunk: Buffer) => {
          output += chunk.toString();
          const match = /listening on (\d+) \(pid (\d+), Redis at (\S+)\)/.exec(output);
          if (match) resolve(match);
        });
        started.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
        started.on('exit', (code) => reject(new Error(`npm start exited with ${code}: ${output}`)));
      }),
      'npm start to print "listening on <port> (pid <pid>, Redis at <host>)"',
      15000,
    );
    expect(line[3]).toBe(`127.0.0.1:${redis.port}`);
    const alice = await TestClient.open(`ws://127.0.0.1:${line[1]}/chat?since=`);
    expect(await alice.waitForJson({ type: 'hello' })).toEqual({ type: 'hello', pid: Number(line[2]), broker: 'redis' });
    say(alice, { type: 'name', name: 'alice' });
    const join = await alice.waitForJson({ event: 'join' });
    expect(join.id).toMatch(/^[\w-]+:1$/);
    // The count of people online is kept in Redis, where every process finds it.
    const admin = createClient({ url: redis.url });
    await admin.connect();
    try {
      expect(await admin.get('demo:lobby:online')).toBe('1');
    } finally {
      await admin.close();
    }
  }, 30000);
});

/**
 * examples/demo: the static page, the /chat WebSocket protocol behind it and the /feed event stream of the
 * room's activity (the browser test drives the page itself: test/browser/demo.test.ts).
 */
import { serve, TestClient, type RunningExample } from './example-helpers.js';
import { SseReader } from './sse-board.js';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { createDemoApp } = require('../../examples/demo/app.js') as { createDemoApp(): unknown };

let example: RunningExample | undefined;
const chat = (): Promise<TestClient> => TestClient.open(`${example!.wsBase}/chat`);
const say = (client: TestClient, message: Record<string, unknown>): void => client.send(JSON.stringify(message));

const readers: SseReader[] = [];
const feed = (headers?: Record<string, string>): SseReader => {
  const reader = new SseReader(`${example!.httpBase}/feed`, headers);
  readers.push(reader);
  return reader;
};

beforeEach(async () => {
  example = await serve(createDemoApp());
});

afterEach(async () => {
  for (const reader of readers.splice(0)) reader.close();
  await TestClient.closeAll();
  await example?.close();
  example = undefined;
});

describe('the page', () => {
  test('index.html has the chat and the live feed', async () => {
    const response = await fetch(`${example!.httpBase}/`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await response.text();
    for (const id of ['nickname', 'messages', 'composer', 'text', 'status', 'feed', 'feed-status', 'clock']) {
      expect(html).toContain(`id="${id}"`);
    }
    expect(html).toMatch(/Server-Sent Events/);
  });

  test.each([
    ['/app.js', /javascript/],
    ['/style.css', /^text\/css/],
  ])('%s is served', async (file, type) => {
    const response = await fetch(`${example!.httpBase}${file}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(type);
    expect((await response.text()).length).toBeGreaterThan(100);
  });

  test('a plain GET of /chat is not a page', async () => {
    const response = await fetch(`${example!.httpBase}/chat`);
    expect(response.status).not.toBe(200);
    await response.arrayBuffer();
  });
});

describe('the /chat WebSocket', () => {
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
    expect(alice.json().map((m) => m.type)).toEqual(['join', 'message', 'message']);
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
    expect(alice.json().map((m) => m.type)).toEqual(['join', 'message']);
  });

  test('?since= wraps each event as {topic, id, event, data}, with the ids the feed gives them', async () => {
    const reader = feed();
    await reader.next(1, 'the first clock event');
    const watcher = await TestClient.open(`${example!.wsBase}/chat?since=`);
    const alice = await chat();
    say(alice, { type: 'name', name: 'alice' });
    say(alice, { type: 'message', text: 'wrapped' });
    const message = await watcher.waitForJson({ id: '2' });
    expect(message).toEqual({ topic: 'lobby', id: '2', event: 'message', data: expect.any(String) });
    expect(JSON.parse(message.data as string)).toEqual({ type: 'message', from: 'alice', text: 'wrapped', at: expect.any(Number) });
    expect(watcher.json().map((m) => [m.id, m.event])).toEqual([['1', 'join'], ['2', 'message']]);
    const [, join, said] = await reader.next(3, 'the join and the message');
    expect([join!.id, said!.id]).toEqual(['1', '2']);
    // A client that did not ask for envelopes still gets the plain JSON.
    expect(await alice.waitForJson({ type: 'message', text: 'wrapped' })).toMatchObject({ from: 'alice' });
  });

  test('a client back with ?since=<id> gets what it missed, then the live messages, each once and in order', async () => {
    const alice = await chat();
    say(alice, { type: 'name', name: 'alice' });
    const away = await TestClient.open(`${example!.wsBase}/chat?since=`);
    say(alice, { type: 'message', text: 'one' });
    const seen = await away.waitForJson({ event: 'message' });
    await away.close();
    say(alice, { type: 'message', text: 'two' });
    say(alice, { type: 'message', text: 'three' });
    await alice.waitForJson({ type: 'message', text: 'three' });

    const back = await TestClient.open(`${example!.wsBase}/chat?since=${seen.id as string}`);
    say(alice, { type: 'message', text: 'four' });
    await back.waitForJson({ id: '5' });
    expect(back.json().map((m) => [m.id, JSON.parse(m.data as string).text])).toEqual([
      ['3', 'two'],
      ['4', 'three'],
      ['5', 'four'],
    ]);
  });

  test('a client back with an id no longer kept is told {topic, id, reset: true} with the latest id, then gets live ones', async () => {
    const alice = await chat();
    say(alice, { type: 'name', name: 'alice' });
    await alice.waitForJson({ type: 'join', name: 'alice' });
    const back = await TestClient.open(`${example!.wsBase}/chat?since=999`);
    say(alice, { type: 'message', text: 'after the reset' });
    await back.waitForJson({ id: '2' });
    expect(back.json()).toEqual([
      { topic: 'lobby', id: '1', reset: true },
      { topic: 'lobby', id: '2', event: 'message', data: expect.stringContaining('after the reset') },
    ]);
  });

  test('closing the server closes live sockets with 1001', async () => {
    const alice = await chat();
    const closing = example!.close();
    expect((await alice.closed).code).toBe(1001);
    await closing;
  });
});

describe('the /feed event stream', () => {
  test('a stream gets the server time at once, then the room activity as named events with ids', async () => {
    const reader = feed();
    const [clock] = await reader.next(1, 'the first clock event');
    expect(clock!.event).toBe('clock');
    expect(Math.abs(Date.parse(clock!.data) - Date.now())).toBeLessThan(5000);

    const alice = await chat();
    say(alice, { type: 'name', name: 'alice' });
    say(alice, { type: 'message', text: 'hi feed' });
    const [, join, message] = await reader.next(3, 'the join and the message');
    expect(join).toMatchObject({ event: 'join', id: '1' });
    expect(JSON.parse(join!.data)).toEqual({ type: 'join', name: 'alice', at: expect.any(Number), online: 1 });
    expect(message).toMatchObject({ event: 'message', id: '2' });
    expect(JSON.parse(message!.data)).toMatchObject({ from: 'alice', text: 'hi feed' });
  });

  test('a browser back with Last-Event-ID gets the activity it missed', async () => {
    const alice = await chat();
    say(alice, { type: 'name', name: 'alice' });
    say(alice, { type: 'message', text: 'one' });
    say(alice, { type: 'message', text: 'two' });
    await alice.waitForJson({ type: 'message', text: 'two' });
    const back = feed({ 'last-event-id': '1' });
    const events = await back.next(3);
    expect(events.map((e) => e.event)).toEqual(['clock', 'message', 'message']);
    expect(events.slice(1).map((e) => [e.id, JSON.parse(e.data).text])).toEqual([['2', 'one'], ['3', 'two']]);
  });

  test('the last 50 events are kept: a browser back from further away gets a reset event with the latest id', async () => {
    const alice = await chat();
    say(alice, { type: 'name', name: 'alice' });
    for (let i = 1; i <= 51; i++) say(alice, { type: 'message', text: `message ${i}` });
    await alice.waitForJson({ type: 'message', text: 'message 51' });
    // Events 1 (the join) to 52: 3 to 52 are kept, so a browser that saw 2 misses nothing...
    const near = feed({ 'last-event-id': '2' });
    const replayed = await near.next(51, 'the 50 kept events');
    expect(replayed.slice(1).map((e) => e.id)).toEqual(Array.from({ length: 50 }, (_, i) => String(i + 3)));
    // ...and one that saw only 1 is told it missed some, with the id to resume from.
    const far = feed({ 'last-event-id': '1' });
    const [, reset] = await far.next(2, 'the reset event');
    expect(reset).toMatchObject({ event: 'reset', id: '52' });
    say(alice, { type: 'message', text: 'live again' });
    const [, , live] = await far.next(3, 'the next live event');
    expect(live).toMatchObject({ event: 'message', id: '53' });
    expect(far.events.map((e) => e.event)).toEqual(['clock', 'reset', 'message']);
  });

  test('a plain GET of /feed is answered with a stream all the same (the page only opens it with EventSource)', async () => {
    const reader = feed();
    expect(await reader.status).toBe(200);
  });
});

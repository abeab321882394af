/**
 * examples/demo: the static page and the /chat WebSocket protocol behind it (the browser test drives the
 * page itself: test/browser/demo.test.ts).
 */
import { serve, TestClient, type RunningExample } from './example-helpers.js';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { createDemoApp } = require('../../examples/demo/app.js') as { createDemoApp(): unknown };

let example: RunningExample | undefined;
const chat = (): Promise<TestClient> => TestClient.open(`${example!.wsBase}/chat`);
const say = (client: TestClient, message: Record<string, unknown>): void => client.send(JSON.stringify(message));

beforeEach(async () => {
  example = await serve(createDemoApp());
});

afterEach(async () => {
  await TestClient.closeAll();
  await example?.close();
  example = undefined;
});

describe('the page', () => {
  test('index.html has the chat and the Server-Sent Events placeholder', async () => {
    const response = await fetch(`${example!.httpBase}/`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await response.text();
    for (const id of ['nickname', 'messages', 'composer', 'text', 'status', 'feed']) expect(html).toContain(`id="${id}"`);
    expect(html).toMatch(/Live feed: arrives with Server-Sent Events/);
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

  test('closing the server closes live sockets with 1001', async () => {
    const alice = await chat();
    const closing = example!.close();
    expect((await alice.closed).code).toBe(1001);
    await closing;
  });
});

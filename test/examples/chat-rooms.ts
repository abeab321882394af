/**
 * The behaviour both chat-room examples (Express and Koa) share, as one suite: clients connect to
 * /rooms/<room>?name=<nickname>, text messages are broadcast as JSON to the whole room (sender included) and to
 * no other room, and joins and leaves are announced to the room.
 */
import { TestClient, type RunningExample } from './example-helpers.js';

export function describeChatRooms(title: string, start: () => Promise<RunningExample>): void {
  describe(title, () => {
    let example: RunningExample | undefined;
    const join = (room: string, name: string): Promise<TestClient> =>
      TestClient.open(`${example!.wsBase}/rooms/${encodeURIComponent(room)}?name=${encodeURIComponent(name)}`);

    beforeEach(async () => {
      example = await start();
    });

    afterEach(async () => {
      await TestClient.closeAll();
      await example?.close();
      example = undefined;
    });

    test('the index page says how to connect', async () => {
      const response = await fetch(`${example!.httpBase}/`);
      expect(response.status).toBe(200);
      expect(await response.text()).toMatch(/\/rooms\/<room>/);
    });

    test('a message reaches everyone in the room, the sender included, as {type, room, from, text, at}', async () => {
      const alice = await join('lobby', 'alice');
      const bob = await join('lobby', 'bob');
      const carol = await join('lobby', 'carol');
      const before = Date.now();
      alice.send('hello, lobby');
      for (const client of [alice, bob, carol]) {
        const message = await client.waitForJson({ type: 'message', text: 'hello, lobby' });
        expect(message).toEqual({ type: 'message', room: 'lobby', from: 'alice', text: 'hello, lobby', at: expect.any(Number) });
        expect(message.at as number).toBeGreaterThanOrEqual(before - 1000);
      }
      bob.send('hi alice');
      await alice.waitForJson({ type: 'message', from: 'bob', text: 'hi alice' });
      await carol.waitForJson({ type: 'message', from: 'bob', text: 'hi alice' });
    });

    test('a message does not leak to another room', async () => {
      const alice = await join('red', 'alice');
      const bob = await join('red', 'bob');
      const zoe = await join('blue', 'zoe');

      alice.send('for red only');
      await alice.waitForJson({ type: 'message', text: 'for red only' });
      await bob.waitForJson({ type: 'message', text: 'for red only' });
      // The server handled alice's message before zoe's own: had it been sent to zoe, it would have arrived on
      // zoe's connection before her echo.
      zoe.send('marker');
      await zoe.waitForJson({ type: 'message', from: 'zoe', text: 'marker', room: 'blue' });
      expect(zoe.json().filter((m) => m.type === 'message')).toEqual([
        { type: 'message', room: 'blue', from: 'zoe', text: 'marker', at: expect.any(Number) },
      ]);
      // ...and the other way round.
      alice.send('second marker');
      await bob.waitForJson({ type: 'message', text: 'second marker' });
      expect(bob.json().some((m) => m.text === 'marker')).toBe(false);
      // Joins are per room too.
      expect(zoe.json().filter((m) => m.type === 'join').map((m) => m.name)).toEqual(['zoe']);
    });

    test('everyone in the room sees its messages in one order, whoever sent them', async () => {
      const alice = await join('choir', 'alice');
      const bob = await join('choir', 'bob');
      const carol = await join('choir', 'carol');
      for (let i = 0; i < 20; i++) {
        alice.send(`alice ${i}`);
        bob.send(`bob ${i}`);
      }
      const texts = async (client: TestClient): Promise<unknown[]> => {
        await client.waitForJson({ type: 'message', text: 'alice 19' });
        await client.waitForJson({ type: 'message', text: 'bob 19' });
        return client.json().filter((m) => m.type === 'message').map((m) => `${m.from as string}: ${m.text as string}`);
      };
      const seen = await Promise.all([alice, bob, carol].map(texts));
      expect(seen[0]).toHaveLength(40);
      expect(seen[1]).toEqual(seen[0]);
      expect(seen[2]).toEqual(seen[0]);
    });

    test('room names come from the route parameter, decoded', async () => {
      const a = await join('tea & cake', 'ann');
      a.send('crumbs');
      expect(await a.waitForJson({ type: 'message', text: 'crumbs' })).toMatchObject({ room: 'tea & cake' });
    });

    test('joins and leaves are announced to the room with the number of people in it', async () => {
      const alice = await join('hall', 'alice');
      expect(await alice.waitForJson({ type: 'join', name: 'alice' })).toEqual({
        type: 'join',
        room: 'hall',
        name: 'alice',
        at: expect.any(Number),
        online: 1,
      });
      const bob = await join('hall', 'bob');
      expect(await alice.waitForJson({ type: 'join', name: 'bob' })).toMatchObject({ online: 2 });
      await bob.waitForJson({ type: 'join', name: 'bob' });

      await bob.close();
      expect(await alice.waitForJson({ type: 'leave', name: 'bob' })).toEqual({
        type: 'leave',
        room: 'hall',
        name: 'bob',
        at: expect.any(Number),
        online: 1,
      });

      // The room goes on after it empties and someone comes back.
      await alice.close();
      const carol = await join('hall', 'carol');
      expect(await carol.waitForJson({ type: 'join', name: 'carol' })).toMatchObject({ online: 1 });
    });

    test('a client without a name is "anonymous"', async () => {
      const client = await TestClient.open(`${example!.wsBase}/rooms/quiet`);
      client.send('psst');
      expect(await client.waitForJson({ type: 'message', text: 'psst' })).toMatchObject({ from: 'anonymous' });
    });

    test('closing the server closes live sockets with 1001', async () => {
      const alice = await join('lobby', 'alice');
      await alice.waitForJson({ type: 'join', name: 'alice' });
      const closing = example!.close();
      expect((await alice.closed).code).toBe(1001);
      await closing;
    });
  });
}

/**
 * The text memo: a string sent again (or sent right after it was received) is copied from the
 * bytes it last had instead of being encoded again. Whatever the order of receives and sends,
 * and from whichever role, every peer gets exactly the text that was sent.
 */
import WS from 'ws';
import { Client, type WebSocket } from '../../src/index.js';
import { copyRemembered, rememberedLength, rememberText } from '../../src/websocket-session/text-memo.js';
import { cleanup, connectPair, nextEmit, startServer, within } from './helpers.js';

afterEach(cleanup);

function texts(client: WS, count: number): Promise<string[]> {
  return within(
    new Promise<string[]>((resolve) => {
      const got: string[] = [];
      client.on('message', (data, isBinary) => {
        expect(isBinary).toBe(false);
        got.push((data as Buffer).toString('utf8'));
        if (got.length === count) resolve(got);
      });
    }),
    `${count} text messages`,
  );
}

describe('text memo', () => {
  test('remembers bytes by string and copies them, also within the same buffer', () => {
    const buffer = Buffer.alloc(64);
    const written = buffer.write('héllo', 3, 'utf8');
    rememberText('héllo', buffer, 3, 3 + written);
    expect(rememberedLength('héllo')).toBe(6);
    expect(rememberedLength('hello')).toBe(-1);
    // An equal string built separately is the same text.
    expect(rememberedLength(['h', 'éllo'].join(''))).toBe(6);
    copyRemembered(buffer, 20);
    expect(buffer.subarray(20, 26).toString('utf8')).toBe('héllo');
    const other = Buffer.alloc(8);
    copyRemembered(other, 1);
    expect(other.subarray(1, 7).toString('utf8')).toBe('héllo');
  });

  test('does not remember texts over 64 KiB', () => {
    rememberText('a', Buffer.from('a'), 0, 1);
    const big = 'x'.repeat(65537);
    rememberText(big, Buffer.from(big), 0, big.length);
    expect(rememberedLength(big)).toBe(-1);
    expect(rememberedLength('a')).toBe(1);
  });

  test('a broadcast of one string, interleaved with received texts, reaches every peer intact', async () => {
    const server = await startServer();
    const pairs = await Promise.all([0, 1, 2].map(() => connectPair(server)));
    const sockets: WebSocket[] = pairs.map((p) => p.ws);
    const received = pairs.map((p) => texts(p.client, 4));
    const incoming = nextEmit(sockets[0]!, 'message');
    pairs[0]!.client.send('from the client: ünïcode ✓');
    const event = (await incoming)[0] as { data: string };
    const news = 'news: 😀 for everyone';
    for (const ws of sockets) ws.send(news);
    // The text just received goes back out (the memo now holds it), then an unrelated text, then the news again.
    for (const ws of sockets) ws.send(event.data);
    for (const ws of sockets) ws.send(`private ${sockets.indexOf(ws)}`);
    for (const ws of sockets) ws.send(news);
    const results = await Promise.all(received);
    results.forEach((got, i) => expect(got).toEqual([news, 'from the client: ünïcode ✓', `private ${i}`, news]));
  });

  test('a client (masking its frames) sends back a text it just received, intact', async () => {
    const server = await startServer({
      setup: (ws) => ws.on('message', (e) => ws.send(`${String(e.data)}!`)),
    });
    const client = new Client(server.url);
    await nextEmit(client, 'open');
    const replies: string[] = [];
    const done = within(
      new Promise<void>((resolve) => {
        client.on('message', (e) => {
          replies.push(String(e.data));
          if (replies.length < 3) client.send(e.data as string);
          else resolve();
        });
      }),
      'three round trips',
    );
    client.send('ping ✓');
    await done;
    expect(replies).toEqual(['ping ✓!', 'ping ✓!!', 'ping ✓!!!']);
    // The same string sent twice in a row: the second send must not reuse the first one's masked bytes.
    const two = within(
      new Promise<string[]>((resolve) => {
        const got: string[] = [];
        client.on('message', (e) => {
          got.push(String(e.data));
          if (got.length === 2) resolve(got);
        });
      }),
      'two more replies',
    );
    const twice = 'twice ✓';
    client.send(twice);
    client.send(twice);
    expect(await two).toEqual(['twice ✓!', 'twice ✓!']);
    client.close();
  });
});

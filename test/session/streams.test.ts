/**
 * Messages as an async iterator (`for await (const data of ws)`) and as a Node Duplex
 * (`createWebSocketStream`) for `pipeline()`.
 */
import { Transform, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import WS from 'ws';
import { createWebSocketStream, WebSocket, type MessageData } from '../../src/index.js';
import { cleanup, connectPair, next, nextEmit, startServer, within, wsClosed } from './helpers.js';

afterEach(cleanup);

async function collectAll(ws: WebSocket, onEach?: () => Promise<void>): Promise<MessageData[]> {
  const got: MessageData[] = [];
  for await (const data of ws) {
    got.push(data);
    if (onEach !== undefined) await onEach();
  }
  return got;
}

describe('for await (const data of ws)', () => {
  test('yields every message in order and ends when the connection closes', async () => {
    const server = await startServer();
    const { client, ws } = await connectPair(server);
    const all = within(collectAll(ws), 'the loop to end');
    for (let i = 0; i < 100; i++) client.send(`m${i}`);
    client.send(Buffer.from([1, 2]));
    client.close(1000);
    const got = await all;
    expect(got).toHaveLength(101);
    expect(got.slice(0, 100)).toEqual(Array.from({ length: 100 }, (_, i) => `m${i}`));
    expect(Buffer.isBuffer(got[100])).toBe(true);
    expect([...(got[100] as Buffer)]).toEqual([1, 2]);
    expect(ws.readyState).toBe(WebSocket.CLOSED);
  });

  test('a slow consumer still gets everything in order (reading pauses and resumes)', async () => {
    const server = await startServer();
    const { client, ws } = await connectPair(server);
    const slow = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
    const all = within(collectAll(ws, slow), 'the slow loop to end');
    const count = 500;
    const payload = 'x'.repeat(1000);
    for (let i = 0; i < count; i++) client.send(`${i}:${payload}`);
    client.close(1000);
    const got = await all;
    expect(got.map((data) => String(data).split(':')[0])).toEqual(Array.from({ length: count }, (_, i) => String(i)));
    expect(ws.isPaused).toBe(false);
  });

  test('ends at once on a socket that is already closed', async () => {
    const server = await startServer();
    const { client, ws } = await connectPair(server);
    const closed = next(ws, 'close');
    client.terminate();
    await closed;
    expect(await within(collectAll(ws), 'the loop')).toEqual([]);
  });

  test('break leaves the loop; the connection stays open and is not left paused', async () => {
    const server = await startServer();
    const { client, ws } = await connectPair(server);
    for (let i = 0; i < 40; i++) client.send(`m${i}`);
    const got: MessageData[] = [];
    for await (const data of ws) {
      got.push(data);
      if (got.length === 3) break;
    }
    expect(got).toEqual(['m0', 'm1', 'm2']);
    expect(ws.readyState).toBe(WebSocket.OPEN);
    // Still reading: an echo round trip works.
    ws.on('message', (event) => {
      if (event.data === 'last') ws.send('got last');
    });
    const reply = nextEmit<[Buffer]>(client, 'message');
    client.send('last');
    expect((await reply)[0].toString()).toBe('got last');
  });

  test('text as strings, binary as Buffers or ArrayBuffers per binaryType', async () => {
    const server = await startServer({ setup: (ws) => (ws.binaryType = 'arraybuffer') });
    const { client, ws } = await connectPair(server);
    const all = within(collectAll(ws), 'the loop to end');
    client.send('t');
    client.send(Buffer.from([7]));
    client.close();
    const [text, binary] = await all;
    expect(text).toBe('t');
    expect(binary).toBeInstanceOf(ArrayBuffer);
    expect([...new Uint8Array(binary as ArrayBuffer)]).toEqual([7]);
  });
});

describe('createWebSocketStream', () => {
  const upper = (): Transform =>
    new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        callback(null, chunk.toString().toUpperCase());
      },
    });

  test('pipeline(stream, transform, stream): messages come back transformed, and it ends on close', async () => {
    const server = await startServer();
    const { client, ws } = await connectPair(server);
    const stream = createWebSocketStream(ws);
    const piped = within(pipeline(stream, upper(), stream), 'the pipeline to finish');
    const replies: Array<[string, boolean]> = [];
    const three = within(
      new Promise<void>((resolve) =>
        client.on('message', (data: WS.RawData, isBinary: boolean) => {
          replies.push([(data as Buffer).toString(), isBinary]);
          if (replies.length === 3) resolve();
        }),
      ),
      'three replies',
    );
    client.send('abc');
    client.send('déf');
    client.send(Buffer.from('ghi'));
    await three;
    // Stream chunks are bytes: they go back as binary messages.
    expect(replies).toEqual([
      ['ABC', true],
      ['DÉF', true],
      ['GHI', true],
    ]);
    const clientClosed = wsClosed(client);
    client.close(1000);
    await piped;
    expect((await clientClosed).code).toBe(1000);
    expect(ws.readyState).toBe(WebSocket.CLOSED);
  });

  test('ending the writable side closes the WebSocket with 1000', async () => {
    const server = await startServer();
    const { client, ws } = await connectPair(server);
    const stream = createWebSocketStream(ws);
    const messages: string[] = [];
    client.on('message', (data: WS.RawData) => messages.push((data as Buffer).toString()));
    const clientClosed = wsClosed(client);
    stream.write('one');
    stream.end('two');
    expect(await clientClosed).toEqual({ code: 1000, reason: '' });
    expect(messages).toEqual(['one', 'two']);
    stream.destroy();
  });

  test('readable side: pipe the peer’s messages into a Writable until the peer closes', async () => {
    const server = await startServer();
    const { client, ws } = await connectPair(server);
    const stream = createWebSocketStream(ws);
    const chunks: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        chunks.push(chunk.toString());
        callback();
      },
    });
    const done = within(pipeline(stream, sink), 'the pipeline to finish');
    for (let i = 0; i < 50; i++) client.send(`c${i}`);
    client.close();
    await done;
    expect(chunks).toEqual(Array.from({ length: 50 }, (_, i) => `c${i}`));
  });

  test('writes wait for drain: a large write completes once the peer reads', async () => {
    const server = await startServer();
    const { client, ws } = await connectPair(server);
    const stream = createWebSocketStream(ws);
    const message = nextEmit<[Buffer, boolean]>(client, 'message');
    const written = new Promise<void>((resolve, reject) =>
      stream.write(Buffer.alloc(4 * 1024 * 1024, 3), (error) => (error ? reject(error) : resolve())),
    );
    await within(written, 'the write callback');
    const [data, isBinary] = await message;
    expect([data.length, isBinary, data[0]]).toEqual([4 * 1024 * 1024, true, 3]);
    stream.destroy();
  });

  test('destroying the stream terminates the WebSocket', async () => {
    const server = await startServer();
    const { client, ws } = await connectPair(server);
    const stream = createWebSocketStream(ws);
    stream.on('error', () => {});
    const clientClosed = wsClosed(client);
    const closed = next(ws, 'close');
    stream.destroy();
    expect((await closed).code).toBe(1006);
    expect((await clientClosed).code).toBe(1006);
  });
});

/**
 * The `ws` npm package (v8) as the client against hatchway's server socket, on loopback.
 */
import { randomBytes } from 'node:crypto';
import WS from 'ws';
import { CloseEvent, ErrorCode, ProtocolError, WebSocket } from '../../src/index.js';
import { startEchoServer, type EchoServer } from '../helpers/echo-server.js';
import {
  cleanup,
  connectPair,
  next,
  nextEmit,
  startServer,
  within,
  wsClient,
  wsClosed,
  type TestServer,
} from '../session/helpers.js';

type Received = { data: Buffer; isBinary: boolean };

/** Collects the next `count` messages a ws client receives. */
function receive(client: WS, count: number, ms = 10000): Promise<Received[]> {
  const got: Received[] = [];
  return within(
    new Promise<Received[]>((resolve) => {
      const onMessage = (data: WS.RawData, isBinary: boolean): void => {
        got.push({ data: data as Buffer, isBinary });
        if (got.length === count) {
          client.off('message', onMessage);
          resolve(got);
        }
      };
      client.on('message', onMessage);
    }),
    `${count} messages (got ${got.length})`,
    ms,
  );
}

/** Every message a hatchway socket receives, as it arrives. */
function record(ws: WebSocket): Array<string | Buffer | ArrayBuffer> {
  const got: Array<string | Buffer | ArrayBuffer> = [];
  ws.on('message', (event) => got.push(event.data));
  return got;
}

describe('ws client against the echo server', () => {
  let echo: EchoServer;
  beforeAll(async () => {
    echo = await startEchoServer();
  });
  afterAll(() => echo.close());
  afterEach(cleanup);

  async function open(): Promise<WS> {
    const client = wsClient(echo.url);
    await nextEmit(client, 'open');
    return client;
  }

  test('text and binary messages come back as they went', async () => {
    const client = await open();
    const replies = receive(client, 2);
    client.send('hello');
    client.send(Buffer.from([0, 1, 2, 254, 255]));
    const [text, binary] = await replies;
    expect(text!.isBinary).toBe(false);
    expect(text!.data.toString()).toBe('hello');
    expect(binary!.isBinary).toBe(true);
    expect([...binary!.data]).toEqual([0, 1, 2, 254, 255]);
  });

  test('empty text and empty binary messages', async () => {
    const client = await open();
    const replies = receive(client, 2);
    client.send('');
    client.send(Buffer.alloc(0));
    const got = await replies;
    expect(got.map(({ data, isBinary }) => [data.length, isBinary])).toEqual([
      [0, false],
      [0, true],
    ]);
  });

  test('multi-byte UTF-8 text round-trips', async () => {
    const client = await open();
    const text = 'héllo wörld — € 日本語 𝄞 😀 \u{10FFFF}';
    const replies = receive(client, 1);
    client.send(text);
    const [reply] = await replies;
    expect(reply!.isBinary).toBe(false);
    expect(reply!.data.toString('utf8')).toBe(text);
  });

  test('10,000 small messages sent at once are all echoed in order', async () => {
    const client = await open();
    const count = 10000;
    const replies = receive(client, count);
    for (let i = 0; i < count; i++) client.send(`m${i}`);
    const got = await replies;
    const expected = Array.from({ length: count }, (_, i) => `m${i}`);
    expect(got.map(({ data }) => data.toString())).toEqual(expected);
    expect(got.every(({ isBinary }) => !isBinary)).toBe(true);
  });

  test.each([
    ['1 MiB', 1024 * 1024],
    ['16 MiB', 16 * 1024 * 1024],
  ])('a %s binary message comes back byte for byte', async (_name, size) => {
    const client = await open();
    const payload = randomBytes(size);
    const replies = receive(client, 1, 15000);
    client.send(payload);
    const [reply] = await replies;
    expect(reply!.isBinary).toBe(true);
    expect(reply!.data.length).toBe(size);
    expect(reply!.data.equals(payload)).toBe(true);
  });

  test('ping from ws is answered with a pong carrying the same payload', async () => {
    const client = await open();
    const pong = nextEmit<[Buffer]>(client, 'pong');
    client.ping(Buffer.from('are you there?'));
    const [payload] = await pong;
    expect(payload.toString()).toBe('are you there?');
  });
});

describe('ws client against a hatchway server', () => {
  let server: TestServer;
  afterEach(cleanup);

  test('a message fragmented by ws arrives as one message', async () => {
    server = await startServer();
    const { client, ws } = await connectPair(server);
    const got = record(ws);
    const pings: string[] = [];
    ws.on('ping', (event) => pings.push(event.data.toString()));
    const message = next(ws, 'message');
    client.send('frag', { fin: false });
    client.send('men', { fin: false });
    client.ping('in between');
    client.send('ted', { fin: true });
    expect((await message).data).toBe('fragmented');

    const binary = next(ws, 'message');
    client.send(Buffer.from([1, 2]), { binary: true, fin: false });
    client.send(Buffer.from([3]), { binary: true, fin: true });
    const data = (await binary).data;
    expect(Buffer.isBuffer(data)).toBe(true);
    expect([...(data as Buffer)]).toEqual([1, 2, 3]);
    expect(got).toHaveLength(2);
    expect(pings).toEqual(['in between']);
  });

  test('binaryType arraybuffer delivers binary messages as ArrayBuffer, text as string', async () => {
    server = await startServer({ setup: (ws) => (ws.binaryType = 'arraybuffer') });
    const { client, ws } = await connectPair(server);
    const got = record(ws);
    const two = new Promise<void>((resolve) => ws.on('message', () => got.length === 2 && resolve()));
    client.send(Buffer.from([9, 8, 7]));
    client.send('text');
    await within(two, 'two messages');
    expect(got[0]).toBeInstanceOf(ArrayBuffer);
    expect([...new Uint8Array(got[0] as ArrayBuffer)]).toEqual([9, 8, 7]);
    expect(got[1]).toBe('text');
  });

  test('hatchway ping(payload, callback): ws answers and the callback fires', async () => {
    server = await startServer();
    const { client, ws } = await connectPair(server);
    const seenByWs = nextEmit<[Buffer]>(client, 'ping');
    const pong = next(ws, 'pong');
    const fired = new Promise<void>((resolve) => expect(ws.ping('hb-1', resolve)).toBe(true));
    await within(fired, 'the ping callback');
    expect((await seenByWs)[0].toString()).toBe('hb-1');
    expect((await pong).data.toString()).toBe('hb-1');
  });

  test('hatchway close(4001, reason): ws sees the code and reason, the close is clean on both sides', async () => {
    server = await startServer();
    const { client, ws } = await connectPair(server);
    const clientClosed = wsClosed(client);
    const serverClosed = next(ws, 'close');
    ws.close(4001, 'reason');
    expect(ws.readyState).toBe(WebSocket.CLOSING);
    expect(await clientClosed).toEqual({ code: 4001, reason: 'reason' });
    const event = await serverClosed;
    expect(event).toBeInstanceOf(CloseEvent);
    expect([event.code, event.reason, event.wasClean]).toEqual([4001, 'reason', true]);
    expect(ws.readyState).toBe(WebSocket.CLOSED);
  });

  test.each([
    [1000, ''],
    [1000, 'done'],
    [3000, 'registered'],
    [4999, 'ünïcode reason'],
  ])('ws close(%d, %j): hatchway close event has the same code and reason', async (code, reason) => {
    server = await startServer();
    const { client, ws } = await connectPair(server);
    const serverClosed = next(ws, 'close');
    const clientClosed = wsClosed(client);
    client.close(code, reason);
    const event = await serverClosed;
    expect([event.code, event.reason, event.wasClean]).toEqual([code, reason, true]);
    // hatchway echoes the code (RFC 6455 §5.5.1) with no reason.
    expect(await clientClosed).toEqual({ code, reason: '' });
  });

  test('ws close() with no code: hatchway reports 1005', async () => {
    server = await startServer();
    const { client, ws } = await connectPair(server);
    const serverClosed = next(ws, 'close');
    const clientClosed = wsClosed(client);
    client.close();
    const event = await serverClosed;
    expect([event.code, event.reason, event.wasClean]).toEqual([1005, '', true]);
    expect((await clientClosed).code).toBe(1005);
  });

  test('subprotocol: the first of the client offers that the server supports', async () => {
    server = await startServer({ protocols: ['c', 'b', 'a'] });
    const { client, ws } = await connectPair(server, '/', ['b', 'a']);
    expect(client.protocol).toBe('b');
    expect(ws.protocol).toBe('b');
  });

  test('subprotocol: ws offers [a, b], the server speaks only b', async () => {
    server = await startServer({ options: { protocols: ['b'] } });
    const { client, ws } = await connectPair(server, '/', ['a', 'b']);
    expect(client.protocol).toBe('b');
    expect(ws.protocol).toBe('b');
  });

  test('no subprotocol offered: protocol is empty on both sides', async () => {
    server = await startServer({ protocols: ['a'] });
    const { client, ws } = await connectPair(server);
    expect(client.protocol).toBe('');
    expect(ws.protocol).toBe('');
  });

  test('maxLength: a message one byte over closes with 1009; one at the limit passes', async () => {
    server = await startServer({ options: { maxLength: 1000 } });
    const { client, ws } = await connectPair(server);
    const errors: unknown[] = [];
    ws.on('error', (event) => errors.push(event.error));
    const atLimit = next(ws, 'message');
    client.send(Buffer.alloc(1000, 1));
    expect(((await atLimit).data as Buffer).length).toBe(1000);

    const clientClosed = wsClosed(client);
    const serverClosed = next(ws, 'close');
    const messages = record(ws);
    client.send(Buffer.alloc(1001, 2));
    expect((await clientClosed).code).toBe(1009);
    const event = await serverClosed;
    expect(event.code).toBe(1009);
    expect(messages).toEqual([]);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(ProtocolError);
    expect((errors[0] as ProtocolError).closeCode).toBe(1009);
  });

  test('maxLength counts the whole fragmented message', async () => {
    server = await startServer({ options: { maxLength: 10 } });
    const { client, ws } = await connectPair(server);
    const messages = record(ws);
    const clientClosed = wsClosed(client);
    client.send('123456', { fin: false });
    client.send('78901', { fin: true });
    expect((await clientClosed).code).toBe(1009);
    expect(messages).toEqual([]);
  });

  test('server terminate(): ws sees 1006', async () => {
    server = await startServer();
    const { client, ws } = await connectPair(server);
    const clientClosed = wsClosed(client);
    const serverClosed = next(ws, 'close');
    ws.terminate();
    expect((await clientClosed).code).toBe(1006);
    const event = await serverClosed;
    expect([event.code, event.wasClean]).toEqual([1006, false]);
  });

  test('a ws client that goes away without a close frame gives 1006 on the server', async () => {
    server = await startServer();
    const { client, ws } = await connectPair(server);
    const serverClosed = next(ws, 'close');
    client.terminate();
    const event = await serverClosed;
    expect([event.code, event.reason, event.wasClean]).toEqual([1006, '', false]);
  });

  test('the ping option keeps a ws client (which answers pings) connected', async () => {
    server = await startServer({ options: { ping: 0.05 } });
    const { client, ws } = await connectPair(server);
    let pings = 0;
    client.on('ping', () => pings++);
    const errors: string[] = [];
    ws.on('error', (event) => errors.push((event.error as { code?: string }).code ?? '?'));
    for (let i = 0; i < 5; i++) await nextEmit(client, 'ping');
    expect(pings).toBe(5);
    expect(ws.readyState).toBe(WebSocket.OPEN);
    expect(errors).not.toContain(ErrorCode.PING_TIMEOUT);
  });
});

/**
 * send(): what it accepts, queueing before open, its return value, `drain`, and bufferedAmount.
 */
import WS from 'ws';
import { ArgumentError, WebSocket, type SendData } from '../../src/index.js';
import { cleanup, connectPair, next, nextEmit, startServer, tcpOf, within, wsClient } from './helpers.js';

afterEach(cleanup);

type Received = { data: Buffer; isBinary: boolean };

function collect(client: WS): Received[] {
  const got: Received[] = [];
  client.on('message', (data, isBinary) => got.push({ data: data as Buffer, isBinary }));
  return got;
}

function until(client: WS, got: Received[], count: number, ms = 5000): Promise<void> {
  return within(
    new Promise<void>((resolve) => {
      if (got.length >= count) return resolve();
      const check = (): void => {
        if (got.length < count) return;
        client.off('message', check);
        resolve();
      };
      client.on('message', check);
    }),
    `${count} messages (got ${got.length})`,
    ms,
  );
}

describe('send() before open', () => {
  test('is queued, counted in bufferedAmount, delivered after open in call order, then drain', async () => {
    const seen: Array<string | number | boolean> = [];
    const server = await startServer({
      setup: (ws) => {
        const before = ws.bufferedAmount;
        seen.push(ws.send('first'));
        seen.push(ws.send(Buffer.from([1, 2, 3])));
        seen.push(ws.bufferedAmount - before);
        ws.on('open', () => {
          seen.push('open');
          seen.push(ws.send('from open'));
        });
        ws.on('drain', () => seen.push('drain'));
      },
    });
    const client = wsClient(server.url);
    const got = collect(client);
    const ws = await server.accept();
    await until(client, got, 3);
    if (!seen.includes('drain')) await next(ws, 'drain');
    expect(got.map(({ data, isBinary }) => [isBinary, isBinary ? [...data] : data.toString()])).toEqual([
      [false, 'first'],
      [true, [1, 2, 3]],
      [false, 'from open'],
    ]);
    expect(seen).toEqual([false, false, 8, 'open', true, 'drain']);
    expect(ws.bufferedAmount).toBe(0);
  });
});

describe('what send() accepts', () => {
  test('strings as text; Buffer, ArrayBuffer, typed arrays, DataView and byte arrays as binary', async () => {
    const server = await startServer();
    const { client, ws } = await connectPair(server);
    const got = collect(client);
    const backing = new Uint8Array([0, 10, 11, 12, 13, 0]);
    const u16 = new Uint16Array([0x0102, 0xfffe]);
    const inputs: Array<[SendData, boolean, number[] | string]> = [
      ['text ✓', false, 'text ✓'],
      [Buffer.from([1, 2, 3]), true, [1, 2, 3]],
      [new Uint8Array([4, 5]).buffer, true, [4, 5]],
      [backing.subarray(1, 5), true, [10, 11, 12, 13]],
      [new DataView(backing.buffer, 2, 3), true, [11, 12, 13]],
      [u16, true, [...new Uint8Array(u16.buffer)]],
      [[0, 127, 128, 255], true, [0, 127, 128, 255]],
      [[], true, []],
      [Buffer.alloc(20000, 7), true, Array<number>(20000).fill(7)],
    ];
    // All in one turn: the last one takes the batch past the socket's 16 KiB high-water mark.
    expect(inputs.map(([data]) => ws.send(data))).toEqual([true, true, true, true, true, true, true, true, false]);
    await until(client, got, inputs.length);
    expect(got.map(({ data, isBinary }) => [isBinary, isBinary ? [...data] : data.toString()])).toEqual(
      inputs.map(([, isBinary, expected]) => [isBinary, expected]),
    );
  });

  test.each([
    ['a byte of 300', [1, 300]],
    ['a negative byte', [-1]],
    ['a fraction', [1.5]],
    ['a string in the array', ['a']],
  ])('an array with %s throws ArgumentError and sends nothing', async (_name, bad) => {
    const server = await startServer();
    const { client, ws } = await connectPair(server);
    const got = collect(client);
    let thrown: unknown;
    try {
      ws.send(bad as unknown as number[]);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ArgumentError);
    expect(thrown).toBeInstanceOf(TypeError);
    expect((thrown as ArgumentError).code).toBe('ERR_INVALID_SEND_DATA');
    // The connection is unharmed: the next message is the first the peer sees.
    expect(ws.send('after')).toBe(true);
    await until(client, got, 1);
    expect(got.map(({ data }) => data.toString())).toEqual(['after']);
    expect(ws.readyState).toBe(WebSocket.OPEN);
  });

  test('a value that is not data throws ArgumentError, also before open', async () => {
    const thrownBeforeOpen: unknown[] = [];
    const server = await startServer({
      setup: (ws) => {
        try {
          ws.send([256]);
        } catch (error) {
          thrownBeforeOpen.push(error);
        }
      },
    });
    const { ws } = await connectPair(server);
    expect(thrownBeforeOpen).toHaveLength(1);
    expect(thrownBeforeOpen[0]).toBeInstanceOf(ArgumentError);
    expect(() => ws.send(42 as unknown as string)).toThrow(ArgumentError);
    expect(() => ws.send({} as unknown as string)).toThrow(ArgumentError);
    expect(() => ws.send(null as unknown as string)).toThrow(ArgumentError);
  });
});

describe('backpressure', () => {
  const CHUNK = 8 * 1024;
  const FRAME = CHUNK + 4; // 2-byte header + 16-bit extended length

  test('send() returns false once the peer stops reading; bufferedAmount grows; drain follows; it falls to 0', async () => {
    const server = await startServer();
    const { client, ws } = await connectPair(server);
    let received = 0;
    client.on('message', () => received++);
    tcpOf(client).pause();
    const chunk = Buffer.alloc(CHUNK, 0x61);
    let sent = 0;
    let accepted = true;
    // One message per turn, so that whatever the kernel takes leaves before the next send.
    while (accepted) {
      accepted = ws.send(chunk);
      sent++;
      if (sent > 8192) throw new Error('send() never returned false with the peer not reading (64 MiB)');
      if (accepted) await new Promise((resolve) => setImmediate(resolve));
    }
    const afterFalse = ws.bufferedAmount;
    expect(afterFalse).toBeGreaterThanOrEqual(FRAME);
    // More sends in the same turn are all still buffered, byte for byte.
    for (let i = 0; i < 4; i++) expect(ws.send(chunk)).toBe(false);
    sent += 4;
    expect(ws.bufferedAmount).toBe(afterFalse + 4 * FRAME);
    // Still blocked a turn later: the bytes sit in the socket's buffer.
    await new Promise((resolve) => setImmediate(resolve));
    expect(ws.bufferedAmount).toBeGreaterThan(0);

    const drained = next(ws, 'drain');
    tcpOf(client).resume();
    await drained;
    expect(ws.bufferedAmount).toBe(0);
    expect(ws.send(chunk)).toBe(true);
    sent++;
    await within(
      new Promise<void>((resolve) => {
        const check = (): void => {
          if (received === sent) resolve();
        };
        check();
        client.on('message', check);
      }),
      'every message at the client',
    );
    expect(received).toBe(sent);
  });

  test('a message larger than the socket buffer returns false and drain follows', async () => {
    const server = await startServer();
    const { client, ws } = await connectPair(server);
    const message = nextEmit<[Buffer, boolean]>(client, 'message');
    const drained = next(ws, 'drain');
    expect(ws.send(Buffer.alloc(1024 * 1024, 1))).toBe(false);
    expect(ws.bufferedAmount).toBe(1024 * 1024 + 10);
    await drained;
    expect(ws.bufferedAmount).toBe(0);
    const [data, isBinary] = await message;
    expect([data.length, isBinary]).toEqual([1024 * 1024, true]);
  });

  test('no drain without a false first', async () => {
    const server = await startServer();
    const { client, ws } = await connectPair(server);
    let drains = 0;
    ws.on('drain', () => drains++);
    expect(ws.send('small')).toBe(true);
    await nextEmit(client, 'message');
    // An echo round trip later, still none.
    const pong = nextEmit(client, 'pong');
    client.ping();
    await pong;
    expect(drains).toBe(0);
  });
});

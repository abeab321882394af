/**
 * `maxBuffered` (api.md "Flow control and limits"): a `send()` that would leave more than
 * `maxBuffered` bytes waiting fails the connection once, with one `WS_ERR_BUFFER_OVERFLOW` error
 * and one close event (1008, not clean), and the socket is dropped at once. And a client flooded
 * with pings by a server that does not read answers only the latest (RFC 6455 §5.5.3), so its
 * pongs cannot pile up.
 */
import { createHash } from 'node:crypto';
import * as net from 'node:net';
import { ArgumentError, Client, ErrorCode, WebSocket, type CloseEvent, type ErrorEvent } from '../../src/index.js';
import { cleanup, connectPair, next, startServer, within } from '../session/helpers';
import { startEchoServer, type EchoServer } from '../helpers/echo-server';

afterEach(cleanup);

/** The events of `ws` from now on, with the codes they carry. */
function record(ws: WebSocket | Client): string[] {
  const log: string[] = [];
  ws.on('error', (e: ErrorEvent) => log.push(`error ${(e.error as { code?: string }).code}`));
  ws.on('close', (e: CloseEvent) => log.push(`close ${e.code} ${e.wasClean}`));
  return log;
}

test('a send() past maxBuffered drops the connection: one error, one close with 1008, the peer sees TCP close', async () => {
  const server = await startServer({ options: { maxBuffered: 256 * 1024 } });
  const { client, ws } = await connectPair(server);
  // The peer stops reading, so what the server sends stays in the server's buffers.
  (client as unknown as { _socket: net.Socket })._socket.pause();
  const log = record(ws);
  const peerClosed = new Promise<void>((resolve) => client.once('close', () => resolve()));
  const chunk = Buffer.alloc(16 * 1024, 0x62);
  let sent = 0;
  while (ws.readyState === ws.OPEN && sent < 1000) {
    ws.send(chunk);
    sent++;
  }
  expect(ws.readyState).not.toBe(ws.OPEN);
  // 256 KiB hold 16 of these frames (header included); the 17th would go past.
  expect(sent).toBe(16);
  expect(ws.send(chunk)).toBe(false);
  await next(ws, 'close');
  expect(log).toEqual([`error ${ErrorCode.BUFFER_OVERFLOW}`, 'close 1008 false']);
  expect(ws.readyState).toBe(ws.CLOSED);
  expect(ws.bufferedAmount).toBe(0);
  await within(peerClosed, 'the peer to see the connection close');
});

test('a text is measured in UTF-8 bytes: one that fits goes out, one byte more fails', async () => {
  const server = await startServer({ options: { maxBuffered: 10 } });
  const { ws } = await connectPair(server);
  const log = record(ws);
  // Five two-byte characters are exactly 10 bytes (RFC 3629), ten UTF-16 units.
  ws.send('é'.repeat(5));
  expect(ws.readyState).toBe(ws.OPEN);
  // The frame waiting in the turn's batch counts: 10 bytes plus its 2-byte header.
  expect(ws.bufferedAmount).toBe(12);
  ws.send('x');
  expect(ws.readyState).toBe(ws.CLOSING);
  await next(ws, 'close');
  expect(log).toEqual([`error ${ErrorCode.BUFFER_OVERFLOW}`, 'close 1008 false']);
});

test('a client whose sends before open go past maxBuffered gives up the attempt: one error, one close 1008, no open', async () => {
  const echo: EchoServer = await startEchoServer();
  try {
    const client = new Client(echo.url, null, { maxBuffered: 1000 });
    const log = record(client);
    client.on('open', () => log.push('open'));
    client.send(Buffer.alloc(600));
    expect(client.bufferedAmount).toBe(600);
    client.send(Buffer.alloc(600));
    expect(client.readyState).toBe(client.CLOSING);
    await next(client, 'close');
    expect(log).toEqual([`error ${ErrorCode.BUFFER_OVERFLOW}`, 'close 1008 false']);
  } finally {
    await echo.close();
  }
});

test('maxBuffered takes a number of bytes >= 0 or Infinity; anything else throws an ArgumentError', async () => {
  const echo = await startEchoServer();
  try {
    for (const bad of [-1, Number.NaN, '1mb']) {
      expect(() => new Client(echo.url, null, { maxBuffered: bad as number })).toThrow(ArgumentError);
    }
    const unbounded = new Client(echo.url, null, { maxBuffered: Infinity });
    unbounded.send(Buffer.alloc(1024 * 1024));
    await next(unbounded, 'open');
    expect((await next(unbounded, 'message')).data).toHaveLength(1024 * 1024);
    unbounded.close();
    await next(unbounded, 'close');
  } finally {
    await echo.close();
  }
});

/** A server on a raw socket that answers the handshake, then floods pings and reads nothing until told. */
async function pingFloodServer(): Promise<{ port: number; connection: Promise<net.Socket>; close(): void }> {
  const sockets = new Set<net.Socket>();
  let accept!: (socket: net.Socket) => void;
  const connection = new Promise<net.Socket>((resolve) => (accept = resolve));
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    socket.once('data', (head: Buffer) => {
      const key = /sec-websocket-key: *(\S+)/i.exec(head.toString('latin1'))![1]!;
      const accepted = createHash('sha1').update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
      socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accepted}\r\n\r\n`);
      socket.pause();
      accept(socket);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    connection,
    close: () => {
      for (const socket of sockets) socket.destroy();
      server.close();
    },
  };
}

/** An unmasked ping (server to client) whose payload is `n` as 8 bytes. */
function ping(n: number): Buffer {
  const frame = Buffer.alloc(10);
  frame[0] = 0x89;
  frame[1] = 8;
  frame.writeBigUInt64BE(BigInt(n), 2);
  return frame;
}

test('a client flooded with pings by a server that does not read answers only the latest: its pongs stay bounded', async () => {
  const flood = await pingFloodServer();
  try {
    const client = new Client(`ws://127.0.0.1:${flood.port}/`);
    let pings = 0;
    client.on('ping', () => pings++);
    await next(client, 'open');
    const socket = await flood.connection;
    // 4 MB of pings in 64 KiB writes; each would be answered by a 14-byte masked pong.
    const PINGS = 400_000;
    let largestBuffered = 0;
    for (let start = 0; start < PINGS; start += 6553) {
      const count = Math.min(6553, PINGS - start);
      const accepted = socket.write(Buffer.concat(Array.from({ length: count }, (_, i) => ping(start + i))));
      largestBuffered = Math.max(largestBuffered, client.bufferedAmount);
      if (!accepted) await within(new Promise((resolve) => socket.once('drain', resolve)), 'the client to read the pings');
    }
    await within(new Promise<void>((resolve) => {
      const check = (): void => (pings === PINGS ? resolve() : void setImmediate(check));
      check();
    }), 'the client to read every ping');
    largestBuffered = Math.max(largestBuffered, client.bufferedAmount);
    // Answering every ping would have queued 400,000 x 14 = 5.6 MB behind the unread socket.
    expect(largestBuffered).toBeLessThan(1024 * 1024);
    // Reading again, the server gets pongs, the last one for the latest ping (RFC 6455 §5.5.3).
    const received: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => received.push(chunk));
    socket.resume();
    await within(new Promise<void>((resolve) => {
      const check = (): void => {
        const bytes = Buffer.concat(received);
        // A masked pong with an 8-byte payload is 14 bytes: 2 header, 4 mask key, 8 payload.
        if (bytes.length >= 14 && bytes.length % 14 === 0) {
          const last = bytes.subarray(bytes.length - 14);
          const payload = Buffer.from(last.subarray(6).map((byte, i) => byte ^ last[2 + (i % 4)]!));
          if (payload.readBigUInt64BE(0) === BigInt(PINGS - 1)) return resolve();
        }
        setTimeout(check, 10);
      };
      check();
    }), 'the pong for the latest ping');
    expect(Buffer.concat(received).length / 14).toBeLessThan(PINGS);
    client.terminate();
    await next(client, 'close');
  } finally {
    flood.close();
  }
}, 30000);

/**
 * Peers that never read (api.md "Flow control and limits"): a naive echo server, in a child
 * process whose RSS is measured, against a peer flooding pings and one flooding messages while
 * reading nothing. While the server's socket holds more than its high-water mark of our bytes,
 * the server stops reading, so TCP slows the peer down instead of the pongs and echoes growing
 * the server's memory; a peer that reads normally gets every pong, however many pings it sends.
 */
import { encodeFrame, Op } from '../conformance/frame-encoder';
import { startChildServer, type ChildServer } from './child-server';
import { connectRawPeer, type RawPeer } from './raw-peer';

const MIB = 1024 * 1024;
/** `FLOOD_MS` (and `FLOOD_REPORT=1` to print what was measured) for a longer run by hand. */
const FLOOD_MS = Number(process.env.FLOOD_MS ?? 3000);
/**
 * What the server may grow by in a flood: a socket's high-water mark and one read's worth of
 * replies are a few hundred KiB; the rest is room for the allocator and the JIT. Without the
 * flow control, the same floods grow it by hundreds of MiB in these 3 s.
 */
const GROWTH_BOUND = 24 * MIB;

let server: ChildServer | null = null;
let peer: RawPeer | null = null;

afterEach(() => {
  peer?.close();
  server?.stop();
  peer = null;
  server = null;
});

/** `count` frames in one buffer. */
function repeated(frame: Buffer, count: number): Buffer {
  return Buffer.concat(Array.from({ length: count }, () => frame));
}

test('a peer that floods 125-byte pings and never reads cannot grow the server past the bound', async () => {
  server = await startChildServer();
  peer = await connectRawPeer(server.port);
  const before = await server.sample();
  const written = await peer.flood(repeated(encodeFrame({ opcode: Op.PING, payload: Buffer.alloc(125, 0x70) }), 500), FLOOD_MS);
  const after = await server.sample();
  if (process.env.FLOOD_REPORT) console.log('ping flood', { written, pings: after.pings, growth: after.rss - before.rss });
  // The server read pings until our pongs filled the socket, then stopped: the peer is held back.
  expect(after.pings).toBeGreaterThan(0);
  expect(after.pings * 131).toBeLessThan(written);
  expect(after.rss - before.rss).toBeLessThan(GROWTH_BOUND);
  // Held back, not dropped: the connection is still open.
  expect(after.closes).toEqual([]);
}, 20000);

test('a peer that sends 64 KiB messages and never reads the echoes cannot grow the server past the bound', async () => {
  server = await startChildServer();
  peer = await connectRawPeer(server.port);
  const before = await server.sample();
  const written = await peer.flood(encodeFrame({ opcode: Op.BINARY, payload: Buffer.alloc(64 * 1024, 0x61) }), FLOOD_MS);
  const after = await server.sample();
  if (process.env.FLOOD_REPORT) console.log('echo flood', { written, messages: after.messages, growth: after.rss - before.rss });
  expect(after.messages).toBeGreaterThan(0);
  expect(after.messages * 64 * 1024).toBeLessThan(written);
  expect(after.rss - before.rss).toBeLessThan(GROWTH_BOUND);
  expect(after.closes).toEqual([]);
}, 20000);

test('a peer that reads normally gets 500 pongs for 500 pings in one write, in order, and stays connected', async () => {
  server = await startChildServer();
  const reader = (peer = await connectRawPeer(server.port, { read: true }));
  const pings = Array.from({ length: 500 }, (_, i) => encodeFrame({ opcode: Op.PING, payload: Buffer.alloc(125, i % 256) }));
  reader.socket.write(Buffer.concat(pings));
  // An unmasked pong with a 125-byte payload is 127 bytes on the wire (RFC 6455 §5.2).
  const expected = 500 * 127;
  await new Promise<void>((resolve, reject) => {
    const total = (): number => reader.received.reduce((n, b) => n + b.length, 0);
    if (total() >= expected) return resolve();
    reader.socket.on('data', () => total() >= expected && resolve());
    reader.socket.once('close', () => reject(new Error(`closed after ${total()} bytes`)));
  });
  const bytes = Buffer.concat(reader.received);
  expect(bytes.length).toBe(expected);
  for (let i = 0; i < 500; i++) {
    const frame = bytes.subarray(i * 127, (i + 1) * 127);
    expect([frame[0], frame[1]]).toEqual([0x80 | Op.PONG, 125]);
    expect(frame.subarray(2).equals(Buffer.alloc(125, i % 256))).toBe(true);
  }
  expect((await server.sample()).closes).toEqual([]);
}, 20000);

test('a Hub subscriber that never reads is dropped at its maxBuffered; the reading one gets every event; the server stays bounded', async () => {
  server = await startChildServer({ hub: true, maxBuffered: 4 * MIB });
  const stalled = (peer = await connectRawPeer(server.port));
  const reader = await connectRawPeer(server.port, { read: true });
  try {
    const before = await server.sample();
    const frame = 16 * 1024 + 4;
    const received = (): number => reader.received.reduce((n, b) => n + b.length, 0);
    const readerHas = (bytes: number): Promise<void> =>
      new Promise((resolve) => {
        const check = (): void => void (received() >= bytes && (reader.socket.off('data', check), resolve()));
        reader.socket.on('data', check);
        check();
      });
    // 4,000 events of 16 KiB (64 MB for each subscriber, far past what the stalled one's socket
    // takes), in batches of 100 that the reader takes before the next: it never falls 4 MiB behind.
    let subscribers = 0;
    for (let batch = 1; batch <= 40; batch++) {
      subscribers = (await server.publish(100, 16 * 1024)).subscribers;
      await readerHas(batch * 100 * frame);
    }
    const after = await server.sample();
    if (process.env.FLOOD_REPORT) console.log('hub flood', { growth: after.rss - before.rss, closes: after.closes });
    // The stalled one was dropped (1008) once 4 MiB waited for it; the reader is still subscribed.
    expect(after.closes).toEqual([1008]);
    expect(subscribers).toBe(1);
    // The stalled one may hold its maxBuffered, and 64 MB of frames went through the heap for the
    // reader: the run grows the server by 38-39 MB here, and by 80 MB without the bound (maxBuffered
    // 1 GiB). The limit sits between the two, well clear of both.
    expect(after.rss - before.rss).toBeLessThan(56 * MIB);
    // Every event reached the reader, and nothing more: 4,000 frames with a 4-byte header (RFC 6455 §5.2).
    expect(received()).toBe(4000 * frame);
    // The stalled peer sees its connection dropped once it reads again.
    stalled.socket.resume();
    await new Promise((resolve) => (stalled.socket.destroyed ? resolve(null) : stalled.socket.once('close', resolve)));
  } finally {
    reader.close();
  }
}, 30000);

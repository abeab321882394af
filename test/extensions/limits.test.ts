/**
 * permessage-deflate under hostile or heavy input, on real sockets: a decompression bomb is
 * stopped with 1009 after about `maxLength` bytes of output (counted at the zlib stream itself)
 * and without the process's memory growing anywhere near the bomb's size; bad compressed data
 * and bad UTF-8 after inflation are 1007; the process-wide zlib limit really bounds the zlib
 * jobs in flight; and many pipelined messages of mixed sizes keep their order.
 */
import * as zlib from 'node:zlib';
import { performance } from 'node:perf_hooks';
import { permessageDeflate, setZlibConcurrency } from '../../src/index.js';
import { useEchoServer } from '../conformance/harness';
import { Op, type FrameSpec } from '../conformance/frame-encoder';
import { RawClient } from '../conformance/raw-client';
import { compressedFrames, deflateMessage, expectInflatedMessage, MessageDeflater, MessageInflater, TRAILER } from '../conformance/deflate-peer';
import { binaryOf, textOf } from './payloads';

const KIB = 1024;
const MIB = 1024 * KIB;
const PMD = 'permessage-deflate';

// The module object itself (the import above is a read-only view of it), to wrap its factories.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const zlibModule = require('node:zlib') as typeof zlib;

/** Replaces a (read-only but configurable) export of node:zlib; returns the undo. */
function replaceExport<K extends 'createInflateRaw' | 'createDeflateRaw'>(key: K, value: (typeof zlib)[K]): () => void {
  const original = Object.getOwnPropertyDescriptor(zlibModule, key)!;
  Object.defineProperty(zlibModule, key, { ...original, value });
  return () => Object.defineProperty(zlibModule, key, original);
}

/**
 * Counts what the library's own zlib streams do (those created from src/extensions/, not the
 * test client's): bytes inflated, and jobs (first write → flush callback) in flight.
 */
class ZlibWatch {
  inflated = 0;
  active = 0;
  maxActive = 0;
  private readonly undo: Array<() => void> = [];

  constructor() {
    const original = { inflate: zlibModule.createInflateRaw, deflate: zlibModule.createDeflateRaw };
    this.undo.push(replaceExport('createInflateRaw', (options) => this.watchIfOurs(original.inflate(options), true)));
    this.undo.push(replaceExport('createDeflateRaw', (options) => this.watchIfOurs(original.deflate(options), false)));
  }

  private watchIfOurs<T extends zlib.InflateRaw | zlib.DeflateRaw>(stream: T, inflate: boolean): T {
    const caller = new Error().stack ?? '';
    return /src[\\/]extensions[\\/]/.test(caller) ? this.watch(stream, inflate) : stream;
  }

  private watch<T extends zlib.InflateRaw | zlib.DeflateRaw>(stream: T, inflate: boolean): T {
    if (inflate) stream.on('data', (chunk: Buffer) => (this.inflated += chunk.length));
    let inJob = false;
    const write = stream.write.bind(stream) as (...args: unknown[]) => boolean;
    const flush = stream.flush.bind(stream) as (...args: unknown[]) => void;
    const end = (): void => {
      if (!inJob) return;
      inJob = false;
      this.active--;
    };
    (stream as { write: unknown }).write = (...args: unknown[]): boolean => {
      if (!inJob) {
        inJob = true;
        this.active++;
        this.maxActive = Math.max(this.maxActive, this.active);
      }
      return write(...args);
    };
    (stream as { flush: unknown }).flush = (...args: unknown[]): void => {
      const callback = typeof args[args.length - 1] === 'function' ? (args.pop() as () => void) : undefined;
      flush(...args, () => {
        end();
        callback?.();
      });
    };
    // A stream closed mid-job (a bomb cut short) ends its job too.
    stream.once('close', end);
    return stream;
  }

  restore(): void {
    for (const undo of this.undo.splice(0)) undo();
  }
}

/** 64 MiB of zeros deflated with a sync flush (about 64 KiB), built without holding 64 MiB. */
async function makeBomb(): Promise<Buffer> {
  const deflate = zlib.createDeflateRaw({ level: 9 });
  const chunks: Buffer[] = [];
  deflate.on('data', (c: Buffer) => chunks.push(c));
  const zeros = Buffer.alloc(MIB);
  for (let i = 0; i < 64; i++) deflate.write(zeros);
  await new Promise<void>((resolve) => deflate.flush(zlib.constants.Z_SYNC_FLUSH, () => resolve()));
  deflate.close();
  const out = Buffer.concat(chunks);
  expect(out.subarray(-4)).toEqual(TRAILER);
  return out.subarray(0, out.length - 4);
}

describe('a decompression bomb against maxLength: 1 MiB', () => {
  const srv = useEchoServer({ extensions: [permessageDeflate({ threshold: 0 })], maxLength: MIB });
  let bomb: Buffer;
  let watch: ZlibWatch | null = null;

  beforeAll(async () => {
    bomb = await makeBomb();
  });
  afterEach(() => {
    watch?.restore();
    watch = null;
  });

  test('the bomb is what it claims: 64 MiB from about 64 KiB', () => {
    expect(bomb.length).toBeLessThan(80 * KIB);
    expect(zlib.inflateRawSync(Buffer.concat([bomb, TRAILER]), { finishFlush: zlib.constants.Z_SYNC_FLUSH }).length).toBe(64 * MIB);
  });

  async function detonate(frames: FrameSpec[], before?: (c: RawClient) => Promise<void>): Promise<void> {
    watch = new ZlibWatch();
    const c = await RawClient.connect(srv.port, { extensions: PMD });
    await before?.(c);
    const inflatedBefore = watch.inflated;
    global.gc?.();
    const baseline = process.memoryUsage();
    let peakArrayBuffers = baseline.arrayBuffers;
    let peakRss = baseline.rss;
    const sampler = setInterval(() => {
      const now = process.memoryUsage();
      peakArrayBuffers = Math.max(peakArrayBuffers, now.arrayBuffers);
      peakRss = Math.max(peakRss, now.rss);
    }, 1);
    const started = performance.now();
    try {
      await c.sendFrames(frames);
      await c.expectClose(1009, { timeoutMs: 2000 });
    } finally {
      clearInterval(sampler);
    }
    const elapsed = performance.now() - started;
    const end = process.memoryUsage();
    peakArrayBuffers = Math.max(peakArrayBuffers, end.arrayBuffers);
    peakRss = Math.max(peakRss, end.rss);
    c.assertDone();
    // Stopped after about maxLength of output: one more 16 KiB zlib chunk at most, not 64 MiB.
    const inflated = watch.inflated - inflatedBefore;
    expect(inflated).toBeGreaterThan(MIB);
    expect(inflated).toBeLessThanOrEqual(MIB + 16 * KIB);
    expect(elapsed).toBeLessThan(1000);
    // Inflating it all would have taken 64 MiB of buffers; what is held stays near maxLength.
    expect(peakArrayBuffers - baseline.arrayBuffers).toBeLessThan(8 * MIB);
    expect(peakRss - baseline.rss).toBeLessThan(32 * MIB);
  }

  test('in one frame: closed with 1009 quickly, about 1 MiB inflated, memory flat', async () => {
    await detonate(compressedFrames(Op.BINARY, bomb));
  });

  test('as a text message in 4 KiB fragments: the same', async () => {
    await detonate(compressedFrames(Op.TEXT, bomb, 4 * KIB));
  });

  test('after a normal message, under context takeover: the same', async () => {
    const deflater = new MessageDeflater();
    await detonate(compressedFrames(Op.BINARY, bomb), async (c) => {
      await c.sendFrames(compressedFrames(Op.TEXT, await deflater.compress('warm-up')));
      await expectInflatedMessage(c, new MessageInflater(), 'text', 'warm-up');
    });
  });

  test('exactly maxLength inflated is delivered and echoed; one byte more is 1009', async () => {
    const ok = await RawClient.connect(srv.port, { extensions: PMD });
    const exact = Buffer.alloc(MIB, 0x61);
    await ok.sendFrames(compressedFrames(Op.BINARY, deflateMessage(exact)));
    await expectInflatedMessage(ok, new MessageInflater(), 'binary', exact, { compressed: true });
    await ok.closeCleanly();

    const over = await RawClient.connect(srv.port, { extensions: PMD });
    await over.sendFrames(compressedFrames(Op.BINARY, deflateMessage(Buffer.alloc(MIB + 1, 0x61))));
    await over.expectClose(1009);
    over.assertDone();
  });

  test('a compressed payload itself over maxLength is refused by its length, before any inflation', async () => {
    const c = await RawClient.connect(srv.port, { extensions: PMD });
    watch = new ZlibWatch();
    const incompressible = Buffer.from(binaryOf(0, 1)); // empty: only the header matters
    expect(incompressible.length).toBe(0);
    // A frame header announcing 1 MiB + 1 bytes: refused as soon as the header is read.
    await c.sendFrame({ opcode: Op.BINARY, rsv: 4, payload: Buffer.alloc(MIB + 1) });
    await c.expectClose(1009);
    expect(watch.inflated).toBe(0);
  });
});

describe('bad data after the extension', () => {
  const srv = useEchoServer({ extensions: [permessageDeflate({ threshold: 0 })] });

  test.each([
    ['an invalid block type', Buffer.from([0x07, 0x00])],
    ['a stored block whose length check fails', Buffer.from([0x00, 0x05, 0x00, 0x00, 0x00, 0x68, 0x65, 0x6c, 0x6c, 0x6f])],
    ['random bytes', Buffer.from('9f3ab2c4d5e6f708192a3b4c5d6e7f80ffeeddcc', 'hex')],
  ])('invalid compressed data (%s) → 1007', async (_why, payload) => {
    const c = await RawClient.connect(srv.port, { extensions: PMD });
    expect(() => zlib.inflateRawSync(Buffer.concat([payload, TRAILER]), { finishFlush: zlib.constants.Z_SYNC_FLUSH })).toThrow();
    await c.sendFrames(compressedFrames(Op.BINARY, payload));
    await c.expectClose(1007);
    c.assertDone();
  });

  test.each([
    ['a lone continuation byte', Buffer.from([0x80])],
    ['a truncated 2-byte sequence', Buffer.from('héllo', 'utf8').subarray(0, 2)],
    ['an overlong encoding', Buffer.from([0xc0, 0xaf])],
    ['a UTF-16 surrogate', Buffer.from([0xed, 0xa0, 0x80])],
    ['valid text then 0xff', Buffer.concat([Buffer.from('κόσμε '.repeat(1000)), Buffer.from([0xff])])],
  ])('a text message that is invalid UTF-8 after inflation (%s) → 1007', async (_why, bytes) => {
    const c = await RawClient.connect(srv.port, { extensions: PMD });
    await c.sendFrames(compressedFrames(Op.TEXT, deflateMessage(bytes), 7));
    await c.expectClose(1007);
    c.assertDone();
  });

  test('the same bytes as a binary message are fine: echoed', async () => {
    const c = await RawClient.connect(srv.port, { extensions: PMD });
    const bytes = Buffer.from([0xed, 0xa0, 0x80, 0xff]);
    await c.sendFrames(compressedFrames(Op.BINARY, deflateMessage(bytes)));
    await expectInflatedMessage(c, new MessageInflater(), 'binary', bytes);
    await c.closeCleanly();
  });
});

describe('the process-wide zlib limit (setZlibConcurrency)', () => {
  const srv = useEchoServer({ extensions: [permessageDeflate({ threshold: 0 })] });
  let watch: ZlibWatch | null = null;
  afterEach(() => {
    watch?.restore();
    watch = null;
    setZlibConcurrency(10);
  });

  const CONNECTIONS = 12;
  const PER_CONNECTION = 3;
  // 1 MiB of mostly zeros inflates in 64 zlib chunks, each a trip to the thread pool: long enough jobs to overlap.
  const message = (i: number, j: number): Buffer => Buffer.concat([Buffer.from(`connection ${i} message ${j} `), Buffer.alloc(MIB)]);

  /** Every connection sends its messages in one write, all connections in the same turn; every echo is checked. */
  async function burst(): Promise<number> {
    const clients = await Promise.all(Array.from({ length: CONNECTIONS }, () => RawClient.connect(srv.port, { extensions: PMD })));
    const frames = clients.map((_, i) => Array.from({ length: PER_CONNECTION }, (_, j) => compressedFrames(Op.BINARY, deflateMessage(message(i, j)))).flat());
    watch = new ZlibWatch();
    await Promise.all(clients.map((c, i) => c.sendFrames(frames[i]!)));
    await Promise.all(
      clients.map(async (c, i) => {
        const inflater = new MessageInflater();
        for (let j = 0; j < PER_CONNECTION; j++) await expectInflatedMessage(c, inflater, 'binary', message(i, j), { compressed: true, timeoutMs: 20000 });
      }),
    );
    const observed = watch.maxActive;
    await Promise.all(clients.map((c) => c.closeCleanly()));
    return observed;
  }

  test('with the limit at 2, never more than 2 zlib jobs run at once (and 2 do)', async () => {
    setZlibConcurrency(2);
    expect(await burst()).toBe(2);
  });

  test('with the limit at 5, at most 5', async () => {
    setZlibConcurrency(5);
    const observed = await burst();
    expect(observed).toBeLessThanOrEqual(5);
    expect(observed).toBeGreaterThan(2);
  });

  test('control: with the limit out of the way, the same burst runs more than 5 jobs at once', async () => {
    setZlibConcurrency(1000);
    expect(await burst()).toBeGreaterThan(5);
  });

  test('the limit is checked', () => {
    expect(() => setZlibConcurrency(0)).toThrow(RangeError);
    expect(() => setZlibConcurrency(1.5)).toThrow(RangeError);
    expect(() => permessageDeflate({ concurrency: 0 })).toThrow(RangeError);
  });
});

describe('order across many pipelined messages of mixed sizes', () => {
  const srv = useEchoServer({ extensions: [permessageDeflate({ threshold: 512 })] });
  afterEach(() => setZlibConcurrency(10));

  function mixed(seed: number, count: number): Array<{ text: boolean; data: Buffer; compress: boolean }> {
    const sizes = [0, 1, 100, 511, 512, 513, 4 * KIB, 64 * KIB, 256 * KIB];
    return Array.from({ length: count }, (_, i) => {
      const size = sizes[(i * 7 + seed) % sizes.length]!;
      const text = (i + seed) % 3 !== 0;
      return { text, data: text ? Buffer.from(textOf(size, i + seed)) : binaryOf(size, i + seed), compress: (i + seed) % 4 !== 0 };
    });
  }

  async function roundTrip(seed: number, count: number): Promise<void> {
    const c = await RawClient.connect(srv.port, { extensions: PMD });
    const deflater = new MessageDeflater();
    const messages = mixed(seed, count);
    const frames: FrameSpec[] = [];
    for (const m of messages) {
      const opcode = m.text ? Op.TEXT : Op.BINARY;
      if (m.compress) frames.push(...compressedFrames(opcode, await deflater.compress(m.data), m.data.length > 100 * KIB ? 16 * KIB : 0));
      else frames.push({ opcode, payload: m.data });
    }
    // Everything in one write, the close frame right behind the last message.
    await c.sendFrames([...frames, { opcode: Op.CLOSE, payload: Buffer.from([0x03, 0xe8]) }]);
    const inflater = new MessageInflater();
    for (const m of messages) {
      await expectInflatedMessage(c, inflater, m.text ? 'text' : 'binary', m.data, { compressed: m.data.length >= 512, timeoutMs: 20000 });
    }
    await c.expectClose(1000);
    c.assertDone();
  }

  test('300 messages, compressed (context takeover) and not, 0 B to 256 KiB, then a close: all echoed in order before the close', async () => {
    await roundTrip(1, 300);
  });

  test('a flood of 2,000 small compressed messages pauses reading while the pipeline is full, then resumes', async () => {
    const calls: string[] = [];
    let reading: import('node:net').Socket | null = null;
    const onUpgrade = (_req: unknown, socket: import('node:net').Socket): void => {
      reading = socket;
      for (const name of ['pause', 'resume'] as const) {
        const original = socket[name].bind(socket);
        socket[name] = (() => {
          calls.push(name);
          return original();
        }) as never;
      }
    };
    srv.server.server.prependListener('upgrade', onUpgrade);
    try {
      setZlibConcurrency(1);
      const c = await RawClient.connect(srv.port, { extensions: PMD });
      const messages = Array.from({ length: 2000 }, (_, i) => `message ${i}`);
      await c.sendFrames(messages.flatMap((m) => compressedFrames(Op.TEXT, deflateMessage(m))));
      const inflater = new MessageInflater();
      for (const m of messages) await expectInflatedMessage(c, inflater, 'text', m, { compressed: false });
      expect(reading!.isPaused()).toBe(false);
      await c.closeCleanly();
      // Paused at least once on the way, and every pause followed by a resume.
      const pauses = calls.filter((call) => call === 'pause').length;
      expect(pauses).toBeGreaterThan(0);
      expect(calls.lastIndexOf('resume')).toBeGreaterThan(calls.lastIndexOf('pause'));
    } finally {
      srv.server.server.off('upgrade', onUpgrade);
    }
  });

  test('8 connections at once with the zlib limit at 1: each keeps its order', async () => {
    setZlibConcurrency(1);
    await Promise.all([2, 3, 4, 5, 6, 7, 8, 9].map((seed) => roundTrip(seed, 60)));
  });
});

/**
 * Autobahn category 9 (limits and performance), sized for a CI run: large single-frame messages
 * (9.1 text / 9.2 binary), 4 MiB in fragments of 64 B .. 4 MiB (9.3 / 9.4), 1 MiB written in
 * TCP chops of 64 .. 2048 B (9.5 / 9.6), and 100 sequential round trips (9.7 / 9.8, reduced from
 * Autobahn's 1000). Plus the library's maxLength limit: oversized messages fail with 1009.
 */
import { useEchoServer } from './harness';
import { encodeFrame, fragmentMessage, headerLength, Op } from './frame-encoder';
import type { MessageKind } from './raw-client';

const KiB = 1024;
const MiB = 1024 * KiB;
/** Generous bound for the largest echoes on a loaded CI machine. */
const BIG_TIMEOUT_MS = 20_000;
jest.setTimeout(60_000);

function payloadFor(kind: MessageKind, length: number): Buffer {
  return Buffer.alloc(length, kind === 'text' ? 0x2a /* '*' */ : 0xfe);
}

const opcodeFor = (kind: MessageKind): number => (kind === 'text' ? Op.TEXT : Op.BINARY);

describe('echo server with the default limits', () => {
  const srv = useEchoServer();

  describe.each([
    ['9.1', 'text' as MessageKind],
    ['9.2', 'binary' as MessageKind],
  ])('%s single %s messages', (group, kind) => {
    const sizes = [64 * KiB, 256 * KiB, 1 * MiB, 4 * MiB, 8 * MiB, 16 * MiB];
    test.each(sizes.map((size, i) => [`${group}.${i + 1}`, size] as const))(`%s ${kind} message of %i bytes is echoed`, async (_id, size) => {
      const c = await srv.connect();
      const payload = payloadFor(kind, size);
      await c.sendFrame({ opcode: opcodeFor(kind), payload });
      await c.expectEcho(kind, payload, BIG_TIMEOUT_MS);
      await c.closeCleanly();
      c.assertDone();
    });
  });

  describe.each([
    ['9.3', 'text' as MessageKind],
    ['9.4', 'binary' as MessageKind],
  ])('%s 4 MiB %s message in fragments', (group, kind) => {
    const fragmentSizes = [64, 256, KiB, 4 * KiB, 16 * KiB, 64 * KiB, 256 * KiB, MiB, 4 * MiB];
    test.each(fragmentSizes.map((size, i) => [`${group}.${i + 1}`, size] as const))(
      `%s 4 MiB ${kind} message in fragments of %i bytes is echoed`,
      async (_id, size) => {
        const c = await srv.connect();
        const payload = payloadFor(kind, 4 * MiB);
        await c.sendFrames(fragmentMessage(opcodeFor(kind), payload, size));
        await c.expectEcho(kind, payload, BIG_TIMEOUT_MS);
        await c.closeCleanly();
        c.assertDone();
      },
    );
  });

  describe.each([
    ['9.5', 'text' as MessageKind],
    ['9.6', 'binary' as MessageKind],
  ])('%s 1 MiB %s message written in TCP chops', (group, kind) => {
    const chopSizes = [64, 128, 256, 512, 1024, 2048];
    test.each(chopSizes.map((size, i) => [`${group}.${i + 1}`, size] as const))(
      `%s 1 MiB ${kind} message written in chops of %i bytes is echoed`,
      async (_id, size) => {
        const c = await srv.connect();
        const payload = payloadFor(kind, MiB);
        await c.sendFrame({ opcode: opcodeFor(kind), payload }, { chopSize: size });
        await c.expectEcho(kind, payload, BIG_TIMEOUT_MS);
        await c.closeCleanly();
        c.assertDone();
      },
    );
  });

  describe.each([
    ['9.7', 'text' as MessageKind],
    ['9.8', 'binary' as MessageKind],
  ])('%s sequential %s round trips', (group, kind) => {
    const sizes = [0, 16, 64, 256, KiB, 4 * KiB];
    test.each(sizes.map((size, i) => [`${group}.${i + 1}`, size] as const))(
      `%s 100 round trips of %i-byte ${kind} messages`,
      async (_id, size) => {
        const c = await srv.connect();
        for (let i = 0; i < 100; i++) {
          // Vary the content so a stale or duplicated echo cannot pass.
          const payload = payloadFor(kind, size);
          if (size > 0) payload[i % size] = kind === 'text' ? 0x30 + (i % 10) : i;
          await c.sendFrame({ opcode: opcodeFor(kind), payload });
          await c.expectEcho(kind, payload);
        }
        await c.closeCleanly();
        c.assertDone();
      },
    );
  });
});

describe('echo server with maxLength 1024', () => {
  const srv = useEchoServer({ maxLength: 1024 });

  test.each(['text', 'binary'] as MessageKind[])('9.ext.maxLength.1 a %s message of exactly 1024 bytes is echoed', async (kind) => {
    const c = await srv.connect();
    const payload = payloadFor(kind, 1024);
    await c.sendFrame({ opcode: opcodeFor(kind), payload });
    await c.expectEcho(kind, payload);
    await c.closeCleanly();
    c.assertDone();
  });

  test.each(['text', 'binary'] as MessageKind[])('9.ext.maxLength.2 1024 bytes of %s in 2 fragments are echoed', async (kind) => {
    const c = await srv.connect();
    const payload = payloadFor(kind, 1024);
    await c.sendFrames(fragmentMessage(opcodeFor(kind), payload, 512));
    await c.expectEcho(kind, payload);
    await c.closeCleanly();
    c.assertDone();
  });

  test.each(['text', 'binary'] as MessageKind[])('9.ext.maxLength.3 a %s message of 1025 bytes fails with 1009', async (kind) => {
    const c = await srv.connect();
    await c.sendFrame({ opcode: opcodeFor(kind), payload: payloadFor(kind, 1025) });
    await c.expectClose(1009);
    c.assertDone();
  });

  test.each(['text', 'binary'] as MessageKind[])('9.ext.maxLength.4 1025 bytes of %s in fragments of 512 + 513 fail with 1009', async (kind) => {
    const c = await srv.connect();
    const payload = payloadFor(kind, 1025);
    await c.sendFrames([
      { opcode: opcodeFor(kind), fin: false, payload: payload.subarray(0, 512) },
      { opcode: Op.CONTINUATION, fin: true, payload: payload.subarray(512) },
    ]);
    await c.expectClose(1009);
    c.assertDone();
  });

  test('9.ext.maxLength.5 a frame header announcing 1025 bytes fails with 1009 before the payload arrives (early rejection)', async () => {
    const c = await srv.connect();
    const frame = encodeFrame({ opcode: Op.BINARY, payload: payloadFor('binary', 1025) });
    await c.write(frame.subarray(0, headerLength(1025)));
    await c.expectClose(1009);
    c.assertDone();
  });

  test('9.ext.maxLength.6 a second fragment taking the total past 1024 fails with 1009 before its payload arrives (early rejection)', async () => {
    const c = await srv.connect();
    await c.sendFrame({ opcode: Op.TEXT, fin: false, payload: payloadFor('text', 1000) });
    await c.ping('barrier');
    await c.expectPong('barrier');
    const second = encodeFrame({ opcode: Op.CONTINUATION, fin: true, payload: payloadFor('text', 25) });
    await c.write(second.subarray(0, headerLength(25)));
    await c.expectClose(1009);
    c.assertDone();
  });
});

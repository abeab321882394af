/**
 * Autobahn category 9 against the client, sized for CI: large single-frame messages (9.1 text,
 * 9.2 binary, up to 16 MiB), 4 MiB in fragments of 64 B .. 4 MiB (9.3 / 9.4), 1 MiB written in
 * TCP chops of 64 .. 2048 B (9.5 / 9.6), and sequential round trips (9.7 / 9.8, 100 each instead
 * of Autobahn's 1000). Plus the client's maxLength: an oversized message fails with 1009.
 */
import { encodeFrame, fragmentMessage, headerLength, Op } from '../frame-encoder';
import { useClientHarness, type MessageKind } from './raw-server';

const KiB = 1024;
const MiB = 1024 * KiB;
const BIG_TIMEOUT_MS = 20_000;
jest.setTimeout(60_000);

const h = useClientHarness();

const payloadFor = (kind: MessageKind, length: number): Buffer => Buffer.alloc(length, kind === 'text' ? 0x2a : 0xfe);
const opcodeFor = (kind: MessageKind): number => (kind === 'text' ? Op.TEXT : Op.BINARY);

describe.each([
  ['9.1', 'text' as MessageKind],
  ['9.2', 'binary' as MessageKind],
])('client %s single %s messages', (group, kind) => {
  const sizes = [64 * KiB, 256 * KiB, MiB, 4 * MiB, 8 * MiB, 16 * MiB];
  test.each(sizes.map((size, i) => [`client ${group}.${i + 1}`, size] as const))(`%s a ${kind} message of %i bytes is echoed`, async (_id, size) => {
    const { peer, client } = await h.connect();
    const payload = payloadFor(kind, size);
    await peer.sendFrame({ opcode: opcodeFor(kind), payload });
    await peer.expectEcho(kind, payload, BIG_TIMEOUT_MS);
    await peer.closeCleanly();
    await client.expectClosed({ code: 1000, wasClean: true });
    peer.assertDone();
  });
});

describe.each([
  ['9.3', 'text' as MessageKind],
  ['9.4', 'binary' as MessageKind],
])('client %s 4 MiB %s message in fragments', (group, kind) => {
  const fragmentSizes = [64, 256, KiB, 4 * KiB, 16 * KiB, 64 * KiB, 256 * KiB, MiB, 4 * MiB];
  test.each(fragmentSizes.map((size, i) => [`client ${group}.${i + 1}`, size] as const))(
    `%s 4 MiB of ${kind} in fragments of %i bytes is echoed as one message`,
    async (_id, size) => {
      const { peer, client } = await h.connect();
      const payload = payloadFor(kind, 4 * MiB);
      await peer.sendFrames(fragmentMessage(opcodeFor(kind), payload, size));
      await peer.expectEcho(kind, payload, BIG_TIMEOUT_MS);
      await peer.closeCleanly();
      await client.expectClosed({ code: 1000, wasClean: true });
      peer.assertDone();
    },
  );
});

describe.each([
  ['9.5', 'text' as MessageKind],
  ['9.6', 'binary' as MessageKind],
])('client %s 1 MiB %s message written in TCP chops', (group, kind) => {
  const chopSizes = [64, 128, 256, 512, 1024, 2048];
  test.each(chopSizes.map((size, i) => [`client ${group}.${i + 1}`, size] as const))(
    `%s 1 MiB of ${kind} written in chops of %i bytes is echoed`,
    async (_id, size) => {
      const { peer, client } = await h.connect();
      const payload = payloadFor(kind, MiB);
      await peer.sendFrame({ opcode: opcodeFor(kind), payload }, { chopSize: size });
      await peer.expectEcho(kind, payload, BIG_TIMEOUT_MS);
      await peer.closeCleanly();
      await client.expectClosed({ code: 1000, wasClean: true });
      peer.assertDone();
    },
  );
});

describe.each([
  ['9.7', 'text' as MessageKind],
  ['9.8', 'binary' as MessageKind],
])('client %s sequential %s round trips', (group, kind) => {
  const sizes = [0, 16, 64, 256, KiB, 4 * KiB];
  test.each(sizes.map((size, i) => [`client ${group}.${i + 1}`, size] as const))(`%s 100 round trips of %i-byte ${kind} messages`, async (_id, size) => {
    const { peer, client } = await h.connect();
    for (let i = 0; i < 100; i++) {
      const payload = payloadFor(kind, size);
      if (size > 0) payload[i % size] = kind === 'text' ? 0x30 + (i % 10) : i;
      await peer.sendFrame({ opcode: opcodeFor(kind), payload });
      await peer.expectEcho(kind, payload);
    }
    await peer.closeCleanly();
    await client.expectClosed({ code: 1000, wasClean: true });
    peer.assertDone();
  });
});

describe('client 9.ext maxLength 1024', () => {
  const clientOptions = { maxLength: 1024 };

  test.each(['text', 'binary'] as MessageKind[])('client 9.ext.maxLength.1 a %s message of exactly 1024 bytes is echoed', async (kind) => {
    const { peer, client } = await h.connect({ clientOptions });
    const payload = payloadFor(kind, 1024);
    await peer.sendFrames(fragmentMessage(opcodeFor(kind), payload, 512));
    await peer.expectEcho(kind, payload);
    await peer.closeCleanly();
    await client.expectClosed({ code: 1000, wasClean: true });
    peer.assertDone();
  });

  test.each(['text', 'binary'] as MessageKind[])('client 9.ext.maxLength.2 a %s message of 1025 bytes fails with 1009', async (kind) => {
    const { peer, client } = await h.connect({ clientOptions });
    await peer.sendFrame({ opcode: opcodeFor(kind), payload: payloadFor(kind, 1025) });
    await peer.expectFailure(1009);
    await client.expectClosed({ code: 1009, wasClean: false, errors: ['WS_ERR_MESSAGE_TOO_BIG'] });
    peer.assertDone();
  });

  test('client 9.ext.maxLength.3 a frame header announcing 1025 bytes fails with 1009 before the payload arrives', async () => {
    const { peer, client } = await h.connect({ clientOptions });
    const frame = encodeFrame({ opcode: Op.BINARY, payload: payloadFor('binary', 1025), mask: false });
    await peer.write(frame.subarray(0, headerLength(1025, false)));
    await peer.expectFailure(1009);
    await client.expectClosed({ code: 1009, wasClean: false, errors: ['WS_ERR_MESSAGE_TOO_BIG'] });
    peer.assertDone();
  });
});

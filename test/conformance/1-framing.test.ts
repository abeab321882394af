/**
 * Autobahn category 1: text (1.1.x) and binary (1.2.x) messages at every payload-length
 * encoding boundary (7-bit, 16-bit, 64-bit), echoed byte for byte, then a clean close.
 */
import { useEchoServer } from './harness';
import type { MessageKind } from './raw-client';

const srv = useEchoServer();

const LENGTHS = [0, 125, 126, 127, 128, 65535, 65536];

function payloadFor(kind: MessageKind, length: number): Buffer {
  return Buffer.alloc(length, kind === 'text' ? 0x2a /* '*' */ : 0xfe);
}

describe.each([
  ['1.1', 'text' as MessageKind],
  ['1.2', 'binary' as MessageKind],
])('%s %s messages', (group, kind) => {
  test.each(LENGTHS.map((len, i) => [`${group}.${i + 1}`, len] as const))(
    `%s ${kind} payload of %i bytes is echoed`,
    async (_id, length) => {
      const c = await srv.connect();
      const payload = payloadFor(kind, length);
      if (kind === 'text') await c.sendText(payload);
      else await c.sendBinary(payload);
      await c.expectEcho(kind, payload);
      await c.closeCleanly();
      c.assertDone();
    },
  );

  test(`${group}.8 ${kind} payload of 65536 bytes written in 997-byte chops is echoed`, async () => {
    const c = await srv.connect();
    const payload = payloadFor(kind, 65536);
    const opcode = kind === 'text' ? 1 : 2;
    await c.sendFrame({ opcode, payload }, { chopSize: 997 });
    await c.expectEcho(kind, payload);
    await c.closeCleanly();
    c.assertDone();
  });
});

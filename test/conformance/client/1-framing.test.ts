/**
 * Autobahn category 1 against the client: the server sends text (1.1.x) and binary (1.2.x)
 * messages at every payload-length boundary; the client echoes each byte for byte (masked), then
 * the server closes cleanly.
 */
import { useClientHarness, type MessageKind } from './raw-server';

const h = useClientHarness();

const LENGTHS = [0, 125, 126, 127, 128, 65535, 65536];

describe.each([
  ['1.1', 'text' as MessageKind],
  ['1.2', 'binary' as MessageKind],
])('client %s %s messages', (group, kind) => {
  const payloadFor = (length: number): Buffer => Buffer.alloc(length, kind === 'text' ? 0x2a : 0xfe);

  test.each(LENGTHS.map((length, i) => [`client ${group}.${i + 1}`, length] as const))(
    `%s ${kind} payload of %i bytes is echoed`,
    async (_id, length) => {
      const { peer, client } = await h.connect();
      const payload = payloadFor(length);
      if (kind === 'text') await peer.sendText(payload);
      else await peer.sendBinary(payload);
      await peer.expectEcho(kind, payload);
      await peer.closeCleanly();
      await client.expectClosed({ code: 1000, wasClean: true });
      peer.assertDone();
    },
  );

  test(`client ${group}.8 ${kind} payload of 65536 bytes written in 997-byte chops is echoed`, async () => {
    const { peer, client } = await h.connect();
    const payload = payloadFor(65536);
    await peer.sendFrame({ opcode: kind === 'text' ? 1 : 2, payload }, { chopSize: 997 });
    await peer.expectEcho(kind, payload);
    await peer.closeCleanly();
    await client.expectClosed({ code: 1000, wasClean: true });
    peer.assertDone();
  });
});

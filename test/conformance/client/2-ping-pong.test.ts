/**
 * Autobahn category 2 against the client: server pings are answered with pongs carrying the
 * same payload, a ping over 125 bytes fails the connection (1002), unsolicited pongs are ignored.
 */
import { Op } from '../frame-encoder';
import { useClientHarness } from './raw-server';

const h = useClientHarness();

const BINARY = Buffer.from([0x00, 0xff, 0xfe, 0xfd, 0xfc, 0xfb, 0x00, 0xff]);
const OCTETS = { chopSize: 1, pauseMs: 1 };

describe('client 2 ping / pong', () => {
  test.each([
    ['client 2.1', 'no payload', Buffer.alloc(0)],
    ['client 2.2', 'a small text payload', Buffer.from('Hello, world!')],
    ['client 2.3', 'a small binary payload', BINARY],
    ['client 2.4', 'a 125-byte payload', Buffer.alloc(125, 0xfe)],
  ])('%s ping with %s is answered by a pong with the same payload', async (_id, _what, payload) => {
    const { peer, client } = await h.connect();
    await peer.ping(payload);
    await peer.expectPong(payload);
    await peer.closeCleanly();
    await client.expectClosed({ code: 1000, wasClean: true });
    peer.assertDone();
  });

  test('client 2.5 ping with a 126-byte payload fails the connection with 1002', async () => {
    const { peer, client } = await h.connect();
    await peer.ping(Buffer.alloc(126, 0xfe));
    await peer.expectFailure(1002);
    await client.expectClosed({ code: 1002, wasClean: false, errors: ['WS_ERR_INVALID_CONTROL_PAYLOAD_LENGTH'] });
    peer.assertDone();
  });

  test('client 2.6 a 125-byte ping written byte by byte is answered', async () => {
    const { peer, client } = await h.connect();
    const payload = Buffer.alloc(125, 0xfe);
    await peer.ping(payload, OCTETS);
    await peer.expectPong(payload);
    await peer.closeCleanly();
    await client.expectClosed({ code: 1000, wasClean: true });
    peer.assertDone();
  });

  test.each([
    ['client 2.7', ''],
    ['client 2.8', 'unsolicited pong payload'],
  ])('%s an unsolicited pong (%j) is ignored', async (_id, payload) => {
    const { peer, client } = await h.connect();
    await peer.pong(payload);
    // The next thing from the client must be its close reply: any answer to the pong fails this.
    await peer.closeCleanly();
    await client.expectClosed({ code: 1000, wasClean: true });
    peer.assertDone();
  });

  test('client 2.9 an unsolicited pong, then a ping: only the ping is answered', async () => {
    const { peer, client } = await h.connect();
    await peer.sendFrames([
      { opcode: Op.PONG, payload: 'unsolicited pong payload' },
      { opcode: Op.PING, payload: 'ping payload' },
    ]);
    await peer.expectPong('ping payload');
    await peer.closeCleanly();
    await client.expectClosed({ code: 1000, wasClean: true });
    peer.assertDone();
  });

  test.each([
    ['client 2.10', 'in one write', 'bulk' as const],
    ['client 2.11', 'byte by byte', OCTETS],
  ])('%s ten pings sent %s get ten pongs in order', async (_id, _how, mode) => {
    const { peer, client } = await h.connect();
    const payloads = Array.from({ length: 10 }, (_, i) => `payload-${i}`);
    await peer.sendFrames(payloads.map((payload) => ({ opcode: Op.PING, payload })), mode);
    for (const payload of payloads) await peer.expectPong(payload);
    await peer.closeCleanly();
    await client.expectClosed({ code: 1000, wasClean: true });
    peer.assertDone();
  });
});

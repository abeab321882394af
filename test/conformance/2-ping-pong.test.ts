/**
 * Autobahn category 2: pings are answered with pongs carrying the same payload, a ping with
 * more than 125 bytes fails the connection (1002), unsolicited pongs are ignored.
 */
import { useEchoServer } from './harness';
import { Op } from './frame-encoder';

const srv = useEchoServer();

const BINARY_PING = Buffer.from([0x00, 0xff, 0xfe, 0xfd, 0xfc, 0xfb, 0x00, 0xff]);

describe('2 ping / pong', () => {
  test('2.1 ping without payload is answered by an empty pong', async () => {
    const c = await srv.connect();
    await c.ping();
    await c.expectPong('');
    await c.closeCleanly();
    c.assertDone();
  });

  test('2.2 ping with a small text payload is answered with the same payload', async () => {
    const c = await srv.connect();
    await c.ping('Hello, world!');
    await c.expectPong('Hello, world!');
    await c.closeCleanly();
    c.assertDone();
  });

  test('2.3 ping with a small binary payload is answered with the same payload', async () => {
    const c = await srv.connect();
    await c.ping(BINARY_PING);
    await c.expectPong(BINARY_PING);
    await c.closeCleanly();
    c.assertDone();
  });

  test('2.4 ping with a 125-byte payload (the maximum) is answered', async () => {
    const c = await srv.connect();
    const payload = Buffer.alloc(125, 0xfe);
    await c.ping(payload);
    await c.expectPong(payload);
    await c.closeCleanly();
    c.assertDone();
  });

  test('2.5 ping with a 126-byte payload fails the connection with 1002', async () => {
    const c = await srv.connect();
    await c.ping(Buffer.alloc(126, 0xfe));
    await c.expectTcpDropOrClose(1002);
    c.assertDone();
  });

  test('2.6 125-byte ping written byte by byte is answered', async () => {
    const c = await srv.connect();
    const payload = Buffer.alloc(125, 0xfe);
    await c.ping(payload, { chopSize: 1, pauseMs: 1 });
    await c.expectPong(payload);
    await c.closeCleanly();
    c.assertDone();
  });

  test('2.7 unsolicited empty pong is ignored', async () => {
    const c = await srv.connect();
    await c.pong('');
    // closeCleanly requires the very next event to be the close frame: any reply would fail it.
    await c.closeCleanly();
    c.assertDone();
  });

  test('2.8 unsolicited pong with payload is ignored', async () => {
    const c = await srv.connect();
    await c.pong('unsolicited pong payload');
    await c.closeCleanly();
    c.assertDone();
  });

  test('2.9 unsolicited pong, then ping: only the ping is answered', async () => {
    const c = await srv.connect();
    await c.sendFrames([
      { opcode: Op.PONG, payload: 'unsolicited pong payload' },
      { opcode: Op.PING, payload: 'ping payload' },
    ]);
    await c.expectPong('ping payload');
    await c.closeCleanly();
    c.assertDone();
  });

  test('2.10 ten pings in one write get ten pongs in order', async () => {
    const c = await srv.connect();
    const payloads = Array.from({ length: 10 }, (_, i) => `payload-${i}`);
    await c.sendFrames(payloads.map((payload) => ({ opcode: Op.PING, payload })));
    for (const p of payloads) await c.expectPong(p);
    await c.closeCleanly();
    c.assertDone();
  });

  test('2.11 ten pings written byte by byte get ten pongs in order', async () => {
    const c = await srv.connect();
    const payloads = Array.from({ length: 10 }, (_, i) => `payload-${i}`);
    await c.sendFrames(
      payloads.map((payload) => ({ opcode: Op.PING, payload })),
      { chopSize: 1, pauseMs: 1 },
    );
    for (const p of payloads) await c.expectPong(p);
    await c.closeCleanly();
    c.assertDone();
  });
});

/**
 * Autobahn category 3: RSV1-3 set without a negotiated extension must fail the connection
 * (1002, or a TCP drop, which Autobahn also grades OK).
 *
 * 3.2-3.4 first send a good text message: echoing it before failing is OK, failing without
 * the echo is NON-STRICT; both are accepted here, and the grade is asserted to be one of them.
 */
import { noteGrade, useEchoServer } from './harness';
import { Op, type FrameSpec } from './frame-encoder';
import type { RawClient, SendMode } from './raw-client';

const srv = useEchoServer();

const MSG = 'Hello, world!';

/** The good message may be echoed (OK) or lost (NON-STRICT); after that, 1002 or a drop. */
async function expectOptionalEchoThenFail(c: RawClient): Promise<'OK' | 'NON-STRICT'> {
  const echoed = await c.maybeExpectMessage('text', MSG);
  await c.expectTcpDropOrClose(1002);
  c.assertDone();
  return echoed ? 'OK' : 'NON-STRICT';
}

describe('3 reserved bits', () => {
  test('3.1 text frame with rsv=1 fails with 1002', async () => {
    const c = await srv.connect();
    await c.sendFrame({ opcode: Op.TEXT, payload: MSG, rsv: 1 });
    await c.expectTcpDropOrClose(1002);
    c.assertDone();
  });

  const withFollowers = (rsv: number): FrameSpec[] => [
    { opcode: Op.TEXT, payload: MSG },
    { opcode: Op.TEXT, payload: MSG, rsv },
    { opcode: Op.PING, payload: MSG },
  ];

  test.each([
    ['3.2', 2, 'bulk' as SendMode],
    ['3.3', 3, 'per-frame' as SendMode],
    ['3.4', 4, { chopSize: 1, pauseMs: 1 } as SendMode],
  ])('%s text, then text with rsv=%i, then ping: fails with 1002 (echo of the first is OK or NON-STRICT)', async (_id, rsv, mode) => {
    const c = await srv.connect();
    await c.sendFrames(withFollowers(rsv), mode);
    noteGrade(await expectOptionalEchoThenFail(c));
  });

  test('3.5 binary frame with rsv=5 fails with 1002', async () => {
    const c = await srv.connect();
    await c.sendFrame({ opcode: Op.BINARY, payload: Buffer.from([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]), rsv: 5 });
    await c.expectTcpDropOrClose(1002);
    c.assertDone();
  });

  test('3.6 ping with rsv=6 fails with 1002 (no pong)', async () => {
    const c = await srv.connect();
    await c.sendFrame({ opcode: Op.PING, payload: MSG, rsv: 6 });
    await c.expectTcpDropOrClose(1002);
    c.assertDone();
  });

  test('3.7 close with rsv=7 fails with 1002', async () => {
    const c = await srv.connect();
    await c.sendFrame({ opcode: Op.CLOSE, payload: Buffer.from([0x03, 0xe8]), rsv: 7 });
    await c.expectTcpDropOrClose(1002);
    c.assertDone();
  });
});

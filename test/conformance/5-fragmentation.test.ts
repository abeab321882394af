/**
 * Autobahn category 5: fragmentation. Control frames must not be fragmented, continuation frames
 * need a message to continue, a new data frame may not start inside a fragmented message, and
 * control frames may be interleaved with (and must be answered in the middle of) a fragmented
 * message.
 */
import { noteGrade, useEchoServer } from './harness';
import { Op, type FrameSpec } from './frame-encoder';
import type { SendMode } from './raw-client';

const srv = useEchoServer();

const BULK: SendMode = 'bulk';
const PER_FRAME: SendMode = 'per-frame';
const OCTETS: SendMode = { chopSize: 1, pauseMs: 1 };

describe('5 fragmentation', () => {
  test('5.1 ping in 2 fragments fails with 1002', async () => {
    const c = await srv.connect();
    await c.sendFrames([
      { opcode: Op.PING, fin: false, payload: 'fragment1' },
      { opcode: Op.CONTINUATION, fin: true, payload: 'fragment2' },
    ]);
    await c.expectTcpDropOrClose(1002);
    c.assertDone();
  });

  test('5.2 pong in 2 fragments fails with 1002', async () => {
    const c = await srv.connect();
    await c.sendFrames([
      { opcode: Op.PONG, fin: false, payload: 'fragment1' },
      { opcode: Op.CONTINUATION, fin: true, payload: 'fragment2' },
    ]);
    await c.expectTcpDropOrClose(1002);
    c.assertDone();
  });

  const twoFragments: FrameSpec[] = [
    { opcode: Op.TEXT, fin: false, payload: 'fragment1' },
    { opcode: Op.CONTINUATION, fin: true, payload: 'fragment2' },
  ];

  test.each([
    ['5.3', 'in one write', BULK],
    ['5.4', 'frame by frame', PER_FRAME],
    ['5.5', 'octet by octet', OCTETS],
  ])('%s text in 2 fragments, sent %s, is echoed', async (_id, _how, mode) => {
    const c = await srv.connect();
    await c.sendFrames(twoFragments, mode);
    await c.expectText('fragment1fragment2');
    await c.closeCleanly();
    c.assertDone();
  });

  const withPing: FrameSpec[] = [
    { opcode: Op.TEXT, fin: false, payload: 'fragment1' },
    { opcode: Op.PING, payload: 'ping payload' },
    { opcode: Op.CONTINUATION, fin: true, payload: 'fragment2' },
  ];

  test.each([
    ['5.6', 'in one write', BULK],
    ['5.7', 'frame by frame', PER_FRAME],
    ['5.8', 'octet by octet', OCTETS],
  ])('%s text in 2 fragments with a ping in between, sent %s: pong, then the echo', async (_id, _how, mode) => {
    const c = await srv.connect();
    await c.sendFrames(withPing, mode);
    await c.expectPong('ping payload');
    await c.expectText('fragment1fragment2');
    await c.closeCleanly();
    c.assertDone();
  });

  test.each([
    ['5.9', true, 'in one write', BULK],
    ['5.10', true, 'frame by frame', PER_FRAME],
    ['5.11', true, 'octet by octet', OCTETS],
    ['5.12', false, 'in one write', BULK],
    ['5.13', false, 'frame by frame', PER_FRAME],
    ['5.14', false, 'octet by octet', OCTETS],
  ])('%s continuation (fin=%s) with nothing to continue, then text, sent %s: fails with 1002', async (_id, fin, _how, mode) => {
    const c = await srv.connect();
    await c.sendFrames(
      [
        { opcode: Op.CONTINUATION, fin, payload: 'non-continuation payload' },
        { opcode: Op.TEXT, payload: 'Hello, world!' },
      ],
      mode,
    );
    await c.expectTcpDropOrClose(1002);
    c.assertDone();
  });

  test('5.15 text in 2 fragments, then a continuation with nothing to continue: echo (OK or NON-STRICT), then 1002', async () => {
    const c = await srv.connect();
    await c.sendFrames([
      { opcode: Op.TEXT, fin: false, payload: 'fragment1' },
      { opcode: Op.CONTINUATION, fin: true, payload: 'fragment2' },
      { opcode: Op.CONTINUATION, fin: false, payload: 'fragment3' },
      { opcode: Op.TEXT, fin: true, payload: 'fragment4' },
    ]);
    const echoed = await c.maybeExpectMessage('text', 'fragment1fragment2');
    await c.expectTcpDropOrClose(1002);
    c.assertDone();
    noteGrade(echoed ? 'OK' : 'NON-STRICT');
  });

  test.each([
    ['5.16', false],
    ['5.17', true],
  ])('%s twice: continuation (fin=%s) with nothing to continue, then a 2-fragment text: fails with 1002', async (_id, fin) => {
    const c = await srv.connect();
    const round: FrameSpec[] = [
      { opcode: Op.CONTINUATION, fin, payload: 'fragment1' },
      { opcode: Op.TEXT, fin: false, payload: 'fragment2' },
      { opcode: Op.CONTINUATION, fin: true, payload: 'fragment3' },
    ];
    await c.sendFrames([...round, ...round]);
    await c.expectTcpDropOrClose(1002);
    c.assertDone();
  });

  test('5.18 text fragment followed by a text (not continuation) frame fails with 1002', async () => {
    const c = await srv.connect();
    await c.sendFrames([
      { opcode: Op.TEXT, fin: false, payload: 'fragment1' },
      { opcode: Op.TEXT, fin: true, payload: 'fragment2' },
    ]);
    await c.expectTcpDropOrClose(1002);
    c.assertDone();
  });

  test.each([
    ['5.19', BULK],
    ['5.20', PER_FRAME],
  ])('%s pings inside a 5-fragment text are answered before the message completes (mode %j)', async (_id, mode) => {
    const c = await srv.connect();
    await c.sendFrames(
      [
        { opcode: Op.TEXT, fin: false, payload: 'fragment1' },
        { opcode: Op.CONTINUATION, fin: false, payload: 'fragment2' },
        { opcode: Op.PING, payload: 'pongme 1!' },
      ],
      mode,
    );
    // Autobahn pauses 1 s here and expects the pong meanwhile; waiting for the pong asserts the same.
    await c.expectPong('pongme 1!');
    await c.sendFrames(
      [
        { opcode: Op.CONTINUATION, fin: false, payload: 'fragment3' },
        { opcode: Op.CONTINUATION, fin: false, payload: 'fragment4' },
        { opcode: Op.PING, payload: 'pongme 2!' },
      ],
      mode,
    );
    await c.expectPong('pongme 2!');
    await c.sendFrame({ opcode: Op.CONTINUATION, fin: true, payload: 'fragment5' }, mode);
    await c.expectText('fragment1fragment2fragment3fragment4fragment5');
    await c.closeCleanly();
    c.assertDone();
  });
});

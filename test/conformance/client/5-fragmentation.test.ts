/**
 * Autobahn category 5 against the client: fragmented control frames fail (1002), continuations
 * need a message to continue, a new data frame may not start inside a fragmented message, and
 * pings inside a fragmented message are answered at once.
 */
import { noteGrade } from '../harness';
import { Op, type FrameSpec } from '../frame-encoder';
import { useClientHarness, type SendMode } from './raw-server';

const h = useClientHarness();

const BULK: SendMode = 'bulk';
const PER_FRAME: SendMode = 'per-frame';
const OCTETS: SendMode = { chopSize: 1, pauseMs: 1 };

describe('client 5 fragmentation', () => {
  test.each([
    ['client 5.1', 'ping', Op.PING as number],
    ['client 5.2', 'pong', Op.PONG as number],
  ])('%s a %s in 2 fragments fails with 1002', async (_id, _name, opcode) => {
    const { peer, client } = await h.connect();
    await peer.sendFrames([
      { opcode, fin: false, payload: 'fragment1' },
      { opcode: Op.CONTINUATION, fin: true, payload: 'fragment2' },
    ]);
    await peer.expectFailure(1002);
    await client.expectClosed({ code: 1002, wasClean: false, errors: ['WS_ERR_EXPECTED_FIN'] });
    peer.assertDone();
  });

  const twoFragments: FrameSpec[] = [
    { opcode: Op.TEXT, fin: false, payload: 'fragment1' },
    { opcode: Op.CONTINUATION, fin: true, payload: 'fragment2' },
  ];

  test.each([
    ['client 5.3', 'in one write', BULK],
    ['client 5.4', 'frame by frame', PER_FRAME],
    ['client 5.5', 'octet by octet', OCTETS],
  ])('%s text in 2 fragments, sent %s, is echoed as one message', async (_id, _how, mode) => {
    const { peer, client } = await h.connect();
    await peer.sendFrames(twoFragments, mode);
    await peer.expectText('fragment1fragment2');
    await peer.closeCleanly();
    await client.expectClosed({ code: 1000, wasClean: true });
    peer.assertDone();
  });

  const withPing: FrameSpec[] = [
    { opcode: Op.TEXT, fin: false, payload: 'fragment1' },
    { opcode: Op.PING, payload: 'ping payload' },
    { opcode: Op.CONTINUATION, fin: true, payload: 'fragment2' },
  ];

  test.each([
    ['client 5.6', 'in one write', BULK],
    ['client 5.7', 'frame by frame', PER_FRAME],
    ['client 5.8', 'octet by octet', OCTETS],
  ])('%s text in 2 fragments with a ping between, sent %s: pong, then the echo', async (_id, _how, mode) => {
    const { peer, client } = await h.connect();
    await peer.sendFrames(withPing, mode);
    await peer.expectPong('ping payload');
    await peer.expectText('fragment1fragment2');
    await peer.closeCleanly();
    await client.expectClosed({ code: 1000, wasClean: true });
    peer.assertDone();
  });

  test.each([
    ['client 5.9', true, 'in one write', BULK],
    ['client 5.10', true, 'frame by frame', PER_FRAME],
    ['client 5.11', true, 'octet by octet', OCTETS],
    ['client 5.12', false, 'in one write', BULK],
    ['client 5.13', false, 'frame by frame', PER_FRAME],
    ['client 5.14', false, 'octet by octet', OCTETS],
  ])('%s continuation (fin=%s) with nothing to continue, then text, sent %s: fails with 1002', async (_id, fin, _how, mode) => {
    const { peer, client } = await h.connect();
    await peer.sendFrames(
      [
        { opcode: Op.CONTINUATION, fin, payload: 'non-continuation payload' },
        { opcode: Op.TEXT, payload: 'Hello, world!' },
      ],
      mode,
    );
    await peer.expectFailure(1002);
    await client.expectClosed({ code: 1002, wasClean: false, errors: ['WS_ERR_UNEXPECTED_CONTINUATION'] });
    peer.assertDone();
  });

  test('client 5.15 text in 2 fragments, then a stray continuation: echo (OK or NON-STRICT), then 1002', async () => {
    const { peer, client } = await h.connect();
    await peer.sendFrames([
      { opcode: Op.TEXT, fin: false, payload: 'fragment1' },
      { opcode: Op.CONTINUATION, fin: true, payload: 'fragment2' },
      { opcode: Op.CONTINUATION, fin: false, payload: 'fragment3' },
      { opcode: Op.TEXT, fin: true, payload: 'fragment4' },
    ]);
    const echoed = await peer.maybeExpectEcho('text', 'fragment1fragment2');
    await peer.expectFailure(1002);
    await client.expectClosed({ code: 1002, wasClean: false, errors: ['WS_ERR_UNEXPECTED_CONTINUATION'] });
    peer.assertDone();
    noteGrade(echoed ? 'OK' : 'NON-STRICT');
  });

  test.each([
    ['client 5.16', false],
    ['client 5.17', true],
  ])('%s twice: a continuation (fin=%s) with nothing to continue, then a 2-fragment text: fails with 1002', async (_id, fin) => {
    const { peer, client } = await h.connect();
    const round: FrameSpec[] = [
      { opcode: Op.CONTINUATION, fin, payload: 'fragment1' },
      { opcode: Op.TEXT, fin: false, payload: 'fragment2' },
      { opcode: Op.CONTINUATION, fin: true, payload: 'fragment3' },
    ];
    await peer.sendFrames([...round, ...round]);
    await peer.expectFailure(1002);
    await client.expectClosed({ code: 1002, wasClean: false, errors: ['WS_ERR_UNEXPECTED_CONTINUATION'] });
    peer.assertDone();
  });

  test('client 5.18 a text fragment followed by a text (not continuation) frame fails with 1002', async () => {
    const { peer, client } = await h.connect();
    await peer.sendFrames([
      { opcode: Op.TEXT, fin: false, payload: 'fragment1' },
      { opcode: Op.TEXT, fin: true, payload: 'fragment2' },
    ]);
    await peer.expectFailure(1002);
    await client.expectClosed({ code: 1002, wasClean: false, errors: ['WS_ERR_EXPECTED_CONTINUATION'] });
    peer.assertDone();
  });

  test.each([
    ['client 5.19', BULK],
    ['client 5.20', PER_FRAME],
  ])('%s pings inside a 5-fragment text are answered before the message completes (%j)', async (_id, mode) => {
    const { peer, client } = await h.connect();
    await peer.sendFrames(
      [
        { opcode: Op.TEXT, fin: false, payload: 'fragment1' },
        { opcode: Op.CONTINUATION, fin: false, payload: 'fragment2' },
        { opcode: Op.PING, payload: 'pongme 1!' },
      ],
      mode,
    );
    await peer.expectPong('pongme 1!');
    await peer.sendFrames(
      [
        { opcode: Op.CONTINUATION, fin: false, payload: 'fragment3' },
        { opcode: Op.CONTINUATION, fin: false, payload: 'fragment4' },
        { opcode: Op.PING, payload: 'pongme 2!' },
      ],
      mode,
    );
    await peer.expectPong('pongme 2!');
    await peer.sendFrame({ opcode: Op.CONTINUATION, fin: true, payload: 'fragment5' }, mode);
    await peer.expectText('fragment1fragment2fragment3fragment4fragment5');
    await peer.closeCleanly();
    await client.expectClosed({ code: 1000, wasClean: true });
    peer.assertDone();
  });
});

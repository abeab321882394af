/**
 * Autobahn category 3 against the client: RSV bits set without a negotiated extension fail the
 * connection with 1002. In 3.2-3.4 a good message comes first: echoing it before failing is OK,
 * failing without the echo NON-STRICT; the grade is recorded.
 */
import { noteGrade } from '../harness';
import { Op, type FrameSpec } from '../frame-encoder';
import { useClientHarness, type SendMode } from './raw-server';

const h = useClientHarness();
const MSG = 'Hello, world!';

describe('client 3 reserved bits', () => {
  test('client 3.1 text frame with rsv=1 fails with 1002', async () => {
    const { peer, client } = await h.connect();
    await peer.sendFrame({ opcode: Op.TEXT, payload: MSG, rsv: 1 });
    await peer.expectFailure(1002);
    await client.expectClosed({ code: 1002, wasClean: false, errors: ['WS_ERR_UNEXPECTED_RSV'] });
    peer.assertDone();
  });

  const withFollowers = (rsv: number): FrameSpec[] => [
    { opcode: Op.TEXT, payload: MSG },
    { opcode: Op.TEXT, payload: MSG, rsv },
    { opcode: Op.PING, payload: MSG },
  ];

  test.each([
    ['client 3.2', 2, 'bulk' as SendMode],
    ['client 3.3', 3, 'per-frame' as SendMode],
    ['client 3.4', 4, { chopSize: 1, pauseMs: 1 } as SendMode],
  ])('%s text, then text with rsv=%i, then ping: fails with 1002 and never answers the ping', async (_id, rsv, mode) => {
    const { peer, client } = await h.connect();
    await peer.sendFrames(withFollowers(rsv), mode);
    const echoed = await peer.maybeExpectEcho('text', MSG);
    await peer.expectFailure(1002);
    await client.expectClosed({ code: 1002, wasClean: false, errors: ['WS_ERR_UNEXPECTED_RSV'] });
    peer.assertDone();
    noteGrade(echoed ? 'OK' : 'NON-STRICT');
  });

  test.each([
    ['client 3.5', 'binary frame with rsv=5', { opcode: Op.BINARY, payload: Buffer.from([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]), rsv: 5 }],
    ['client 3.6', 'ping with rsv=6', { opcode: Op.PING, payload: MSG, rsv: 6 }],
    ['client 3.7', 'close with rsv=7', { opcode: Op.CLOSE, payload: Buffer.from([0x03, 0xe8]), rsv: 7 }],
  ])('%s %s fails with 1002', async (_id, _what, spec) => {
    const { peer, client } = await h.connect();
    await peer.sendFrame(spec);
    await peer.expectFailure(1002);
    await client.expectClosed({ code: 1002, wasClean: false, errors: ['WS_ERR_UNEXPECTED_RSV'] });
    peer.assertDone();
  });
});

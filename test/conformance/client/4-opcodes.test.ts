/**
 * Autobahn category 4 against the client: reserved opcodes (data 3-7 in 4.1.x, control 11-15 in
 * 4.2.x) fail the connection with 1002. x.3-x.5 send a good message first (echo OK, no echo
 * NON-STRICT).
 */
import { noteGrade } from '../harness';
import { Op } from '../frame-encoder';
import { useClientHarness } from './raw-server';

const h = useClientHarness();
const MSG = 'Hello, world!';
const RESERVED_PAYLOAD = 'reserved opcode payload';

describe.each([
  ['4.1', 'data', [3, 4, 5, 6, 7]],
  ['4.2', 'control', [11, 12, 13, 14, 15]],
])('client %s reserved %s opcodes', (group, _kind, opcodes) => {
  test.each([
    [`client ${group}.1`, opcodes[0]!, ''],
    [`client ${group}.2`, opcodes[1]!, RESERVED_PAYLOAD],
  ])('%s a frame with reserved opcode %i fails with 1002', async (_id, opcode, payload) => {
    const { peer, client } = await h.connect();
    await peer.sendFrame({ opcode, payload });
    await peer.expectFailure(1002);
    await client.expectClosed({ code: 1002, wasClean: false, errors: ['WS_ERR_INVALID_OPCODE'] });
    peer.assertDone();
  });

  test.each([
    [`client ${group}.3`, opcodes[2]!, ''],
    [`client ${group}.4`, opcodes[3]!, RESERVED_PAYLOAD],
    [`client ${group}.5`, opcodes[4]!, RESERVED_PAYLOAD],
  ])('%s text, then reserved opcode %i, then ping: fails with 1002', async (_id, opcode, payload) => {
    const { peer, client } = await h.connect();
    await peer.sendFrames([
      { opcode: Op.TEXT, payload: MSG },
      { opcode, payload },
      { opcode: Op.PING, payload: MSG },
    ]);
    const echoed = await peer.maybeExpectEcho('text', MSG);
    await peer.expectFailure(1002);
    await client.expectClosed({ code: 1002, wasClean: false, errors: ['WS_ERR_INVALID_OPCODE'] });
    peer.assertDone();
    noteGrade(echoed ? 'OK' : 'NON-STRICT');
  });
});

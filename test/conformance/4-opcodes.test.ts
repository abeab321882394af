/**
 * Autobahn category 4: reserved opcodes (non-control 3-7 in 4.1.x, control 11-15 in 4.2.x)
 * must fail the connection with 1002 (or a TCP drop).
 *
 * x.3-x.5 send a good text message first: echoing it before failing is OK, failing without the
 * echo is NON-STRICT; both are accepted (the grade is recorded via noteGrade).
 */
import { noteGrade, useEchoServer } from './harness';
import { Op } from './frame-encoder';

const srv = useEchoServer();

const MSG = 'Hello, world!';
const RESERVED_PAYLOAD = 'reserved opcode payload';

describe.each([
  ['4.1', 'non-control', [3, 4, 5, 6, 7]],
  ['4.2', 'control', [11, 12, 13, 14, 15]],
])('%s reserved %s opcodes', (group, _kind, opcodes) => {
  test(`${group}.1 frame with reserved opcode ${opcodes[0]} and no payload fails with 1002`, async () => {
    const c = await srv.connect();
    await c.sendFrame({ opcode: opcodes[0]! });
    await c.expectTcpDropOrClose(1002);
    c.assertDone();
  });

  test(`${group}.2 frame with reserved opcode ${opcodes[1]} and a payload fails with 1002`, async () => {
    const c = await srv.connect();
    await c.sendFrame({ opcode: opcodes[1]!, payload: RESERVED_PAYLOAD });
    await c.expectTcpDropOrClose(1002);
    c.assertDone();
  });

  test.each([
    [`${group}.3`, opcodes[2]!, ''],
    [`${group}.4`, opcodes[3]!, RESERVED_PAYLOAD],
    [`${group}.5`, opcodes[4]!, RESERVED_PAYLOAD],
  ])('%s text, then reserved opcode %i, then ping: fails with 1002 (echo first is OK or NON-STRICT)', async (_id, opcode, payload) => {
    const c = await srv.connect();
    await c.sendFrames([
      { opcode: Op.TEXT, payload: MSG },
      { opcode, payload },
      { opcode: Op.PING, payload: MSG },
    ]);
    const echoed = await c.maybeExpectMessage('text', MSG);
    await c.expectTcpDropOrClose(1002);
    c.assertDone();
    noteGrade(echoed ? 'OK' : 'NON-STRICT');
  });
});

/**
 * Autobahn category 7: the closing handshake. Nothing is processed after a close frame, the close
 * body is validated (length, code, UTF-8 reason), valid codes are echoed back, invalid ones fail
 * with 1002 (or a TCP drop, which Autobahn also grades OK). After the handshake the server closes TCP.
 */
import { noteGrade, useEchoServer } from './harness';
import { closePayload, Op } from './frame-encoder';

const srv = useEchoServer();

describe('7.1 close behaviour', () => {
  test('7.1.1 text message echoed, then a clean close', async () => {
    const c = await srv.connect();
    await c.sendText('Hello World!');
    await c.expectText('Hello World!');
    await c.closeCleanly();
    c.assertDone();
  });

  test('7.1.2 two close frames: one close 1000 back, then TCP close', async () => {
    const c = await srv.connect();
    await c.sendFrames([
      { opcode: Op.CLOSE, payload: closePayload(1000) },
      { opcode: Op.CLOSE, payload: closePayload(1000) },
    ]);
    await c.expectClose(1000);
    c.assertDone();
  });

  test('7.1.3 ping after close is not answered', async () => {
    const c = await srv.connect();
    await c.sendFrames([
      { opcode: Op.CLOSE, payload: closePayload(1000) },
      { opcode: Op.PING, payload: 'Hello World!' },
    ]);
    await c.expectClose(1000);
    c.assertDone();
  });

  test('7.1.4 text after close is not echoed', async () => {
    const c = await srv.connect();
    await c.sendFrames([
      { opcode: Op.CLOSE, payload: closePayload(1000) },
      { opcode: Op.TEXT, payload: 'Hello World!' },
    ]);
    await c.expectClose(1000);
    c.assertDone();
  });

  test('7.1.5 close in the middle of a fragmented message: the message is dropped', async () => {
    const c = await srv.connect();
    await c.sendFrames([
      { opcode: Op.TEXT, fin: false, payload: 'fragment1' },
      { opcode: Op.CLOSE, payload: closePayload(1000) },
      { opcode: Op.CONTINUATION, fin: true, payload: 'fragment2' },
    ]);
    await c.expectClose(1000);
    c.assertDone();
  });

  test('7.1.6 256 KiB message, small message, close, ping: messages echoed in order or not at all, then close 1000 (INFORMATIONAL)', async () => {
    const c = await srv.connect();
    const unit = Buffer.from('BAsd7&jh23');
    const big = Buffer.alloc(256 * 1024);
    for (let i = 0; i < big.length; i += unit.length) unit.copy(big, i);
    await c.sendFrames([
      { opcode: Op.TEXT, payload: big },
      { opcode: Op.TEXT, payload: 'Hello World!' },
      { opcode: Op.CLOSE, payload: closePayload(1000) },
      { opcode: Op.PING, payload: '' },
    ]);
    const gotBig = await c.maybeExpectMessage('text', big);
    const gotSmall = gotBig && (await c.maybeExpectMessage('text', 'Hello World!'));
    await c.expectClose(1000);
    c.assertDone();
    noteGrade('INFORMATIONAL', gotSmall ? 'both messages echoed before the close' : gotBig ? 'only the first message echoed' : 'close processed first');
  });
});

describe('7.3 close frame structure', () => {
  test('7.3.1 close with an empty body: the server closes (code 1000 or empty)', async () => {
    const c = await srv.connect();
    await c.sendClose();
    await c.expectClose([1000, null]);
    c.assertDone();
  });

  test('7.3.2 close with a 1-byte body fails with 1002', async () => {
    const c = await srv.connect();
    await c.sendFrame({ opcode: Op.CLOSE, payload: Buffer.from([0x61]) });
    await c.expectTcpDropOrClose(1002);
    c.assertDone();
  });

  test('7.3.3 close with code 1000 and no reason: close 1000 back', async () => {
    const c = await srv.connect();
    await c.closeCleanly(1000);
    c.assertDone();
  });

  test('7.3.4 close with code 1000 and a reason: close 1000 back', async () => {
    const c = await srv.connect();
    await c.closeCleanly(1000, 'Hello World!');
    c.assertDone();
  });

  test('7.3.5 close with code 1000 and a 123-byte reason (125-byte body): close 1000 back', async () => {
    const c = await srv.connect();
    await c.closeCleanly(1000, '*'.repeat(123));
    c.assertDone();
  });

  test('7.3.6 close with code 1000 and a 124-byte reason (126-byte control frame) fails with 1002', async () => {
    const c = await srv.connect();
    await c.sendClose(1000, '*'.repeat(124));
    await c.expectTcpDropOrClose(1002);
    c.assertDone();
  });
});

describe('7.5 close reason', () => {
  test('7.5.1 close reason that is not valid UTF-8 fails with 1007 (or 1002)', async () => {
    const c = await srv.connect();
    const reason = Buffer.from('cebae1bdb9cf83cebcceb5eda080656469746564', 'hex');
    await c.sendClose(1000, reason);
    await c.expectTcpDropOrClose([1007, 1002]);
    c.assertDone();
  });
});

describe('7.7 valid close codes are echoed back', () => {
  const autobahn = [1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 3000, 3999, 4000, 4999];
  const cases: Array<[string, number]> = [
    ...autobahn.map((code, i): [string, number] => [`7.7.${i + 1}`, code]),
    // IANA-registered since RFC 6455; the library accepts them.
    ...[1012, 1013, 1014].map((code): [string, number] => [`7.7.ext.${code}`, code]),
  ];
  test.each(cases)('%s close code %i is echoed, then TCP close', async (_id, code) => {
    const c = await srv.connect();
    await c.closeCleanly(code);
    c.assertDone();
  });
});

describe('7.9 invalid close codes fail with 1002', () => {
  const autobahn = [0, 999, 1004, 1005, 1006, 1016, 1100, 2000, 2999];
  const cases: Array<[string, number]> = [
    ...autobahn.map((code, i): [string, number] => [`7.9.${i + 1}`, code]),
    ['7.9.ext.1015', 1015],
  ];
  test.each(cases)('%s close code %i fails with 1002', async (_id, code) => {
    const c = await srv.connect();
    await c.sendClose(code);
    await c.expectTcpDropOrClose(1002);
    c.assertDone();
  });
});

describe('7.13 close codes beyond 4999 fail with 1002', () => {
  test.each([
    ['7.13.1', 5000],
    ['7.13.2', 65535],
  ])('%s close code %i fails with 1002', async (_id, code) => {
    const c = await srv.connect();
    await c.sendClose(code);
    await c.expectTcpDropOrClose(1002);
    c.assertDone();
  });
});

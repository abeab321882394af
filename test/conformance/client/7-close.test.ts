/**
 * Autobahn category 7 against the client: the closing handshake started by the server. Nothing
 * is processed after a close frame, the close body is validated (length, code, UTF-8 reason),
 * valid codes are echoed, invalid ones fail with 1002; after the handshake the server closes TCP
 * and the client reports the server's code with wasClean.
 */
import { noteGrade } from '../harness';
import { closePayload, Op } from '../frame-encoder';
import { useClientHarness } from './raw-server';

const h = useClientHarness();

describe('client 7.1 close behaviour', () => {
  test('client 7.1.1 a text message is echoed, then a clean close', async () => {
    const { peer, client } = await h.connect();
    await peer.sendText('Hello World!');
    await peer.expectText('Hello World!');
    await peer.closeCleanly();
    await client.expectClosed({ code: 1000, wasClean: true });
    peer.assertDone();
  });

  test.each([
    ['client 7.1.2', 'a second close frame', { opcode: Op.CLOSE, payload: closePayload(1000) }],
    ['client 7.1.3', 'a ping after the close', { opcode: Op.PING, payload: 'Hello World!' }],
    ['client 7.1.4', 'a text message after the close', { opcode: Op.TEXT, payload: 'Hello World!' }],
  ])('%s %s is ignored: one close 1000 back, nothing else', async (_id, _what, follower) => {
    const { peer, client } = await h.connect();
    await peer.sendFrames([{ opcode: Op.CLOSE, payload: closePayload(1000) }, follower]);
    await peer.expectCloseFrame([1000]);
    peer.socket.end();
    await peer.expectTcpClosed();
    await client.expectClosed({ code: 1000, wasClean: true });
    peer.assertDone();
  });

  test('client 7.1.5 a close in the middle of a fragmented message: the message is dropped', async () => {
    const { peer, client } = await h.connect();
    await peer.sendFrames([
      { opcode: Op.TEXT, fin: false, payload: 'fragment1' },
      { opcode: Op.CLOSE, payload: closePayload(1000) },
      { opcode: Op.CONTINUATION, fin: true, payload: 'fragment2' },
    ]);
    await peer.expectCloseFrame([1000]);
    peer.socket.end();
    await peer.expectTcpClosed();
    await client.expectClosed({ code: 1000, wasClean: true });
    expect(client.log).toEqual(['open', 'close']);
    peer.assertDone();
  });

  test('client 7.1.6 256 KiB message, small message, close, ping: echoes in order, then close 1000 (INFORMATIONAL)', async () => {
    const { peer, client } = await h.connect();
    const unit = Buffer.from('BAsd7&jh23');
    const big = Buffer.alloc(256 * 1024);
    for (let i = 0; i < big.length; i += unit.length) unit.copy(big, i);
    await peer.sendFrames([
      { opcode: Op.TEXT, payload: big },
      { opcode: Op.TEXT, payload: 'Hello World!' },
      { opcode: Op.CLOSE, payload: closePayload(1000) },
      { opcode: Op.PING, payload: '' },
    ]);
    const gotBig = await peer.maybeExpectEcho('text', big);
    const gotSmall = gotBig && (await peer.maybeExpectEcho('text', 'Hello World!'));
    await peer.expectCloseFrame([1000]);
    peer.socket.end();
    await peer.expectTcpClosed();
    await client.expectClosed({ code: 1000, wasClean: true });
    peer.assertDone();
    noteGrade('INFORMATIONAL', gotSmall ? 'both messages echoed before the close' : gotBig ? 'only the first echoed' : 'close first');
  });
});

describe('client 7.3 close frame structure', () => {
  test('client 7.3.1 an empty close: the client answers with an empty close and reports 1005', async () => {
    const { peer, client } = await h.connect();
    await peer.closeCleanly(null, '', [null]);
    await client.expectClosed({ code: 1005, wasClean: true });
    peer.assertDone();
  });

  test('client 7.3.2 a close with a 1-byte body fails with 1002', async () => {
    const { peer, client } = await h.connect();
    await peer.sendFrame({ opcode: Op.CLOSE, payload: Buffer.from([0x61]) });
    await peer.expectFailure(1002);
    await client.expectClosed({ code: 1002, wasClean: false, errors: ['WS_ERR_INVALID_CLOSE_PAYLOAD'] });
    peer.assertDone();
  });

  test.each([
    ['client 7.3.3', 'no reason', ''],
    ['client 7.3.4', 'a reason', 'Hello World!'],
    ['client 7.3.5', 'a 123-byte reason (125-byte body)', '*'.repeat(123)],
  ])('%s close 1000 with %s: close 1000 back, the reason reaches the close event', async (_id, _what, reason) => {
    const { peer, client } = await h.connect();
    await peer.closeCleanly(1000, reason);
    const event = await client.closed();
    expect([event.code, event.reason, event.wasClean]).toEqual([1000, reason, true]);
    peer.assertDone();
  });

  test('client 7.3.6 close 1000 with a 124-byte reason (a 126-byte control frame) fails with 1002', async () => {
    const { peer, client } = await h.connect();
    await peer.sendClose(1000, '*'.repeat(124));
    await peer.expectFailure(1002);
    await client.expectClosed({ code: 1002, wasClean: false, errors: ['WS_ERR_INVALID_CONTROL_PAYLOAD_LENGTH'] });
    peer.assertDone();
  });
});

describe('client 7.5 close reason', () => {
  test('client 7.5.1 a close reason that is not UTF-8 fails with 1007', async () => {
    const { peer, client } = await h.connect();
    await peer.sendClose(1000, Buffer.from('cebae1bdb9cf83cebcceb5eda080656469746564', 'hex'));
    await peer.expectFailure(1007);
    await client.expectClosed({ code: 1007, wasClean: false, errors: ['WS_ERR_INVALID_UTF8'] });
    peer.assertDone();
  });
});

describe('client 7.7 valid close codes are echoed back', () => {
  const autobahn = [1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 3000, 3999, 4000, 4999];
  const cases: Array<[string, number]> = [
    ...autobahn.map((code, i): [string, number] => [`client 7.7.${i + 1}`, code]),
    ...[1012, 1013, 1014].map((code): [string, number] => [`client 7.7.ext.${code}`, code]),
  ];
  test.each(cases)('%s close code %i is echoed and reported, clean', async (_id, code) => {
    const { peer, client } = await h.connect();
    await peer.closeCleanly(code);
    await client.expectClosed({ code, wasClean: true });
    peer.assertDone();
  });
});

describe('client 7.9 invalid close codes fail with 1002', () => {
  const autobahn = [0, 999, 1004, 1005, 1006, 1016, 1100, 2000, 2999];
  const cases: Array<[string, number]> = [
    ...autobahn.map((code, i): [string, number] => [`client 7.9.${i + 1}`, code]),
    ['client 7.9.ext.1015', 1015],
    ['client 7.13.1', 5000],
    ['client 7.13.2', 65535],
  ];
  test.each(cases)('%s close code %i fails with 1002', async (_id, code) => {
    const { peer, client } = await h.connect();
    await peer.sendClose(code);
    await peer.expectFailure(1002);
    await client.expectClosed({ code: 1002, wasClean: false, errors: ['WS_ERR_INVALID_CLOSE_CODE'] });
    peer.assertDone();
  });
});

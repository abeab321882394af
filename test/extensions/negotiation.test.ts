/**
 * permessage-deflate negotiation on the server (RFC 7692 §5, §7.1) against raw offers: a
 * crafted `Sec-WebSocket-Extensions` in a real handshake, and the 101 read off the socket.
 * Then the reserved bits on the wire (RFC 6455 §5.2, RFC 7692 §6): RSV1 only where
 * permessage-deflate was agreed, and only on the first frame of a data message.
 */
import { permessageDeflate, type ExtensionPlugin, type PermessageDeflateOptions } from '../../src/index.js';
import { useEchoServer } from '../conformance/harness';
import { Op } from '../conformance/frame-encoder';
import { RawClient } from '../conformance/raw-client';
import { compressedFrames, deflateMessage, expectInflatedMessage, MessageInflater, parseDeflateResponse, RSV1 } from '../conformance/deflate-peer';
import { answer } from './offer';

const PMD = 'permessage-deflate';
const ACCEPTED = 'permessage-deflate; client_no_context_takeover';

/** Offer → the exact response (undefined: 101 without Sec-WebSocket-Extensions). */
type Row = [offer: string, response: string | undefined];

function serverWith(options: PermessageDeflateOptions) {
  return useEchoServer({ extensions: [permessageDeflate(options)] });
}

describe('default permessageDeflate(): every RFC 7692 parameter in an offer', () => {
  const srv = serverWith({});

  test.each<Row>([
    [PMD, PMD],
    [`${PMD}; server_no_context_takeover`, `${PMD}; server_no_context_takeover`],
    [`${PMD}; client_no_context_takeover`, `${PMD}; client_no_context_takeover`],
    [`${PMD}; server_max_window_bits=8`, `${PMD}; server_max_window_bits=8`],
    [`${PMD}; server_max_window_bits=10`, `${PMD}; server_max_window_bits=10`],
    [`${PMD}; server_max_window_bits=15`, `${PMD}; server_max_window_bits=15`],
    [`${PMD}; server_max_window_bits="12"`, `${PMD}; server_max_window_bits=12`],
    // A bare client_max_window_bits only says the client could take a limit: none is set.
    [`${PMD}; client_max_window_bits`, PMD],
    // A value is a hint the server takes up in its answer (and then inflates with that window).
    [`${PMD}; client_max_window_bits=10`, `${PMD}; client_max_window_bits=10`],
    [`${PMD}; client_max_window_bits=8`, `${PMD}; client_max_window_bits=8`],
    [`${PMD}; client_max_window_bits=15`, `${PMD}; client_max_window_bits=15`],
    [
      `${PMD}; client_max_window_bits=12; server_max_window_bits=9; client_no_context_takeover; server_no_context_takeover`,
      `${PMD}; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=9; client_max_window_bits=12`,
    ],
    // What Chromium and Firefox offer.
    [`${PMD}; client_max_window_bits`, PMD],
  ])('%s → %s', async (offer, response) => {
    expect(await answer(srv.port, offer)).toEqual([101, response]);
  });

  const bad: Array<[why: string, offer: string]> = [
    ['an unknown parameter', `${PMD}; foo`],
    ['an unknown parameter with a value', `${PMD}; foo=1`],
    ['a duplicate server_no_context_takeover', `${PMD}; server_no_context_takeover; server_no_context_takeover`],
    ['a duplicate client_no_context_takeover', `${PMD}; client_no_context_takeover; client_no_context_takeover`],
    ['a duplicate server_max_window_bits', `${PMD}; server_max_window_bits=10; server_max_window_bits=11`],
    ['a duplicate client_max_window_bits', `${PMD}; client_max_window_bits; client_max_window_bits=10`],
    ['server_max_window_bits=7', `${PMD}; server_max_window_bits=7`],
    ['server_max_window_bits=16', `${PMD}; server_max_window_bits=16`],
    ['server_max_window_bits=0', `${PMD}; server_max_window_bits=0`],
    ['server_max_window_bits=-9', `${PMD}; server_max_window_bits=-9`],
    ['server_max_window_bits=9.5', `${PMD}; server_max_window_bits=9.5`],
    ['server_max_window_bits with a leading zero', `${PMD}; server_max_window_bits=09`],
    ['server_max_window_bits=abc', `${PMD}; server_max_window_bits=abc`],
    ['server_max_window_bits without a value', `${PMD}; server_max_window_bits`],
    ['client_max_window_bits=7', `${PMD}; client_max_window_bits=7`],
    ['client_max_window_bits=16', `${PMD}; client_max_window_bits=16`],
    ['client_max_window_bits="16"', `${PMD}; client_max_window_bits="16"`],
    ['a value on server_no_context_takeover', `${PMD}; server_no_context_takeover=1`],
    ['a value on client_no_context_takeover', `${PMD}; client_no_context_takeover=true`],
    ['a quoted value on server_no_context_takeover', `${PMD}; server_no_context_takeover="x"`],
  ];

  test.each(bad)('an offer with %s is declined: 101 without the header', async (_why, offer) => {
    expect(await answer(srv.port, offer)).toEqual([101, undefined]);
  });

  test.each(bad)('an offer with %s is skipped for the next valid offer', async (_why, offer) => {
    expect(await answer(srv.port, `${offer}, ${ACCEPTED}`)).toEqual([101, ACCEPTED]);
  });

  test('the first valid offer wins, whatever follows', async () => {
    expect(await answer(srv.port, `${PMD}; foo, ${PMD}; server_max_window_bits=11, ${PMD}`)).toEqual([101, `${PMD}; server_max_window_bits=11`]);
  });

  test('every offer bad: 101 without the header, and the connection works uncompressed', async () => {
    const c = await RawClient.connect(srv.port, { extensions: bad.map(([, offer]) => offer).join(', ') });
    expect(c.handshake.headers['sec-websocket-extensions']).toBeUndefined();
    expect(c.allowedRsv).toBe(0);
    await c.sendText('still here');
    await c.expectText('still here');
    await c.closeCleanly();
    c.assertDone();
  });

  test('other extensions in the offer are left out of the answer', async () => {
    expect(await answer(srv.port, `x-webkit-deflate-frame, ${PMD}; client_max_window_bits, foo`)).toEqual([101, PMD]);
  });

  test('the window the server answered bounds its compression (inflating the echo with a 10-bit window works)', async () => {
    const c = await RawClient.connect(srv.port, { extensions: `${PMD}; server_max_window_bits=10` });
    expect(c.handshake.headers['sec-websocket-extensions']).toBe(`${PMD}; server_max_window_bits=10`);
    const data = farRepeats();
    await c.sendBinary(data);
    expect(await expectInflatedMessage(c, new MessageInflater(10), 'binary', data)).toBe(true);
    await c.closeCleanly();
  });

  test('control: without a window agreed, the same echo needs more than a 10-bit window', async () => {
    const c = await RawClient.connect(srv.port, { extensions: PMD });
    const data = farRepeats();
    await c.sendBinary(data);
    const ev = await c.nextEvent('the compressed echo');
    if (ev.type !== 'message') throw new Error(`expected a message, got ${ev.type}`);
    expect(ev.rsv).toBe(RSV1);
    // Compressed this well only by reaching 4 KiB back, which a 10-bit window cannot.
    expect(ev.data.length).toBeLessThan(5000);
    await expect(new MessageInflater(10, true).decompress(ev.data)).rejects.toThrow(/invalid distance too far back/);
    await c.closeCleanly();
  });
});

/** 4 KiB of random bytes `copies` times: deflate only shrinks it with back-references 4 KiB long. */
function farRepeats(copies = 4): Buffer {
  let seed = 12345;
  const block = Buffer.from(Buffer.alloc(4096, 0).map(() => (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24));
  return Buffer.concat(Array<Buffer>(copies).fill(block));
}

describe("the server's options in its answer (RFC 7692 §7.1)", () => {
  describe('serverNoContextTakeover', () => {
    const srv = serverWith({ serverNoContextTakeover: true });
    test.each<Row>([
      [PMD, `${PMD}; server_no_context_takeover`],
      [`${PMD}; client_max_window_bits`, `${PMD}; server_no_context_takeover`],
      [`${PMD}; server_no_context_takeover`, `${PMD}; server_no_context_takeover`],
    ])('%s → %s', async (offer, response) => {
      expect(await answer(srv.port, offer)).toEqual([101, response]);
    });
  });

  describe('clientNoContextTakeover', () => {
    const srv = serverWith({ clientNoContextTakeover: true });
    test.each<Row>([
      [PMD, `${PMD}; client_no_context_takeover`],
      [`${PMD}; client_max_window_bits`, `${PMD}; client_no_context_takeover`],
      [`${PMD}; client_no_context_takeover`, `${PMD}; client_no_context_takeover`],
    ])('%s → %s', async (offer, response) => {
      expect(await answer(srv.port, offer)).toEqual([101, response]);
    });
  });

  describe('serverMaxWindowBits: 10', () => {
    const srv = serverWith({ serverMaxWindowBits: 10 });
    test.each<Row>([
      // Not asked for, not announced: a smaller window than the client's 15 needs no agreement.
      [PMD, PMD],
      [`${PMD}; server_max_window_bits=12`, `${PMD}; server_max_window_bits=10`],
      [`${PMD}; server_max_window_bits=9`, `${PMD}; server_max_window_bits=9`],
      [`${PMD}; server_max_window_bits=15`, `${PMD}; server_max_window_bits=10`],
    ])('%s → %s', async (offer, response) => {
      expect(await answer(srv.port, offer)).toEqual([101, response]);
    });

    test('the 10-bit window is used even when not announced (the echo inflates with a 10-bit window)', async () => {
      const c = await RawClient.connect(srv.port, { extensions: PMD });
      expect(c.handshake.headers['sec-websocket-extensions']).toBe(PMD);
      const data = farRepeats();
      await c.sendBinary(data);
      expect(await expectInflatedMessage(c, new MessageInflater(10), 'binary', data)).toBe(true);
      await c.closeCleanly();
    });
  });

  describe('clientMaxWindowBits: 10', () => {
    const srv = serverWith({ clientMaxWindowBits: 10 });
    test.each<Row>([
      // A client that did not offer client_max_window_bits cannot be held to a window: declined.
      [PMD, undefined],
      [`${PMD}; client_max_window_bits`, `${PMD}; client_max_window_bits=10`],
      [`${PMD}; client_max_window_bits=12`, `${PMD}; client_max_window_bits=10`],
      [`${PMD}; client_max_window_bits=9`, `${PMD}; client_max_window_bits=9`],
      [`${PMD}, ${PMD}; client_max_window_bits`, `${PMD}; client_max_window_bits=10`],
    ])('%s → %s', async (offer, response) => {
      expect(await answer(srv.port, offer)).toEqual([101, response]);
    });

    test('the server inflates with the announced window: a client within it is understood', async () => {
      const c = await RawClient.connect(srv.port, { extensions: `${PMD}; client_max_window_bits` });
      const data = farRepeats(16);
      await c.sendFrames(compressedFrames(Op.BINARY, deflateMessage(data, 10)));
      await expectInflatedMessage(c, new MessageInflater(15), 'binary', data);
      await c.closeCleanly();
    });

    test('a client breaking the announced window is failed with 1007 (the server really inflates with 10 bits)', async () => {
      const c = await RawClient.connect(srv.port, { extensions: `${PMD}; client_max_window_bits` });
      // 64 KiB, so that references cross the server's 16 KiB output chunks and go through its window.
      await c.sendFrames(compressedFrames(Op.BINARY, deflateMessage(farRepeats(16), 15)));
      await c.expectClose(1007);
      c.assertDone();
    });
  });

  describe('all four options', () => {
    const srv = serverWith({ serverNoContextTakeover: true, clientNoContextTakeover: true, serverMaxWindowBits: 11, clientMaxWindowBits: 12 });
    test.each<Row>([
      [`${PMD}; client_max_window_bits`, `${PMD}; server_no_context_takeover; client_no_context_takeover; client_max_window_bits=12`],
      [
        `${PMD}; client_max_window_bits=9; server_max_window_bits=13`,
        `${PMD}; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=11; client_max_window_bits=9`,
      ],
      [PMD, undefined],
    ])('%s → %s', async (offer, response) => {
      expect(await answer(srv.port, offer)).toEqual([101, response]);
    });

    test('the answer is what the raw client then works with: messages both ways', async () => {
      const c = await RawClient.connect(srv.port, { extensions: `${PMD}; client_max_window_bits` });
      const agreed = parseDeflateResponse(c.handshake.headers['sec-websocket-extensions'])!;
      expect(agreed).toMatchObject({ serverNoContextTakeover: true, clientNoContextTakeover: true, serverMaxWindowBits: 15, clientMaxWindowBits: 12 });
      const inflater = new MessageInflater(11, true);
      for (const text of ['κόσμε '.repeat(400), 'abc'.repeat(1000)]) {
        await c.sendFrames(compressedFrames(Op.TEXT, deflateMessage(text, 12)));
        expect(await expectInflatedMessage(c, inflater, 'text', text)).toBe(true);
      }
      await c.closeCleanly();
    });
  });
});

describe('a plugin that throws on an offer declines it: never a crash', () => {
  const throwing: ExtensionPlugin = {
    name: 'x-throws',
    type: 'permessage',
    rsv1: false,
    rsv2: true,
    rsv3: false,
    createClientSession: () => null,
    createServerSession: (offers) => {
      if (offers.some((o) => o['boom'] === true)) throw new Error('boom');
      return { generateResponse: () => { throw new Error('no response'); }, processIncomingMessage: (m, cb) => cb(null, m), processOutgoingMessage: (m, cb) => cb(null, m), close: () => undefined };
    },
  };
  // faye's plugin calls params.hasOwnProperty(), which a parameter of that name shadows.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const faye = require('permessage-deflate') as ExtensionPlugin;
  const srv = useEchoServer({ extensions: [throwing, faye] });

  test.each<Row>([
    ['x-throws; boom', undefined],
    ['x-throws', undefined],
    [`x-throws; boom, ${PMD}`, PMD],
    [`${PMD}; hasOwnProperty=1`, undefined],
    [`${PMD}; hasOwnProperty, ${PMD}; client_max_window_bits=10`, `${PMD}; client_max_window_bits=10`],
  ])('%s → %s', async (offer, response) => {
    expect(await answer(srv.port, offer)).toEqual([101, response]);
    const c = await RawClient.connect(srv.port, { extensions: offer });
    await c.sendText('after the bad offer');
    if (response === undefined) await c.expectText('after the bad offer');
    else await expectInflatedMessage(c, new MessageInflater(), 'text', 'after the bad offer');
    await c.closeCleanly();
  });
});

describe('reserved bits on the wire', () => {
  describe('permessage-deflate configured but not negotiated', () => {
    const srv = serverWith({});

    test('RSV1 on a text frame fails the connection with 1002', async () => {
      const c = await RawClient.connect(srv.port);
      expect(c.handshake.headers['sec-websocket-extensions']).toBeUndefined();
      await c.sendFrames(compressedFrames(Op.TEXT, deflateMessage('Hello')));
      await c.expectTcpDropOrClose(1002);
      c.assertDone();
    });

    test('RSV1 on a binary frame after a declined offer fails with 1002', async () => {
      const c = await RawClient.connect(srv.port, { extensions: `${PMD}; foo` });
      expect(c.handshake.headers['sec-websocket-extensions']).toBeUndefined();
      await c.sendFrames(compressedFrames(Op.BINARY, deflateMessage('Hello')));
      await c.expectTcpDropOrClose(1002);
      c.assertDone();
    });
  });

  describe('permessage-deflate negotiated', () => {
    const srv = serverWith({ threshold: 0 });
    const connect = async (): Promise<RawClient> => {
      const c = await RawClient.connect(srv.port, { extensions: PMD });
      expect(c.handshake.headers['sec-websocket-extensions']).toBe(PMD);
      return c;
    };

    test('RSV1 on a text and a binary message is compression, echoed compressed', async () => {
      const c = await connect();
      const inflater = new MessageInflater();
      await c.sendFrames([...compressedFrames(Op.TEXT, deflateMessage('Hello')), ...compressedFrames(Op.BINARY, deflateMessage(Buffer.from([1, 2, 3])))]);
      expect(await expectInflatedMessage(c, inflater, 'text', 'Hello')).toBe(true);
      expect(await expectInflatedMessage(c, inflater, 'binary', Buffer.from([1, 2, 3]))).toBe(true);
      await c.closeCleanly();
      c.assertDone();
    });

    test.each([
      ['ping', { opcode: Op.PING, payload: 'ping', rsv: RSV1 }],
      ['pong', { opcode: Op.PONG, payload: 'pong', rsv: RSV1 }],
      ['close', { opcode: Op.CLOSE, payload: Buffer.from([0x03, 0xe8]), rsv: RSV1 }],
    ])('RSV1 on a %s frame fails the connection with 1002', async (_kind, frame) => {
      const c = await connect();
      await c.sendFrame(frame);
      await c.expectTcpDropOrClose(1002);
      c.assertDone();
    });

    test('RSV1 on a continuation frame fails the connection with 1002', async () => {
      const c = await connect();
      const compressed = deflateMessage('Hello, fragmented world');
      await c.sendFrames([
        { opcode: Op.TEXT, fin: false, rsv: RSV1, payload: compressed.subarray(0, 5) },
        { opcode: Op.CONTINUATION, fin: true, rsv: RSV1, payload: compressed.subarray(5) },
      ]);
      await c.expectTcpDropOrClose(1002);
      c.assertDone();
    });

    test('RSV1 on the first frame only of a fragmented message is right: echoed', async () => {
      const c = await connect();
      const text = 'Hello, fragmented world';
      await c.sendFrames(compressedFrames(Op.TEXT, deflateMessage(text), 3));
      await expectInflatedMessage(c, new MessageInflater(), 'text', text, { compressed: true });
      await c.closeCleanly();
      c.assertDone();
    });

    test.each([
      ['RSV2', 2],
      ['RSV3', 1],
      ['RSV1 and RSV2', 6],
    ])('%s on a text frame (bits no extension owns) fails with 1002', async (_bits, rsv) => {
      const c = await connect();
      await c.sendFrame({ opcode: Op.TEXT, payload: deflateMessage('Hello'), rsv });
      await c.expectTcpDropOrClose(1002);
      c.assertDone();
    });
  });
});

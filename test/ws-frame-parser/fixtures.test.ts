/**
 * Hand-written frames (hex) that the parser must accept, fed in every chunking: whole, every
 * 2-way split and one byte at a time, each giving exactly the same sink calls.
 * The refusals live in failures.test.ts.
 */
import { DEFAULT_MAX_LENGTH, FrameParser, type FrameParserOptions } from '../../src/ws-frame-parser/index';
import {
  RecordingSink,
  type SinkEvent,
  byteAtATime,
  chunkings,
  concat,
  cutAt,
  hex,
  pseudoRandomBytes,
  rawFrame,
  run,
  toHex,
  utf8,
} from './helpers';

const CLIENT: FrameParserOptions = { role: 'client' };
const SERVER: FrameParserOptions = { role: 'server' };
const HELLO = '48 65 6c 6c 6f';

const text = (data: string, rsv = 0): SinkEvent => ({ kind: 'message', data, isText: true, rsv });
const binary = (data: string, rsv = 0): SinkEvent => ({ kind: 'message', data, isText: false, rsv });

/** Every chunking of `bytes` gives exactly `expected`, nothing after a close, and delivered payloads never change afterwards. */
function expectEverywhere(bytes: Uint8Array, options: FrameParserOptions, expected: SinkEvent[]): void {
  for (const { name, chunks } of chunkings(bytes)) {
    const result = run(chunks, options);
    expect({ name, events: result.events }).toEqual({ name, events: expected });
    expect(result.sink.callsAfterEnd).toBe(0);
    expect(result.sink.changedPayloads()).toEqual([]);
  }
}

describe('RFC 6455 §5.7 examples', () => {
  it('a single-frame unmasked text message', () => {
    expectEverywhere(hex('81 05 48 65 6c 6c 6f'), CLIENT, [text(HELLO)]);
  });

  it('a single-frame masked text message', () => {
    expectEverywhere(hex('81 85 37 fa 21 3d 7f 9f 4d 51 58'), SERVER, [text(HELLO)]);
  });

  it('a fragmented unmasked text message', () => {
    expectEverywhere(hex('01 03 48 65 6c  80 02 6c 6f'), CLIENT, [text(HELLO)]);
  });

  it('an unmasked ping and a masked pong', () => {
    expectEverywhere(hex('89 05 48 65 6c 6c 6f'), CLIENT, [{ kind: 'ping', data: HELLO }]);
    expectEverywhere(hex('8a 85 37 fa 21 3d 7f 9f 4d 51 58'), SERVER, [{ kind: 'pong', data: HELLO }]);
  });

  it('a 256-byte binary message with a 16-bit length', () => {
    const payload = pseudoRandomBytes(256, 1);
    const bytes = concat(hex('82 7e 01 00'), payload);
    expectEverywhere(bytes, CLIENT, [binary(toHex(payload))]);
  });

  it('a 256-byte binary message, masked', () => {
    const payload = pseudoRandomBytes(256, 2);
    const bytes = rawFrame(0x82, payload, [0x12, 0x34, 0x56, 0x78]);
    expect(toHex(bytes.subarray(0, 8))).toBe('82 fe 01 00 12 34 56 78');
    expectEverywhere(bytes, SERVER, [binary(toHex(payload))]);
  });

  // 65547 two-way splits of 64 KiB would take minutes; the header region, a spread of
  // payload positions (every word phase) and the end cover the distinct code paths.
  const bigCuts = (length: number): number[] => {
    const cuts = new Set<number>();
    for (let i = 0; i <= 24; i++) cuts.add(i);
    for (let i = 0; i < 40; i++) cuts.add(Math.floor((length * i) / 40) + (i % 4));
    for (let i = length - 8; i <= length; i++) cuts.add(i);
    return [...cuts].filter((c) => c >= 0 && c <= length);
  };

  it('a 64 KiB binary message with a 64-bit length', () => {
    const payload = pseudoRandomBytes(65536, 3);
    const bytes = concat(hex('82 7f 00 00 00 00 00 01 00 00'), payload);
    const expected = [binary(toHex(payload))];
    for (const cut of bigCuts(bytes.length)) {
      expect(run(cutAt(bytes, [cut]), CLIENT).events).toEqual(expected);
    }
    expect(run(byteAtATime(bytes), CLIENT).events).toEqual(expected);
  });

  it('a 64 KiB binary message, masked, in every word phase', () => {
    const payload = pseudoRandomBytes(65536, 4);
    const bytes = rawFrame(0x82, payload, [0xa1, 0xb2, 0xc3, 0xd4]);
    expect(bytes.length).toBe(14 + 65536);
    const expected = [binary(toHex(payload))];
    for (const cut of bigCuts(bytes.length)) {
      expect(run(cutAt(bytes, [cut]), SERVER).events).toEqual(expected);
    }
    // Three cuts give pieces of every alignment and key phase.
    for (let a = 14; a < 22; a++) {
      expect(run(cutAt(bytes, [a, a + 1001, a + 40003]), SERVER).events).toEqual(expected);
    }
    expect(run(byteAtATime(bytes), SERVER).events).toEqual(expected);
  });
});

describe('lengths and encodings', () => {
  it('accepts empty text, binary and fragmented messages', () => {
    expectEverywhere(hex('81 00  82 00  01 00 00 00 80 00'), CLIENT, [text(''), binary(''), text('')]);
  });

  it('accepts payload lengths 125, 126 and 65535 with their minimal encodings', () => {
    for (const n of [125, 126, 65535]) {
      const payload = pseudoRandomBytes(n, n);
      const bytes = rawFrame(0x82, payload);
      expect(bytes.length - n).toBe(n < 126 ? 2 : 4);
      expect(run([bytes], CLIENT).events).toEqual([binary(toHex(payload))]);
      expect(run(cutAt(bytes, [1, 3, n - 1]), CLIENT).events).toEqual([binary(toHex(payload))]);
    }
  });

  it('accepts a non-minimal length encoding (the parser does not police §5.2 minimality)', () => {
    // Documents current behaviour: 5 bytes announced with a 16-bit and a 64-bit length.
    expectEverywhere(rawFrame(0x81, utf8('Hello'), undefined, 16), CLIENT, [text(HELLO)]);
    expectEverywhere(rawFrame(0x81, utf8('Hello'), undefined, 64), CLIENT, [text(HELLO)]);
  });

  it('accepts a message of exactly maxLength, summed across fragments', () => {
    const opts = { role: 'client', maxLength: 10 } as const;
    expectEverywhere(hex('82 0a 00 01 02 03 04 05 06 07 08 09'), opts, [binary('00 01 02 03 04 05 06 07 08 09')]);
    expectEverywhere(hex('02 06 00 01 02 03 04 05  00 00  80 04 06 07 08 09'), opts, [
      binary('00 01 02 03 04 05 06 07 08 09'),
    ]);
  });

  it('counts maxLength per message, and not control frames', () => {
    const opts = { role: 'client', maxLength: 4 } as const;
    expectEverywhere(hex('02 02 61 62  89 05 48 65 6c 6c 6f  80 02 63 64  82 04 65 66 67 68'), opts, [
      { kind: 'ping', data: HELLO },
      binary('61 62 63 64'),
      binary('65 66 67 68'),
    ]);
  });

  it('accepts exactly maxFragments frames, and does not count control frames', () => {
    const opts = { role: 'client', maxFragments: 3 } as const;
    expectEverywhere(hex('01 01 61  89 00  00 01 62  8a 00  80 01 63  01 01 64 00 01 65 80 01 66'), opts, [
      { kind: 'ping', data: '' },
      { kind: 'pong', data: '' },
      text('61 62 63'),
      text('64 65 66'),
    ]);
  });

  it('waits for the payload of a frame of exactly the default maxLength (2^26 - 1)', () => {
    expect(DEFAULT_MAX_LENGTH).toBe(2 ** 26 - 1);
    for (const chunks of chunkings(hex('82 7f 00 00 00 00 03 ff ff ff'))) {
      const result = run(chunks.chunks, CLIENT);
      expect(result.events).toEqual([]);
      expect(result.parser.stopped).toBe(false);
    }
  });

  it('accepts a 125-byte ping (RFC 6455 §5.5)', () => {
    const payload = pseudoRandomBytes(125, 5);
    expectEverywhere(rawFrame(0x89, payload), CLIENT, [{ kind: 'ping', data: toHex(payload) }]);
    expectEverywhere(rawFrame(0x89, payload, [1, 2, 3, 4]), SERVER, [{ kind: 'ping', data: toHex(payload) }]);
  });
});

describe('control frames and close', () => {
  it('delivers control frames interleaved between fragments in order (RFC 6455 §5.4)', () => {
    expectEverywhere(hex('01 03 48 65 6c  89 02 70 31  8a 00  00 00  89 02 70 32  80 02 6c 6f  89 02 70 33'), CLIENT, [
      { kind: 'ping', data: '70 31' },
      { kind: 'pong', data: '' },
      { kind: 'ping', data: '70 32' },
      text(HELLO),
      { kind: 'ping', data: '70 33' },
    ]);
  });

  it('keeps the UTF-8 state of a fragmented text message across an interleaved control frame', () => {
    // "€" = e2 82 ac, cut inside the code point by a fragment boundary and a ping.
    expectEverywhere(hex('01 02 e2 82  89 00  80 01 ac'), CLIENT, [{ kind: 'ping', data: '' }, text('e2 82 ac')]);
  });

  it('a close without body reports 1005 (RFC 6455 §7.1.5)', () => {
    expectEverywhere(hex('88 00'), CLIENT, [{ kind: 'close', code: 1005, reason: '' }]);
  });

  it('a close with a code and a UTF-8 reason, masked', () => {
    const body = concat(hex('0f a0'), utf8('bye κόσμε'));
    expectEverywhere(rawFrame(0x88, body, [9, 8, 7, 6]), SERVER, [
      { kind: 'close', code: 4000, reason: toHex(utf8('bye κόσμε')) },
    ]);
  });

  it('a close inside a fragmented message ends the stream without delivering the message', () => {
    expectEverywhere(hex('01 03 48 65 6c  88 02 03 e8  80 02 6c 6f'), CLIENT, [{ kind: 'close', code: 1000, reason: '' }]);
  });

  it('reports nothing after a close, whatever follows', () => {
    const bytes = hex('81 05 48 65 6c 6c 6f  88 02 03 e9  81 05 48 65 6c 6c 6f  ff ff ff 89 00');
    expectEverywhere(bytes, CLIENT, [text(HELLO), { kind: 'close', code: 1001, reason: '' }]);
    const result = run([bytes], CLIENT);
    expect(result.parser.stopped).toBe(true);
    result.parser.push(hex('81 01 41'));
    expect(result.events).toHaveLength(2);
  });

  it('stop() called from a sink callback ignores the rest of the same chunk', () => {
    const sink = new RecordingSink();
    const parser = new FrameParser(
      {
        onMessage: (data, isText, rsv) => {
          sink.onMessage(data, isText, rsv);
          parser.stop();
        },
        onPing: (p) => sink.onPing(p),
        onPong: (p) => sink.onPong(p),
        onClose: (c, r) => sink.onClose(c, r),
        onFailure: (f) => sink.onFailure(f),
      },
      CLIENT,
    );
    parser.push(hex('89 00  81 01 41  81 01 42  83 00'));
    expect(sink.events).toEqual([{ kind: 'ping', data: '' }, text('41')]);
    expect(parser.stopped).toBe(true);
  });

  it('stop() ends parsing: later input is ignored', () => {
    const result = run([hex('81 05 48 65')], CLIENT);
    result.parser.stop();
    expect(result.parser.stopped).toBe(true);
    result.parser.push(hex('6c 6f 81 01 41'));
    expect(result.events).toEqual([]);
  });
});

describe('reserved bits owned by an extension', () => {
  const DEFLATE = { role: 'client', allowedRsv: 0x40 } as const;

  it('passes RSV1 of the first frame through with the message', () => {
    expectEverywhere(hex('c1 05 48 65 6c 6c 6f'), DEFLATE, [text(HELLO, 0x40)]);
    expectEverywhere(hex('c2 01 00'), DEFLATE, [binary('00', 0x40)]);
    expectEverywhere(hex('41 03 48 65 6c  89 00  80 02 6c 6f'), DEFLATE, [{ kind: 'ping', data: '' }, text(HELLO, 0x40)]);
  });

  it('leaves UTF-8 of an RSV1 text message to the extension (it is compressed)', () => {
    expectEverywhere(hex('c1 02 ff fe'), DEFLATE, [text('ff fe', 0x40)]);
  });

  it('honours allowedRsv set after construction (once the extension is negotiated)', () => {
    const result = run([], CLIENT);
    result.parser.allowedRsv = 0x40;
    result.parser.push(hex('c1 01 41'));
    expect(result.events).toEqual([text('41', 0x40)]);
  });

  it('does not carry one message\'s RSV bits over to the next', () => {
    expectEverywhere(hex('c1 01 41  81 01 42'), DEFLATE, [text('41', 0x40), text('42', 0)]);
  });
});

describe('a whole conversation', () => {
  const conversation = hex(`
    81 05 48 65 6c 6c 6f
    89 00
    01 03 48 65 6c
    8a 02 68 69
    80 02 6c 6f
    82 00
    02 01 01  00 01 02  80 01 03
    81 08 ce ba e1 bd b9 cf 83 ce
    88 05 03 e8 62 79 65
    81 01 41
  `);
  const expected: SinkEvent[] = [
    text(HELLO),
    { kind: 'ping', data: '' },
    { kind: 'pong', data: '68 69' },
    text(HELLO),
    binary(''),
    binary('01 02 03'),
    // A text frame cut inside a code point is refused only at the end of the message.
    { kind: 'failure', code: 'WS_ERR_INVALID_UTF8', closeCode: 1007 },
  ];

  it('gives the same calls in every 2-way split and byte by byte', () => {
    expectEverywhere(conversation, CLIENT, expected);
  });

  it('gives the same calls in every 3-way split', () => {
    for (let a = 0; a <= conversation.length; a++) {
      for (let b = a; b <= conversation.length; b++) {
        expect({ a, b, events: run(cutAt(conversation, [a, b]), CLIENT).events }).toEqual({ a, b, events: expected });
      }
    }
  });

  it('masked, with a different key per frame, for a server', () => {
    // Re-frame the same conversation masked, frame by frame, with varied keys.
    const frames = [
      rawFrame(0x81, utf8('Hello'), [1, 2, 3, 4]),
      rawFrame(0x89, new Uint8Array(0), [5, 6, 7, 8]),
      rawFrame(0x01, utf8('Hel'), [0xff, 0, 0xff, 0]),
      rawFrame(0x8a, utf8('hi'), [0x80, 0x81, 0x82, 0x83]),
      rawFrame(0x80, utf8('lo'), [0, 0, 0, 0]),
      rawFrame(0x82, new Uint8Array(0), [9, 9, 9, 9]),
      rawFrame(0x88, hex('03 e8 62 79 65'), [0x37, 0xfa, 0x21, 0x3d]),
    ];
    expectEverywhere(concat(...frames), SERVER, [
      text(HELLO),
      { kind: 'ping', data: '' },
      { kind: 'pong', data: '68 69' },
      text(HELLO),
      binary(''),
      { kind: 'close', code: 1000, reason: '62 79 65' },
    ]);
  });
});

describe('message buffers', () => {
  it('delivered messages are not overwritten by later messages (carry buffer reuse)', () => {
    // Many small fragmented messages, one byte per push: pieces go through the shared carry buffer.
    const frames: Uint8Array[] = [];
    const expected: SinkEvent[] = [];
    for (let m = 0; m < 40; m++) {
      const payload = pseudoRandomBytes(3 + (m % 7) * 50, 100 + m);
      const cut = Math.floor(payload.length / 3);
      frames.push(rawFrame(0x02, payload.subarray(0, cut)), rawFrame(0x00, payload.subarray(cut, 2 * cut)));
      frames.push(rawFrame(0x80, payload.subarray(2 * cut)));
      expected.push(binary(toHex(payload)));
    }
    const bytes = concat(...frames);
    for (const chunks of [byteAtATime(bytes), cutAt(bytes, [7, 500, 501, 2000]), [bytes]]) {
      const result = run(chunks, CLIENT);
      expect(result.events).toEqual(expected);
      expect(result.sink.changedPayloads()).toEqual([]);
    }
  });

  it('joins large (by reference) and small (carried) pieces in order', () => {
    const sizes = [5000, 3, 4096, 1, 10000, 4095, 0, 17000];
    const payload = pseudoRandomBytes(sizes.reduce((a, b) => a + b, 0), 77);
    const frames: Uint8Array[] = [];
    let offset = 0;
    sizes.forEach((size, i) => {
      const b0 = (i === sizes.length - 1 ? 0x80 : 0) | (i === 0 ? 0x02 : 0x00);
      frames.push(rawFrame(b0, payload.subarray(offset, offset + size), [i, 2 * i, 3 * i, 255 - i]));
      offset += size;
    });
    const bytes = concat(...frames);
    const expected = [binary(toHex(payload))];
    const allocated: number[] = [];
    const allocate = (size: number): Uint8Array => {
      allocated.push(size);
      return new Uint8Array(size).fill(0xee);
    };
    for (const chunks of [[bytes], cutAt(bytes, [3, 4999, 5012, 9000, 20000, 30000]), byteAtATime(bytes)]) {
      expect(run(chunks, { role: 'server', allocate }).events).toEqual(expected);
    }
    // The joined message came from the host's allocator.
    expect(allocated).toContain(payload.length);
  });
});

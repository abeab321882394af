/**
 * Every refusal of the parser: which failure code and close code (RFC 6455 §7.4.1), in every
 * chunking, reported as soon as the byte that makes the input wrong has arrived (not later,
 * not earlier), and nothing reported after it.
 */
import { FailureCode, type FrameParserOptions } from '../../src/ws-frame-parser/index';
import { isUtf8 } from 'buffer';
import { type SinkEvent, byteAtATime, chunkings, concat, cutAt, hex, rawFrame, run, utf8 } from './helpers';

const CLIENT: FrameParserOptions = { role: 'client' };
const SERVER: FrameParserOptions = { role: 'server' };
const KEY = [0x37, 0xfa, 0x21, 0x3d];

const CLOSE_CODE: Record<FailureCode, number> = {
  WS_ERR_UNEXPECTED_RSV: 1002,
  WS_ERR_INVALID_OPCODE: 1002,
  WS_ERR_EXPECTED_FIN: 1002,
  WS_ERR_INVALID_CONTROL_PAYLOAD_LENGTH: 1002,
  WS_ERR_EXPECTED_MASK: 1002,
  WS_ERR_UNEXPECTED_MASK: 1002,
  WS_ERR_UNEXPECTED_CONTINUATION: 1002,
  WS_ERR_EXPECTED_CONTINUATION: 1002,
  WS_ERR_INVALID_PAYLOAD_LENGTH: 1002,
  WS_ERR_INVALID_CLOSE_PAYLOAD: 1002,
  WS_ERR_INVALID_CLOSE_CODE: 1002,
  WS_ERR_INVALID_UTF8: 1007,
  WS_ERR_MESSAGE_TOO_BIG: 1009,
  WS_ERR_TOO_MANY_FRAGMENTS: 1008,
};

interface FailureCase {
  name: string;
  options: FrameParserOptions;
  bytes: Uint8Array;
  code: FailureCode;
  /** The failure must be reported once exactly this many bytes were pushed, not one byte before. */
  at: number;
  /** Calls expected before the failure. */
  before?: SinkEvent[];
}

const failed = (code: FailureCode): SinkEvent => ({ kind: 'failure', code, closeCode: CLOSE_CODE[code] });

/** A valid frame appended after each case: it must never be reported. */
function trailer(options: FrameParserOptions): Uint8Array {
  return options.role === 'server' ? hex('81 85 37 fa 21 3d 7f 9f 4d 51 58') : hex('81 05 48 65 6c 6c 6f');
}

function checkCase(c: FailureCase): void {
  const expected = [...(c.before ?? []), failed(c.code)];
  const bytes = concat(c.bytes, trailer(c.options));
  for (const { name, chunks } of chunkings(bytes)) {
    const result = run(chunks, c.options);
    expect({ name, events: result.events }).toEqual({ name, events: expected });
    expect(result.sink.callsAfterEnd).toBe(0);
    expect(result.parser.stopped).toBe(true);
    expect(result.sink.failures[0]!.message.length).toBeGreaterThan(0);
  }
  // Reported exactly when byte `at` arrives.
  const bytewise = run(byteAtATime(bytes), c.options);
  expect(bytewise.countAfterPush.findIndex((n) => n === expected.length)).toBe(c.at - 1);
  expect(run([bytes.subarray(0, c.at - 1)], c.options).events).toEqual(c.before ?? []);
  expect(run([bytes.subarray(0, c.at)], c.options).events).toEqual(expected);
}

const cases: FailureCase[] = [];
const add = (c: FailureCase): void => void cases.push(c);

// RFC 6455 §5.2: opcodes 0x3-0x7 and 0xB-0xF are reserved.
for (const op of [3, 4, 5, 6, 7, 0xb, 0xc, 0xd, 0xe, 0xf]) {
  add({ name: `reserved opcode 0x${op.toString(16)}`, options: CLIENT, bytes: hex(`8${op.toString(16)} 00`), code: FailureCode.INVALID_OPCODE, at: 2 });
  add({ name: `reserved opcode 0x${op.toString(16)}, not final, masked`, options: SERVER, bytes: rawFrame(op, utf8('abc'), KEY), code: FailureCode.INVALID_OPCODE, at: 6 });
}
add({ name: 'reserved opcode inside a fragmented message', options: CLIENT, bytes: hex('01 01 61  83 00'), code: FailureCode.INVALID_OPCODE, at: 5 });

// RFC 6455 §5.2: RSV bits must be 0 unless an extension owns them.
for (const [bit, b0] of [['RSV1', 0xc1], ['RSV2', 0xa1], ['RSV3', 0x91], ['all', 0xf1]] as const) {
  add({ name: `${bit} without extension`, options: CLIENT, bytes: rawFrame(b0, utf8('Hello')), code: FailureCode.UNEXPECTED_RSV, at: 2 });
}
add({ name: 'RSV1 on a ping without extension', options: CLIENT, bytes: hex('c9 00'), code: FailureCode.UNEXPECTED_RSV, at: 2 });
const DEFLATE = { role: 'client', allowedRsv: 0x40 } as const;
add({ name: 'allowed RSV1 on a continuation frame', options: DEFLATE, bytes: hex('41 03 48 65 6c  c0 02 6c 6f'), code: FailureCode.UNEXPECTED_RSV, at: 7 });
add({ name: 'allowed RSV1 on a ping', options: DEFLATE, bytes: hex('c9 00'), code: FailureCode.UNEXPECTED_RSV, at: 2 });
add({ name: 'allowed RSV1 on a close', options: DEFLATE, bytes: hex('c8 02 03 e8'), code: FailureCode.UNEXPECTED_RSV, at: 2 });
add({ name: 'allowed RSV1 on a pong between fragments', options: DEFLATE, bytes: hex('41 01 61  ca 00'), code: FailureCode.UNEXPECTED_RSV, at: 5 });
add({ name: 'RSV2 when only RSV1 is allowed', options: DEFLATE, bytes: hex('e1 01 61'), code: FailureCode.UNEXPECTED_RSV, at: 2 });
add({ name: 'RSV1 on a continuation even when every bit is allowed', options: { role: 'client', allowedRsv: 0x70 }, bytes: hex('02 01 61  c0 01 62'), code: FailureCode.UNEXPECTED_RSV, at: 5 });

// RFC 6455 §5.1: clients mask, servers do not.
add({ name: 'unmasked frame to a server', options: SERVER, bytes: hex('81 05 48 65 6c 6c 6f'), code: FailureCode.EXPECTED_MASK, at: 2 });
add({ name: 'unmasked ping to a server', options: SERVER, bytes: hex('89 00'), code: FailureCode.EXPECTED_MASK, at: 2 });
add({ name: 'masked frame to a client', options: CLIENT, bytes: hex('81 85 37 fa 21 3d 7f 9f 4d 51 58'), code: FailureCode.UNEXPECTED_MASK, at: 6 });
add({ name: 'masked continuation to a client', options: CLIENT, bytes: concat(hex('01 01 61'), rawFrame(0x80, utf8('b'), KEY)), code: FailureCode.UNEXPECTED_MASK, at: 9 });

// RFC 6455 §5.5: control frames are final and carry at most 125 bytes.
for (const op of [8, 9, 0xa]) {
  add({ name: `control 0x${op.toString(16)} with FIN=0`, options: CLIENT, bytes: hex(`0${op.toString(16)} 00`), code: FailureCode.EXPECTED_FIN, at: 2 });
  add({ name: `control 0x${op.toString(16)} with 126 bytes`, options: CLIENT, bytes: rawFrame(0x80 | op, new Uint8Array(126)), code: FailureCode.INVALID_CONTROL_PAYLOAD_LENGTH, at: 4 });
}
add({ name: 'ping with FIN=0, masked', options: SERVER, bytes: rawFrame(0x09, utf8('x'), KEY), code: FailureCode.EXPECTED_FIN, at: 6 });
add({ name: 'ping with a 64-bit length of 126', options: CLIENT, bytes: rawFrame(0x89, new Uint8Array(126), undefined, 64), code: FailureCode.INVALID_CONTROL_PAYLOAD_LENGTH, at: 10 });
add({ name: 'pong of 126 bytes, masked', options: SERVER, bytes: rawFrame(0x8a, new Uint8Array(126), KEY), code: FailureCode.INVALID_CONTROL_PAYLOAD_LENGTH, at: 8 });

// RFC 6455 §5.5.1: a close body is empty or starts with a 2-byte code.
add({ name: 'close body of 1 byte', options: CLIENT, bytes: hex('88 01 03'), code: FailureCode.INVALID_CLOSE_PAYLOAD, at: 2 });
add({ name: 'close body of 1 byte, masked', options: SERVER, bytes: rawFrame(0x88, hex('03'), KEY), code: FailureCode.INVALID_CLOSE_PAYLOAD, at: 6 });

// RFC 6455 §7.4: codes that must not appear on the wire.
for (const code of [0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535]) {
  const body = hex((code >> 8).toString(16).padStart(2, '0') + (code & 0xff).toString(16).padStart(2, '0'));
  add({ name: `close code ${code}`, options: CLIENT, bytes: rawFrame(0x88, body), code: FailureCode.INVALID_CLOSE_CODE, at: 4 });
}
add({ name: 'close code 1005 with a reason, masked', options: SERVER, bytes: rawFrame(0x88, hex('03 ed 61 62'), KEY), code: FailureCode.INVALID_CLOSE_CODE, at: 10 });

// RFC 6455 §5.5.1 / §8.1: the close reason is UTF-8.
add({ name: 'close reason with an invalid byte', options: CLIENT, bytes: hex('88 04 03 e8 ff 41'), code: FailureCode.INVALID_UTF8, at: 6 });
add({ name: 'close reason with a surrogate', options: CLIENT, bytes: hex('88 05 03 e8 ed a0 80'), code: FailureCode.INVALID_UTF8, at: 7 });
add({ name: 'close reason ending inside a code point', options: CLIENT, bytes: hex('88 03 03 e8 ce'), code: FailureCode.INVALID_UTF8, at: 5 });
add({ name: 'close reason overlong, masked', options: SERVER, bytes: rawFrame(0x88, hex('03 e8 c0 af'), KEY), code: FailureCode.INVALID_UTF8, at: 10 });

// RFC 6455 §5.4: fragmentation rules.
add({ name: 'continuation with nothing to continue', options: CLIENT, bytes: hex('80 02 6c 6f'), code: FailureCode.UNEXPECTED_CONTINUATION, at: 2 });
add({ name: 'non-final continuation with nothing to continue', options: CLIENT, bytes: hex('00 00'), code: FailureCode.UNEXPECTED_CONTINUATION, at: 2 });
add({
  name: 'continuation after a finished message',
  options: CLIENT,
  bytes: hex('01 03 48 65 6c  80 02 6c 6f  00 00'),
  code: FailureCode.UNEXPECTED_CONTINUATION,
  at: 11,
  before: [{ kind: 'message', data: '48 65 6c 6c 6f', isText: true, rsv: 0 }],
});
add({ name: 'new text frame inside a fragmented message', options: CLIENT, bytes: hex('01 03 48 65 6c  81 02 6c 6f'), code: FailureCode.EXPECTED_CONTINUATION, at: 7 });
add({ name: 'new binary frame inside a fragmented text message', options: CLIENT, bytes: hex('01 03 48 65 6c  02 00'), code: FailureCode.EXPECTED_CONTINUATION, at: 7 });
add({
  name: 'new text frame after an interleaved ping',
  options: CLIENT,
  bytes: hex('02 01 00  89 00  81 00'),
  code: FailureCode.EXPECTED_CONTINUATION,
  at: 7,
  before: [{ kind: 'ping', data: '' }],
});

// RFC 6455 §5.2: "the most significant bit MUST be 0" in a 64-bit length.
add({ name: '64-bit length with the top bit set', options: CLIENT, bytes: hex('82 7f 80 00 00 00 00 00 00 00'), code: FailureCode.INVALID_PAYLOAD_LENGTH, at: 10 });
add({ name: '64-bit length of all ones', options: CLIENT, bytes: hex('82 7f ff ff ff ff ff ff ff ff'), code: FailureCode.INVALID_PAYLOAD_LENGTH, at: 10 });
add({ name: '64-bit length with the top bit set, masked', options: SERVER, bytes: hex('82 ff 80 00 00 00 00 00 00 05 01 02 03 04'), code: FailureCode.INVALID_PAYLOAD_LENGTH, at: 14 });

// maxLength (1009) is checked from each header, before any payload arrives.
add({ name: 'single frame over maxLength', options: { role: 'client', maxLength: 10 }, bytes: rawFrame(0x82, new Uint8Array(11)), code: FailureCode.MESSAGE_TOO_BIG, at: 2 });
add({ name: 'single frame over maxLength, masked', options: { role: 'server', maxLength: 10 }, bytes: rawFrame(0x81, utf8('Hello world'), KEY), code: FailureCode.MESSAGE_TOO_BIG, at: 6 });
add({ name: '16-bit length over maxLength', options: { role: 'client', maxLength: 1000 }, bytes: rawFrame(0x82, new Uint8Array(1001)), code: FailureCode.MESSAGE_TOO_BIG, at: 4 });
add({ name: '64-bit length over the default maxLength (2^26 - 1)', options: CLIENT, bytes: hex('82 7f 00 00 00 00 04 00 00 00'), code: FailureCode.MESSAGE_TOO_BIG, at: 10 });
add({ name: '64-bit length of 2^63 - 1', options: CLIENT, bytes: hex('82 7f 7f ff ff ff ff ff ff ff'), code: FailureCode.MESSAGE_TOO_BIG, at: 10 });
add({
  name: 'fragments summing over maxLength',
  options: { role: 'client', maxLength: 10 },
  bytes: hex('02 06 00 01 02 03 04 05  89 00  00 04 06 07 08 09  80 01 0a'),
  code: FailureCode.MESSAGE_TOO_BIG,
  at: 8 + 2 + 6 + 2,
  before: [{ kind: 'ping', data: '' }],
});
add({
  name: 'second message over maxLength after a message of exactly maxLength',
  options: { role: 'client', maxLength: 2 },
  bytes: hex('82 02 01 02  82 03 01 02 03'),
  code: FailureCode.MESSAGE_TOO_BIG,
  at: 6,
  before: [{ kind: 'message', data: '01 02', isText: false, rsv: 0 }],
});

// maxFragments (1008): counted per message, on the header of the frame one too many.
add({ name: 'fragments over maxFragments', options: { role: 'client', maxFragments: 3 }, bytes: hex('01 01 61  00 01 62  89 00  00 01 63  80 01 64'), code: FailureCode.TOO_MANY_FRAGMENTS, at: 13, before: [{ kind: 'ping', data: '' }] });
add({ name: 'two fragments with maxFragments 1', options: { role: 'client', maxFragments: 1 }, bytes: hex('02 00 80 00'), code: FailureCode.TOO_MANY_FRAGMENTS, at: 4 });

// RFC 6455 §8.1: text must be UTF-8; refused at the first offending byte.
add({ name: 'text 0xff', options: CLIENT, bytes: hex('81 01 ff'), code: FailureCode.INVALID_UTF8, at: 3 });
add({ name: 'text lone continuation byte', options: CLIENT, bytes: hex('81 03 61 80 61'), code: FailureCode.INVALID_UTF8, at: 4 });
add({ name: 'text overlong C0 AF', options: CLIENT, bytes: hex('81 02 c0 af'), code: FailureCode.INVALID_UTF8, at: 3 });
add({ name: 'text overlong E0 80 AF', options: CLIENT, bytes: hex('81 03 e0 80 af'), code: FailureCode.INVALID_UTF8, at: 4 });
add({ name: 'text surrogate ED A0 80', options: CLIENT, bytes: hex('81 03 ed a0 80'), code: FailureCode.INVALID_UTF8, at: 4 });
add({ name: 'text above U+10FFFF', options: CLIENT, bytes: hex('81 04 f4 90 80 80'), code: FailureCode.INVALID_UTF8, at: 4 });
add({ name: 'text F5 lead', options: CLIENT, bytes: hex('81 04 f5 80 80 80'), code: FailureCode.INVALID_UTF8, at: 3 });
add({ name: 'text invalid, masked', options: SERVER, bytes: rawFrame(0x81, hex('61 62 ed a0 80'), KEY), code: FailureCode.INVALID_UTF8, at: 6 + 4 });
add({ name: 'text invalid in the second fragment', options: CLIENT, bytes: hex('01 01 61  80 02 62 ff'), code: FailureCode.INVALID_UTF8, at: 7 });
add({
  name: 'text invalid after a long valid run (native bulk path)',
  options: { role: 'client', isUtf8 },
  bytes: concat(hex('81 7e 00 67'), new Uint8Array(100).fill(0x61), hex('ed a0 80')),
  code: FailureCode.INVALID_UTF8,
  at: 4 + 100 + 2,
});
// A text message may not end inside a code point: refused when its last frame ends.
add({ name: 'text ending inside a code point', options: CLIENT, bytes: hex('81 02 e2 82'), code: FailureCode.INVALID_UTF8, at: 4 });
add({ name: 'text ending inside a code point, empty final fragment', options: CLIENT, bytes: hex('01 02 e2 82  80 00'), code: FailureCode.INVALID_UTF8, at: 6 });
add({ name: 'text ending inside a code point after a ping', options: { role: 'client', isUtf8 }, bytes: hex('01 02 f0 9f  89 00  80 01 98'), code: FailureCode.INVALID_UTF8, at: 9, before: [{ kind: 'ping', data: '' }] });

describe('every failure code', () => {
  it('is covered by the cases below, with its close code', () => {
    expect(new Set(cases.map((c) => c.code))).toEqual(new Set(Object.values(FailureCode)));
  });

  it.each(cases.map((c) => [c.name, c] as const))('%s', (_, c) => checkCase(c));
});

describe('close codes accepted on the wire (RFC 6455 §7.4.1, §7.4.2)', () => {
  it.each([1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 4999])('%i', (code) => {
    const frame = rawFrame(0x88, concat(Uint8Array.of(code >> 8, code & 0xff), utf8('ok')));
    for (const { name, chunks } of chunkings(concat(frame, hex('81 01 41')))) {
      expect({ name, events: run(chunks, CLIENT).events }).toEqual({ name, events: [{ kind: 'close', code, reason: '6f 6b' }] });
    }
    expect(run([rawFrame(0x88, Uint8Array.of(code >> 8, code & 0xff), KEY)], SERVER).events).toEqual([{ kind: 'close', code, reason: '' }]);
  });
});

describe('fail-fast UTF-8 (Autobahn 6.4.1-6.4.4)', () => {
  const good = hex('ce ba e1 bd b9 cf 83 ce bc ce b5'); // "κόσμε"
  const bad = hex('f4 90 80 80'); // above U+10FFFF: 0x90 is the first offending byte
  const rest = utf8('edited');
  const payload = concat(good, bad, rest);
  const badIndex = good.length + 1; // index of 0x90 in the payload

  const variants: { name: string; options: FrameParserOptions; bytes: Uint8Array; offending: number }[] = [];
  for (const [label, nativeCheck] of [['automaton', undefined], ['native bulk', isUtf8]] as const) {
    for (const role of ['client', 'server'] as const) {
      const key = role === 'server' ? KEY : undefined;
      const h = role === 'server' ? 6 : 2;
      const options: FrameParserOptions = nativeCheck === undefined ? { role } : { role, isUtf8: nativeCheck };
      // 6.4.1: three frames, the second carries the invalid sequence.
      variants.push({
        name: `6.4.1 three frames, ${role}, ${label}`,
        options,
        bytes: concat(rawFrame(0x01, good, key), rawFrame(0x00, bad, key), rawFrame(0x80, rest, key)),
        offending: h + good.length + h + 1,
      });
      // 6.4.2: the second frame carries only the first offending byte.
      variants.push({
        name: `6.4.2 offending byte alone in a frame, ${role}, ${label}`,
        options,
        bytes: concat(rawFrame(0x01, payload.subarray(0, badIndex), key), rawFrame(0x00, payload.subarray(badIndex, badIndex + 1), key), rawFrame(0x80, payload.subarray(badIndex + 1), key)),
        offending: h + badIndex + h,
      });
      // 6.4.3 / 6.4.4: one frame; the chunkings below cut it as Autobahn does.
      variants.push({ name: `6.4.3/4 one frame, ${role}, ${label}`, options, bytes: rawFrame(0x81, payload, key), offending: h + badIndex });
      // Long valid prefix, so the native bulk check handles the run before the bad bytes.
      const long = concat(new Uint8Array(200).fill(0x61), payload);
      variants.push({ name: `long prefix, ${role}, ${label}`, options, bytes: rawFrame(0x81, long, key), offending: (role === 'server' ? 8 : 4) + 200 + badIndex });
    }
  }

  it.each(variants.map((v) => [v.name, v] as const))('%s: refused exactly when the offending byte arrives', (_, v) => {
    const expected = [failed(FailureCode.INVALID_UTF8)];
    if (v.options.role === 'client') expect(v.bytes[v.offending]).toBe(0x90);
    for (let k = 0; k <= v.bytes.length; k++) {
      // Everything up to byte k in one push, then in two pushes cut at the offending byte.
      const events = run([v.bytes.subarray(0, k)], v.options).events;
      expect({ k, events }).toEqual({ k, events: k > v.offending ? expected : [] });
    }
    // Autobahn-style chunks: valid part, offending part, rest; the failure comes with the middle chunk.
    for (const width of [1, 4]) {
      const result = run(cutAt(v.bytes, [v.offending, v.offending + width]), v.options);
      expect(result.countAfterPush).toEqual([0, 1, 1]);
      expect(result.events).toEqual(expected);
    }
    const bytewise = run(byteAtATime(v.bytes), v.options);
    expect(bytewise.countAfterPush.indexOf(1)).toBe(v.offending);
    expect(bytewise.sink.callsAfterEnd).toBe(0);
  });
});

describe('after a failure', () => {
  it('ignores every later push', () => {
    const result = run([hex('83 00 81 05 48 65')], CLIENT);
    expect(result.events).toEqual([failed(FailureCode.INVALID_OPCODE)]);
    for (const more of [hex('6c 6f'), hex('89 00'), hex('88 00'), hex('ff ff')]) result.parser.push(more);
    expect(result.events).toHaveLength(1);
    expect(result.parser.stopped).toBe(true);
  });

  it('reports one failure even when a single chunk holds several errors', () => {
    const result = run([hex('81 01 ff  83 00  80 00  88 01 00')], CLIENT);
    expect(result.events).toEqual([failed(FailureCode.INVALID_UTF8)]);
  });

  it('a failing parser does not disturb another one (no shared state)', () => {
    const a = run([hex('01 02 e2 82')], CLIENT);
    run([hex('81 01 ff')], CLIENT);
    a.parser.push(hex('80 01 ac'));
    expect(a.events).toEqual([{ kind: 'message', data: 'e2 82 ac', isText: true, rsv: 0 }]);
  });
});

/**
 * The serializer's framing rules (RFC 6455 §5.2, §5.4, §5.5), checked on the bytes it writes.
 */
import { Opcode, encodeClosePayload, encodeFragments, encodeFrame } from '../../src/ws-frame-parser/index';
import { hex, run, toHex, utf8 } from './helpers';

const key = (k: number[]) => (target: Uint8Array) => target.set(k);

describe('encodeFrame', () => {
  it('writes the RFC 6455 §5.7 examples byte for byte', () => {
    expect(toHex(encodeFrame({ opcode: Opcode.TEXT }, utf8('Hello')))).toBe('81 05 48 65 6c 6c 6f');
    expect(toHex(encodeFrame({ opcode: Opcode.TEXT }, utf8('Hello'), { mask: key([0x37, 0xfa, 0x21, 0x3d]) }))).toBe(
      '81 85 37 fa 21 3d 7f 9f 4d 51 58',
    );
    expect(toHex(encodeFrame({ opcode: Opcode.PING }, utf8('Hello')))).toBe('89 05 48 65 6c 6c 6f');
    expect(toHex(encodeFrame({ opcode: Opcode.BINARY }, new Uint8Array(256)).subarray(0, 4))).toBe('82 7e 01 00');
    expect(toHex(encodeFrame({ opcode: Opcode.BINARY }, new Uint8Array(65536)).subarray(0, 10))).toBe('82 7f 00 00 00 00 00 01 00 00');
  });

  it('sets FIN and RSV bits as asked and leaves the payload untouched when masking', () => {
    expect(toHex(encodeFrame({ opcode: Opcode.TEXT, fin: false, rsv: 0x40 }, utf8('a')))).toBe('41 01 61');
    const payload = utf8('abcdef');
    const frame = encodeFrame({ opcode: Opcode.BINARY }, payload, { mask: key([1, 2, 3, 4]) });
    expect(toHex(payload)).toBe('61 62 63 64 65 66');
    expect(toHex(frame)).toBe('82 86 01 02 03 04 60 60 60 60 64 64');
  });

  it('draws a fresh key per frame from the mask source', () => {
    let calls = 0;
    const mask = (target: Uint8Array): void => {
      calls++;
      target.set([calls, calls, calls, calls]);
    };
    const a = encodeFrame({ opcode: Opcode.BINARY }, hex('00'), { mask });
    const b = encodeFrame({ opcode: Opcode.BINARY }, hex('00'), { mask });
    expect(toHex(a)).toBe('82 81 01 01 01 01 01');
    expect(toHex(b)).toBe('82 81 02 02 02 02 02');
  });

  it('refuses control frames over 125 bytes or not final (RFC 6455 §5.5)', () => {
    expect(() => encodeFrame({ opcode: Opcode.PING }, new Uint8Array(126))).toThrow(RangeError);
    expect(() => encodeFrame({ opcode: Opcode.CLOSE }, new Uint8Array(2), { mask: key([0, 0, 0, 0]) })).not.toThrow();
    expect(() => encodeFrame({ opcode: Opcode.PONG, fin: false }, new Uint8Array(0))).toThrow(RangeError);
    expect(() => encodeFrame({ opcode: Opcode.PING }, new Uint8Array(125))).not.toThrow();
  });
});

describe('encodeFragments (RFC 6455 §5.4)', () => {
  it('cuts a message: opcode and RSV on the first frame, FIN on the last', () => {
    const frames = encodeFragments({ opcode: Opcode.TEXT, rsv: 0x40 }, utf8('Hello'), 2);
    expect(frames.map(toHex)).toEqual(['41 02 48 65', '00 02 6c 6c', '80 01 6f']);
    expect(run(frames, { role: 'client', allowedRsv: 0x40 }).events).toEqual([
      { kind: 'message', data: '48 65 6c 6c 6f', isText: true, rsv: 0x40 },
    ]);
  });

  it('gives one frame for a payload that fits, and one empty frame for an empty payload', () => {
    expect(encodeFragments({ opcode: Opcode.BINARY }, utf8('abc'), 3).map(toHex)).toEqual(['82 03 61 62 63']);
    expect(encodeFragments({ opcode: Opcode.BINARY }, new Uint8Array(0), 10).map(toHex)).toEqual(['82 00']);
  });

  it('leaves the message open with fin: false', () => {
    expect(encodeFragments({ opcode: Opcode.BINARY, fin: false }, utf8('abc'), 2).map(toHex)).toEqual(['02 02 61 62', '00 01 63']);
  });

  it('masks every fragment with its own key', () => {
    let n = 0;
    const frames = encodeFragments({ opcode: Opcode.BINARY }, hex('00 00 00'), 1, { mask: (t) => t.fill(++n) });
    expect(frames.map(toHex)).toEqual(['02 81 01 01 01 01 01', '00 81 02 02 02 02 02', '80 81 03 03 03 03 03']);
  });

  it('refuses a fragment size under 1 and control opcodes', () => {
    expect(() => encodeFragments({ opcode: Opcode.TEXT }, utf8('a'), 0)).toThrow(RangeError);
    expect(() => encodeFragments({ opcode: Opcode.TEXT }, utf8('a'), Number.NaN)).toThrow(RangeError);
    expect(() => encodeFragments({ opcode: Opcode.PING }, utf8('a'), 10)).toThrow(RangeError);
  });
});

describe('encodeClosePayload (RFC 6455 §5.5.1)', () => {
  it('writes the code in network order, then the reason', () => {
    expect(toHex(encodeClosePayload(1000))).toBe('03 e8');
    expect(toHex(encodeClosePayload(4999, utf8('ok')))).toBe('13 87 6f 6b');
    expect(toHex(encodeClosePayload(undefined))).toBe('');
  });
});

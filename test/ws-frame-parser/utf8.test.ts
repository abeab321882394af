/**
 * Utf8Validator (RFC 3629 §4) against Node's validators: `buffer.isUtf8` and a fatal
 * `TextDecoder`, on edge sequences and random bytes pushed in random pieces, with and
 * without the native bulk check, and with the earliest failing byte checked exactly.
 */
import { isUtf8 } from 'buffer';
import fc from 'fast-check';
import { Utf8Validator, isUtf8Automaton } from '../../src/ws-frame-parser/index';
import { concat, cutAt, hex } from './helpers';

/**
 * Completions that turn any valid prefix into valid UTF-8: after a lead byte, a second byte
 * from {80, 90, A0} meets every narrowed range (ED/F4: 80-9F/80-8F, F0: 90-BF, E0: A0-BF).
 */
const COMPLETIONS = ['', '80', '80 80', '80 80 80', '90', '90 80', '90 80 80', 'a0', 'a0 80', 'a0 80 80'].map(hex);

function isValidPrefix(bytes: Uint8Array): boolean {
  return COMPLETIONS.some((suffix) => isUtf8(concat(bytes, suffix)));
}

/** Index of the first byte after which the input can no longer be UTF-8, or -1. Prefix validity is monotone, so bisect. */
function firstBadByteByIsUtf8(bytes: Uint8Array): number {
  if (isValidPrefix(bytes)) return -1;
  let lo = 0; // bytes[0, lo) is a valid prefix
  let hi = bytes.length; // bytes[0, hi) is not
  while (hi - lo > 1) {
    const mid = (lo + hi) >>> 1;
    if (isValidPrefix(bytes.subarray(0, mid))) lo = mid;
    else hi = mid;
  }
  return hi - 1;
}

/** The same, from the WHATWG decoder fed one byte at a time (it also refuses at the first offending byte). */
function firstBadByteByDecoder(bytes: Uint8Array): number {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  for (let i = 0; i < bytes.length; i++) {
    try {
      decoder.decode(bytes.subarray(i, i + 1), { stream: true });
    } catch {
      return i;
    }
  }
  return -1;
}

function decoderAccepts(bytes: Uint8Array): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return true;
  } catch {
    return false;
  }
}

type Bulk = ((bytes: Uint8Array) => boolean) | null;
const BULKS: [string, Bulk][] = [
  ['automaton only', null],
  ['native bulk', isUtf8],
];

/** Pushes the chunks; returns the index of the chunk refused (or -1) and `complete` at the end. */
function pushAll(bulk: Bulk, chunks: readonly Uint8Array[]): { refusedChunk: number; complete: boolean } {
  const validator = new Utf8Validator(bulk);
  for (let i = 0; i < chunks.length; i++) {
    if (!validator.push(chunks[i]!)) return { refusedChunk: i, complete: false };
  }
  return { refusedChunk: -1, complete: validator.complete };
}

/** The chunk that holds byte `index` (an empty chunk never does). */
function chunkOf(chunks: readonly Uint8Array[], index: number): number {
  let end = 0;
  for (let i = 0; i < chunks.length; i++) {
    end += chunks[i]!.length;
    if (index < end) return i;
  }
  return -1;
}

/** The validator refuses exactly the chunk holding the first bad byte, and is complete exactly on valid input. */
function checkChunks(bulk: Bulk, bytes: Uint8Array, chunks: readonly Uint8Array[]): void {
  const firstBad = firstBadByteByIsUtf8(bytes);
  const result = pushAll(bulk, chunks);
  expect(result.refusedChunk).toBe(firstBad === -1 ? -1 : chunkOf(chunks, firstBad));
  if (firstBad === -1) expect(result.complete).toBe(isUtf8(bytes));
}

//            bytes                 valid?  why
const EDGES: [string, boolean, string][] = [
  ['', true, 'empty'],
  ['00', true, 'NUL'],
  ['7f', true, 'last ASCII'],
  ['c2 80', true, 'U+0080'],
  ['df bf', true, 'U+07FF'],
  ['c0 80', false, 'overlong NUL'],
  ['c0 af', false, 'overlong "/"'],
  ['c1 bf', false, 'overlong U+007F'],
  ['e0 a0 80', true, 'U+0800'],
  ['e0 9f bf', false, 'overlong U+07FF'],
  ['e0 80 af', false, 'overlong "/" in 3 bytes'],
  ['ed 9f bf', true, 'U+D7FF, last before surrogates'],
  ['ed a0 80', false, 'U+D800 surrogate'],
  ['ed af bf', false, 'U+DBFF surrogate'],
  ['ed b0 80', false, 'U+DC00 surrogate'],
  ['ed bf bf', false, 'U+DFFF surrogate'],
  ['ed a0 80 ed b0 80', false, 'CESU-8 surrogate pair'],
  ['ee 80 80', true, 'U+E000'],
  ['ef bb bf', true, 'BOM'],
  ['ef bf bd', true, 'U+FFFD'],
  ['ef bf be', true, 'U+FFFE non-character (valid)'],
  ['ef bf bf', true, 'U+FFFF non-character (valid)'],
  ['ef b7 90', true, 'U+FDD0 non-character (valid)'],
  ['f0 90 80 80', true, 'U+10000'],
  ['f0 8f bf bf', false, 'overlong U+FFFF'],
  ['f0 80 80 af', false, 'overlong "/" in 4 bytes'],
  ['f4 8f bf bf', true, 'U+10FFFF'],
  ['f4 90 80 80', false, 'U+110000'],
  ['f5 80 80 80', false, 'F5 lead'],
  ['f7 bf bf bf', false, 'U+1FFFFF'],
  ['f8 88 80 80 80', false, '5-byte form'],
  ['fc 84 80 80 80 80', false, '6-byte form'],
  ['fe', false, 'FE'],
  ['ff', false, 'FF'],
  ['80', false, 'lone continuation'],
  ['bf', false, 'lone continuation BF'],
  ['41 80 41', false, 'continuation after ASCII'],
  ['c2 80 80', false, 'one continuation too many'],
  ['f0 90 80 80 80', false, 'continuation after a 4-byte sequence'],
  ['c2', false, 'truncated 2-byte'],
  ['e0 a0', false, 'truncated 3-byte'],
  ['e2 82', false, 'truncated "€"'],
  ['f0 90 80', false, 'truncated 4-byte'],
  ['f4 8f bf', false, 'truncated U+10FFFF'],
  ['c2 41', false, 'ASCII inside a 2-byte sequence'],
  ['e2 82 41', false, 'ASCII inside a 3-byte sequence'],
  ['f0 90 41 80', false, 'ASCII inside a 4-byte sequence'],
  ['e2 82 ac', true, '€'],
  ['ce ba e1 bd b9 cf 83 ce bc ce b5', true, 'κόσμε'],
  ['f0 9f 98 80 f0 9f 98 80', true, 'two emoji'],
];

// Each edge alone, and padded with ASCII so that it sits inside a run long enough for the bulk check.
const PAD = new Uint8Array(40).fill(0x61);
const EDGE_INPUTS = EDGES.flatMap(([h, valid, why]) => {
  const b = hex(h);
  return [
    { name: why, bytes: b, valid },
    { name: `${why}, padded before`, bytes: concat(PAD, b), valid },
    { name: `${why}, padded both sides`, bytes: concat(PAD, b, PAD), valid },
    { name: `${why}, between multi-byte text`, bytes: concat(hex('ce ba '.repeat(20)), b, hex('e2 82 ac'.repeat(12))), valid },
  ];
});

describe('the oracles agree with each other and with the hand-written verdicts', () => {
  it.each(EDGE_INPUTS.map((e) => [e.name, e] as const))('%s', (_, e) => {
    expect(isUtf8(e.bytes)).toBe(e.valid);
    expect(decoderAccepts(e.bytes)).toBe(e.valid);
    expect(isUtf8Automaton(e.bytes)).toBe(e.valid);
    expect(firstBadByteByDecoder(e.bytes)).toBe(firstBadByteByIsUtf8(e.bytes));
  });
});

describe.each(BULKS)('Utf8Validator, %s', (_, bulk) => {
  it.each(EDGE_INPUTS.map((e) => [e.name, e] as const))('%s: whole, every 2-way split, byte by byte', (__, e) => {
    checkChunks(bulk, e.bytes, [e.bytes]);
    for (let cut = 0; cut <= e.bytes.length; cut++) checkChunks(bulk, e.bytes, cutAt(e.bytes, [cut]));
    checkChunks(bulk, e.bytes, Array.from(e.bytes, (_b, i) => e.bytes.subarray(i, i + 1)));
  });

  it('refuses an invalid prefix at the exact byte that makes it invalid', () => {
    // Hand-computed indexes of the first offending byte.
    const cases: [string, number][] = [
      ['ff', 0],
      ['61 80', 1],
      ['c0 80', 0],
      ['c2 41', 1],
      ['e0 9f bf', 1],
      ['ed a0 80', 1],
      ['f0 8f bf bf', 1],
      ['f4 90 80 80', 1],
      ['f0 90 80 41', 3],
      ['ce ba e1 bd b9 cf 83 ce bc ce b5 f4 90 80 80 65 64', 12],
    ];
    for (const [h, index] of cases) {
      const bytes = hex(h);
      expect(firstBadByteByIsUtf8(bytes)).toBe(index);
      const validator = new Utf8Validator(bulk);
      let refusedAt = -1;
      for (let i = 0; i < bytes.length && refusedAt === -1; i++) {
        if (!validator.push(bytes, i, i + 1)) refusedAt = i;
      }
      expect({ h, refusedAt }).toEqual({ h, refusedAt: index });
    }
  });

  it('validates only the [start, end) range it is given', () => {
    const bytes = hex('ff 61 62 e2 82 ac ff');
    const validator = new Utf8Validator(bulk);
    expect(validator.push(bytes, 1, 5)).toBe(true);
    expect(validator.complete).toBe(false);
    expect(validator.push(bytes, 5, 6)).toBe(true);
    expect(validator.complete).toBe(true);
    expect(validator.push(bytes, 6, 7)).toBe(false);
  });

  it('reset() forgets an unfinished code point', () => {
    const validator = new Utf8Validator(bulk);
    expect(validator.push(hex('f0 9f'))).toBe(true);
    expect(validator.complete).toBe(false);
    validator.reset();
    expect(validator.complete).toBe(true);
    expect(validator.push(hex('41'))).toBe(true);
    // After F0 the next byte must be 90-BF; after reset 0x80 is a lone continuation.
    validator.reset();
    expect(validator.push(hex('80'))).toBe(false);
  });
});

/** Bytes that hit the interesting cases often: valid text, edge sequences, their pieces, and noise. */
const utf8ishBytes = fc
  .array(
    fc.oneof(
      fc.string({ unit: 'binary', maxLength: 12 }).map((s) => new TextEncoder().encode(s)),
      fc.constantFrom(...EDGES.map(([h]) => hex(h))),
      fc.uint8Array({ minLength: 1, maxLength: 3 }),
      fc.integer({ min: 1, max: 80 }).map((n) => new Uint8Array(n).fill(0x61)),
    ),
    { maxLength: 12 },
  )
  .map((parts) => concat(...parts));

/** Random cut points of an array, including empty pieces. */
const withCuts = (bytes: fc.Arbitrary<Uint8Array>) =>
  bytes.chain((b) => fc.tuple(fc.constant(b), fc.array(fc.integer({ min: 0, max: b.length }), { maxLength: 8 })));

describe('random input against Node', () => {
  it.each(BULKS)('%s: same verdict, refused in the chunk holding the first bad byte', (_, bulk) => {
    fc.assert(
      fc.property(withCuts(utf8ishBytes), ([bytes, cuts]) => {
        checkChunks(bulk, bytes, cutAt(bytes, cuts));
        expect(isUtf8Automaton(bytes)).toBe(isUtf8(bytes));
      }),
      { numRuns: 600 },
    );
  });

  it('arbitrary bytes: both validators agree with the decoder, byte by byte', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        const firstBad = firstBadByteByDecoder(bytes);
        expect(firstBadByteByIsUtf8(bytes)).toBe(firstBad);
        for (const [, bulk] of BULKS) {
          checkChunks(bulk, bytes, Array.from(bytes, (_b, i) => bytes.subarray(i, i + 1)));
        }
      }),
      { numRuns: 400 },
    );
  });

  it('valid text in random pieces is always accepted and complete', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary', maxLength: 200 }).chain((s) => {
          const bytes = new TextEncoder().encode(s);
          return fc.tuple(fc.constant(bytes), fc.array(fc.integer({ min: 0, max: bytes.length }), { maxLength: 10 }));
        }),
        ([bytes, cuts]) => {
          for (const [, bulk] of BULKS) expect(pushAll(bulk, cutAt(bytes, cuts))).toEqual({ refusedChunk: -1, complete: true });
        },
      ),
      { numRuns: 300 },
    );
  });
});

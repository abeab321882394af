/**
 * RFC 6455 §5.3 masking: `unmaskInPlace` (word-at-a-time where aligned) against a naive byte
 * loop, for every length, alignment and key phase; `maskInto` leaves its source alone.
 */
import fc from 'fast-check';
import { maskInto, unmaskInPlace, unmaskWithoutSimd } from '../../src/ws-frame-parser/index';
import { pseudoRandomBytes } from './helpers';

/** §5.3: transformed-octet-i = original-octet-i XOR masking-key-octet-(i MOD 4), shifted by `phase`. */
function naiveMask(data: Uint8Array, key: Uint8Array, phase: number): Uint8Array {
  return Uint8Array.from(data, (b, i) => b ^ key[(phase + i) % 4]!);
}

const keyArb = fc.uint8Array({ minLength: 4, maxLength: 4 });
/** Lengths around the SIMD threshold, around one 64 KiB window, and up to several windows. */
const longLengthArb = fc.oneof(fc.integer({ min: 0, max: 600 }), fc.integer({ min: 65530, max: 65542 }), fc.integer({ min: 0, max: 200_000 }));
const phaseArb = fc.integer({ min: 0, max: 3 });

describe('unmaskInPlace', () => {
  it('equals the naive loop for random lengths, offsets and phases, touching nothing outside', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 300 }),
        fc.integer({ min: 0, max: 15 }),
        fc.integer({ min: 0, max: 3 }),
        keyArb,
        fc.integer(),
        (length, byteOffset, phase, key, seed) => {
          const backing = pseudoRandomBytes(byteOffset + length + 9, seed);
          const before = backing.slice();
          const data = backing.subarray(byteOffset, byteOffset + length);
          const expected = naiveMask(data, key, phase);
          unmaskInPlace(data, key, phase);
          expect(data).toEqual(expected);
          // Bytes around the view are untouched (the word loop must not overrun).
          expect(backing.subarray(0, byteOffset)).toEqual(before.subarray(0, byteOffset));
          expect(backing.subarray(byteOffset + length)).toEqual(before.subarray(byteOffset + length));
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('covers every length 0..300 at every misalignment and phase (exhaustive)', () => {
    const key = Uint8Array.of(0x37, 0xfa, 0x21, 0x3d);
    for (let length = 0; length <= 300; length++) {
      for (let byteOffset = 0; byteOffset < 4; byteOffset++) {
        for (let phase = 0; phase < 4; phase++) {
          const backing = pseudoRandomBytes(byteOffset + length + 4, length * 16 + byteOffset * 4 + phase + 1);
          const data = backing.subarray(byteOffset, byteOffset + length);
          const expected = naiveMask(data, key, phase);
          unmaskInPlace(data, key, phase);
          if (!data.every((b, i) => b === expected[i])) {
            throw new Error(`mismatch at length ${length}, byteOffset ${byteOffset}, phase ${phase}`);
          }
        }
      }
    }
  });

  it.each([
    ['as dispatched (SIMD window from 256 bytes)', unmaskInPlace],
    ['without SIMD (the JavaScript word loop)', unmaskWithoutSimd],
  ])('%s: equals the naive loop past the SIMD threshold and across several 64 KiB windows', (_name, unmask) => {
    fc.assert(
      fc.property(
        longLengthArb,
        fc.integer({ min: 0, max: 7 }),
        phaseArb,
        keyArb,
        (length, byteOffset, phase, key) => {
          const backing = pseudoRandomBytes(byteOffset + length + 5, length + byteOffset);
          const before = backing.slice();
          const data = backing.subarray(byteOffset, byteOffset + length);
          const expected = naiveMask(data, key, phase);
          unmask(data, key, phase);
          expect(Buffer.from(data).equals(Buffer.from(expected))).toBe(true);
          expect(backing.subarray(0, byteOffset)).toEqual(before.subarray(0, byteOffset));
          expect(backing.subarray(byteOffset + length)).toEqual(before.subarray(byteOffset + length));
        },
      ),
      { numRuns: 60 },
    );
  });

  it('phase counts payload bytes already seen: any phase equals its value mod 4', () => {
    const key = Uint8Array.of(1, 2, 4, 8);
    const data = pseudoRandomBytes(130, 9);
    for (const phase of [4, 5, 1001, 65538]) {
      const a = data.slice();
      const b = data.slice();
      unmaskInPlace(a, key, phase);
      unmaskInPlace(b, key, phase % 4);
      expect(a).toEqual(b);
    }
  });

  it('unmasking a payload piece by piece with running phases equals unmasking it at once', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 400 }),
        fc.array(fc.integer({ min: 0, max: 400 }), { maxLength: 6 }),
        keyArb,
        (payload, rawCuts, key) => {
          const cuts = [0, ...rawCuts.map((c) => c % (payload.length + 1)).sort((x, y) => x - y), payload.length];
          const pieces = payload.slice();
          for (let i = 0; i + 1 < cuts.length; i++) {
            unmaskInPlace(pieces.subarray(cuts[i]!, cuts[i + 1]!), key, cuts[i]!);
          }
          expect(pieces).toEqual(naiveMask(payload, key, 0));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('is its own inverse and leaves a zero key as identity', () => {
    const data = pseudoRandomBytes(257, 3);
    const copy = data.slice();
    const key = Uint8Array.of(0xde, 0xad, 0xbe, 0xef);
    unmaskInPlace(copy.subarray(1), key, 2);
    expect(copy).not.toEqual(data);
    unmaskInPlace(copy.subarray(1), key, 2);
    expect(copy).toEqual(data);
    unmaskInPlace(copy, new Uint8Array(4), 1);
    expect(copy).toEqual(data);
  });

  it('works on a view of a Node Buffer from the shared pool', () => {
    const key = Uint8Array.of(9, 8, 7, 6);
    const source = pseudoRandomBytes(200, 11);
    const buffer = Buffer.from(source); // pooled: byteOffset is usually not 0
    const view = buffer.subarray(3);
    unmaskInPlace(view, key, 1);
    expect(new Uint8Array(view)).toEqual(naiveMask(source.subarray(3), key, 1));
    expect(buffer.subarray(0, 3)).toEqual(Buffer.from(source.subarray(0, 3)));
  });
});

describe('maskInto', () => {
  it('writes the masked source at the offset and leaves the source and the rest of the target untouched', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 300 }),
        fc.integer({ min: 0, max: 20 }),
        fc.integer({ min: 0, max: 20 }),
        keyArb,
        (source, offset, extra, key) => {
          const sourceBefore = source.slice();
          const target = new Uint8Array(offset + source.length + extra).fill(0x5a);
          maskInto(source, target, offset, key);
          expect(source).toEqual(sourceBefore);
          expect(target.subarray(offset, offset + source.length)).toEqual(naiveMask(source, key, 0));
          expect(target.subarray(0, offset).every((b) => b === 0x5a)).toBe(true);
          expect(target.subarray(offset + source.length).every((b) => b === 0x5a)).toBe(true);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('with a phase, equals the naive loop for sizes up to several 64 KiB windows', () => {
    fc.assert(
      fc.property(
        longLengthArb,
        fc.integer({ min: 0, max: 9 }),
        phaseArb,
        keyArb,
        (length, offset, phase, key) => {
          const source = pseudoRandomBytes(length, length + 7);
          const target = new Uint8Array(offset + length + 3).fill(0xa5);
          maskInto(source, target, offset, key, phase);
          expect(Buffer.from(target.subarray(offset, offset + length)).equals(Buffer.from(naiveMask(source, key, phase)))).toBe(true);
          expect(target.subarray(0, offset).every((b) => b === 0xa5)).toBe(true);
          expect(target.subarray(offset + length).every((b) => b === 0xa5)).toBe(true);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('leaves a source that is a view of the target region\'s neighbour untouched', () => {
    // Source and target share one buffer, in disjoint regions.
    const shared = pseudoRandomBytes(300, 5);
    const source = shared.subarray(0, 100);
    const before = source.slice();
    const key = Uint8Array.of(1, 2, 3, 4);
    maskInto(source, shared, 150, key);
    expect(source).toEqual(before);
    expect(shared.subarray(150, 250)).toEqual(naiveMask(before, key, 0));
  });
});

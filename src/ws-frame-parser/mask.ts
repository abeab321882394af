/**
 * XOR masking of RFC 6455 §5.3, in 32-bit words where the buffer allows it.
 *
 * `phase` is how many payload bytes came before `data` in the same frame, so that a payload
 * cut across chunks is unmasked piece by piece with the right key byte.
 */

/** Under this size a word view costs more than it saves. */
const WORD_THRESHOLD = 64;

/** Reused 4-byte scratch whose word view reads the rotated key in the machine's byte order. */
const keyBytes = new Uint8Array(4);
const keyWord = new Int32Array(keyBytes.buffer);

export function unmaskInPlace(data: Uint8Array, key: Uint8Array, phase = 0): void {
  const length = data.length;
  let i = 0;
  if (length >= WORD_THRESHOLD) {
    // Bytes up to the first 4-byte-aligned address go one at a time.
    const misalignment = (4 - ((data.byteOffset) & 3)) & 3;
    for (; i < misalignment; i++) data[i] ^= key[(phase + i) & 3]!;
    const start = (phase + i) & 3;
    keyBytes[0] = key[start]!;
    keyBytes[1] = key[(start + 1) & 3]!;
    keyBytes[2] = key[(start + 2) & 3]!;
    keyBytes[3] = key[(start + 3) & 3]!;
    const word = keyWord[0]!;
    const words = (length - i) >>> 2;
    // Int32 keeps the XOR in small-integer arithmetic; eight words a round cut the loop overhead.
    const view = new Int32Array(data.buffer, data.byteOffset + i, words);
    const unrolled = words & ~7;
    let w = 0;
    for (; w < unrolled; w += 8) {
      view[w] ^= word;
      view[w + 1] ^= word;
      view[w + 2] ^= word;
      view[w + 3] ^= word;
      view[w + 4] ^= word;
      view[w + 5] ^= word;
      view[w + 6] ^= word;
      view[w + 7] ^= word;
    }
    for (; w < words; w++) view[w] ^= word;
    i += words << 2;
  }
  for (; i < length; i++) data[i] ^= key[(phase + i) & 3]!;
}

/** Writes `source` masked with `key` into `target` at `offset`, leaving `source` untouched. */
export function maskInto(source: Uint8Array, target: Uint8Array, offset: number, key: Uint8Array): void {
  target.set(source, offset);
  unmaskInPlace(target.subarray(offset, offset + source.length), key, 0);
}

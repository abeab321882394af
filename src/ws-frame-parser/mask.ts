/**
 * XOR masking of RFC 6455 §5.3: through the WebAssembly SIMD window (`xor-window.ts`) from 256
 * bytes, in 32-bit words from 128 bytes, four bytes a round below.
 *
 * `phase` is how many payload bytes came before `data` in the same frame, so that a payload
 * cut across chunks is unmasked piece by piece with the right key byte.
 */

import { createXorWindow, WINDOW_SIZE } from './xor-window.js';

/**
 * Under this size making a word view costs more than it saves (Node 20, 64 B: 55 ns with the view,
 * 27 ns four bytes a round; even at 128 B).
 */
const WORD_THRESHOLD = 128;

/** From this size copying through the SIMD window beats the word loop. */
const SIMD_THRESHOLD = 256;

const simd = createXorWindow();

/** Reused 4-byte scratch whose word view reads the rotated key in the machine's byte order. */
const keyBytes = new Uint8Array(4);
const keyWord = new Int32Array(keyBytes.buffer);

export function unmaskInPlace(data: Uint8Array, key: Uint8Array, phase = 0): void {
  if (data.length >= SIMD_THRESHOLD && simd !== null) xorThroughWindow(data, data, 0, key, phase);
  else unmaskWithoutSimd(data, key, phase);
}

/** The JavaScript path alone: what `unmaskInPlace` does where WebAssembly SIMD is missing. */
export function unmaskWithoutSimd(data: Uint8Array, key: Uint8Array, phase = 0): void {
  const length = data.length;
  if (length < WORD_THRESHOLD) {
    xorBytes(data, key, phase, 0, length);
    return;
  }
  // Bytes up to the first 4-byte-aligned address go one at a time.
  const head = (4 - (data.byteOffset & 3)) & 3;
  xorBytes(data, key, phase, 0, head);
  const start = (phase + head) & 3;
  keyBytes[0] = key[start]!;
  keyBytes[1] = key[(start + 1) & 3]!;
  keyBytes[2] = key[(start + 2) & 3]!;
  keyBytes[3] = key[(start + 3) & 3]!;
  const words = (length - head) >>> 2;
  xorWords(new Int32Array(data.buffer, data.byteOffset + head, words), keyWord[0]!);
  xorBytes(data, key, phase, head + (words << 2), length);
}

/**
 * The byte loop lives apart from the word loop: every head, tail and small frame runs through this
 * one function, so its type feedback is complete before the word loop is optimized. Inline, the
 * rarely reached tail kept deoptimizing the optimized word loop.
 */
function xorBytes(data: Uint8Array, key: Uint8Array, phase: number, from: number, to: number): void {
  // Four bytes a round with the key bytes in locals: no key index to compute per byte.
  const p = phase + from;
  const k0 = key[p & 3]!;
  const k1 = key[(p + 1) & 3]!;
  const k2 = key[(p + 2) & 3]!;
  const k3 = key[(p + 3) & 3]!;
  let i = from;
  for (const rounds = from + ((to - from) & ~3); i < rounds; i += 4) {
    data[i] ^= k0;
    data[i + 1] ^= k1;
    data[i + 2] ^= k2;
    data[i + 3] ^= k3;
  }
  for (; i < to; i++) data[i] ^= key[(phase + i) & 3]!;
}

/** Int32 keeps the XOR in small-integer arithmetic; eight words a round cut the loop overhead. */
function xorWords(view: Int32Array, word: number): void {
  const words = view.length;
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
}

/**
 * Writes `source` XORed with `key` into `target` at `offset`, leaving `source` untouched (masking
 * and unmasking are the same operation). `phase` is as for `unmaskInPlace`.
 */
export function maskInto(source: Uint8Array, target: Uint8Array, offset: number, key: Uint8Array, phase = 0): void {
  if (source.length >= SIMD_THRESHOLD && simd !== null) {
    xorThroughWindow(source, target, offset, key, phase);
    return;
  }
  target.set(source, offset);
  unmaskWithoutSimd(target.subarray(offset, offset + source.length), key, phase);
}

/** XORs `source` into `target` at `offset` (which may be `source` itself) through the SIMD window. */
function xorThroughWindow(source: Uint8Array, target: Uint8Array, offset: number, key: Uint8Array, phase: number): void {
  const window = simd!;
  const word = key[phase & 3]! | (key[(phase + 1) & 3]! << 8) | (key[(phase + 2) & 3]! << 16) | (key[(phase + 3) & 3]! << 24);
  const length = source.length;
  for (let done = 0; done < length; done += WINDOW_SIZE) {
    const n = Math.min(WINDOW_SIZE, length - done);
    window.bytes.set(n === length ? source : source.subarray(done, done + n));
    window.xor(n, word);
    target.set(n === WINDOW_SIZE ? window.bytes : window.bytes.subarray(0, n), offset + done);
  }
}

/** Deterministic test payloads of exact byte sizes: UTF-8 text with multibyte characters, and binary. */

export function prng(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    // xorshift32
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state;
  };
}

const WORDS = ['hello ', 'κόσμε ', '𤭢 ', 'naïve ', 'Grüße ', '{"id":42,"ok":true} ', '日本語 ', 'the ', 'quick ', '🦊 ', 'brown ', 'fox '];

/** A string of exactly `bytes` bytes of UTF-8, mostly words with 2-, 3- and 4-byte characters. */
export function textOf(bytes: number, seed = 1): string {
  const next = prng(seed);
  let out = '';
  let length = 0;
  for (;;) {
    const word = WORDS[next() % WORDS.length]!;
    const size = Buffer.byteLength(word);
    if (length + size > bytes) break;
    out += word;
    length += size;
  }
  return out + '.'.repeat(bytes - length);
}

/** `bytes` bytes that compress somewhat (runs and a small alphabet, with some noise). */
export function binaryOf(bytes: number, seed = 2): Buffer {
  const next = prng(seed);
  const out = Buffer.allocUnsafe(bytes);
  let i = 0;
  while (i < bytes) {
    const r = next();
    const run = 1 + (r & 15);
    const value = (r >>> 8) & 0x3f;
    out.fill(value, i, Math.min(bytes, i + run));
    i += run;
  }
  return out;
}

/**
 * Incremental UTF-8 validation (RFC 3629 §4), strict about every prefix so that an invalid
 * sequence is refused as soon as its first offending byte arrives (Autobahn 6.4 "fail fast").
 *
 * Whole runs of complete code points go to `bulkCheck` (Node's native `buffer.isUtf8` when
 * the host injects it); only the bytes of a code point cut by a chunk or fragment boundary
 * go through the byte-at-a-time automaton.
 */
export type Utf8BulkCheck = (bytes: Uint8Array) => boolean;

/** Below this many bytes the automaton beats the cost of a subarray and a native call. */
const BULK_THRESHOLD = 32;

export class Utf8Validator {
  /** Continuation bytes still expected for the current code point. */
  private pending = 0;
  /** Allowed range of the next continuation byte (narrower after E0, ED, F0, F4). */
  private low = 0x80;
  private high = 0xbf;

  /** `null`: validate everything with the automaton (no native help available). */
  constructor(private readonly bulkCheck: Utf8BulkCheck | null = null) {}

  /** Validates `bytes[start, end)` as the continuation of what came before. */
  push(bytes: Uint8Array, start = 0, end = bytes.length): boolean {
    let i = start;
    while (this.pending !== 0 && i < end) {
      if (!this.step(bytes[i]!)) return false;
      i++;
    }
    if (i === end) return true;
    const tail = incompleteTailStart(bytes, i, end);
    if (this.bulkCheck !== null && tail - i >= BULK_THRESHOLD) {
      // The common case, a whole run of complete code points, is checked without a view of its own.
      if (!this.bulkCheck(i === 0 && tail === bytes.length ? bytes : bytes.subarray(i, tail))) return false;
      i = tail;
    }
    for (; i < end; i++) {
      if (!this.step(bytes[i]!)) return false;
    }
    return true;
  }

  /** True when the bytes pushed so far end on a code point boundary. */
  get complete(): boolean {
    return this.pending === 0;
  }

  reset(): void {
    this.pending = 0;
    this.low = 0x80;
    this.high = 0xbf;
  }

  private step(byte: number): boolean {
    if (this.pending !== 0) {
      if (byte < this.low || byte > this.high) return false;
      this.pending--;
      this.low = 0x80;
      this.high = 0xbf;
      return true;
    }
    if (byte < 0x80) return true;
    if (byte >= 0xc2 && byte <= 0xdf) {
      this.pending = 1;
    } else if (byte >= 0xe0 && byte <= 0xef) {
      this.pending = 2;
      if (byte === 0xe0) this.low = 0xa0; // overlong
      else if (byte === 0xed) this.high = 0x9f; // UTF-16 surrogates
    } else if (byte >= 0xf0 && byte <= 0xf4) {
      this.pending = 3;
      if (byte === 0xf0) this.low = 0x90; // overlong
      else if (byte === 0xf4) this.high = 0x8f; // above U+10FFFF
    } else {
      return false;
    }
    return true;
  }
}

/**
 * Where the last, possibly unfinished, code point of `bytes[start, end)` begins; `end` when
 * the range ends on a boundary. Looks back at most three bytes.
 */
function incompleteTailStart(bytes: Uint8Array, start: number, end: number): number {
  let j = end - 1;
  const stop = Math.max(start, end - 4);
  while (j >= stop && (bytes[j]! & 0xc0) === 0x80) j--;
  if (j < stop) return end;
  const lead = bytes[j]!;
  const length = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
  return end - j < length ? j : end;
}

/** Validates one complete buffer without native help. */
export function isUtf8Automaton(bytes: Uint8Array): boolean {
  const validator = new Utf8Validator(null);
  return validator.push(bytes) && validator.complete;
}

/**
 * Shared helpers for the ws-frame-parser tests: hex fixtures, a recording sink and
 * chunkings of a byte stream.
 */
import { createHash } from 'crypto';
import { FrameParser, type FrameFailure, type FrameParserOptions, type FrameSink } from '../../src/ws-frame-parser/index';

/** "81 05 48 65" (spaces and newlines ignored) -> bytes. Throws on malformed input so a typo cannot pass silently. */
export function hex(text: string): Uint8Array {
  const clean = text.replace(/\s+/g, '');
  if (clean.length % 2 !== 0 || /[^0-9a-fA-F]/.test(clean)) throw new Error(`bad hex fixture: ${text}`);
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(clean.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** Spaced hex; payloads over 1 KiB are summarised by length and digest to keep big tests fast. */
export function toHex(bytes: Uint8Array): string {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  if (bytes.length > 1024) return `[${bytes.length} bytes, sha256 ${createHash('sha256').update(buffer).digest('hex')}]`;
  return buffer.toString('hex').replace(/(..)(?!$)/g, '$1 ');
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  return concatAll(parts);
}

/** `concat` for a list of any length (a message fragmented a byte a frame has more parts than a call may take arguments). */
export function concatAll(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

export function utf8(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

/** One sink call, in a form `toEqual` compares exactly (payloads as hex). */
export type SinkEvent =
  | { kind: 'message'; data: string; isText: boolean; rsv: number }
  | { kind: 'ping'; data: string }
  | { kind: 'pong'; data: string }
  | { kind: 'close'; code: number; reason: string }
  | { kind: 'failure'; code: string; closeCode: number };

/**
 * Records every sink call. Payloads are snapshotted when delivered, and the delivered arrays
 * are kept so that `assertPayloadsStable` can check later input never overwrote them (the
 * parser may hand out views of its input or of its carry buffer).
 */
export class RecordingSink implements FrameSink {
  readonly events: SinkEvent[] = [];
  readonly failures: FrameFailure[] = [];
  /** Calls made after a close or failure had already been reported. */
  callsAfterEnd = 0;
  private ended = false;
  private readonly delivered: { view: Uint8Array; snapshot: string }[] = [];

  private record(event: SinkEvent, payload: Uint8Array | null): void {
    if (this.ended) this.callsAfterEnd++;
    this.events.push(event);
    if (payload !== null) this.delivered.push({ view: payload, snapshot: toHex(payload) });
  }

  onMessage(data: Uint8Array, isText: boolean, rsv: number): void {
    this.record({ kind: 'message', data: toHex(data), isText, rsv }, data);
  }
  onPing(payload: Uint8Array): void {
    this.record({ kind: 'ping', data: toHex(payload) }, payload);
  }
  onPong(payload: Uint8Array): void {
    this.record({ kind: 'pong', data: toHex(payload) }, payload);
  }
  onClose(code: number, reason: Uint8Array): void {
    this.record({ kind: 'close', code, reason: toHex(reason) }, reason);
    this.ended = true;
  }
  onFailure(failure: FrameFailure): void {
    this.failures.push(failure);
    this.record({ kind: 'failure', code: failure.code, closeCode: failure.closeCode }, null);
    this.ended = true;
  }

  /** Delivered payloads whose bytes changed after delivery (should be empty). */
  changedPayloads(): string[] {
    const changed: string[] = [];
    for (const { view, snapshot } of this.delivered) {
      const now = toHex(view);
      if (now !== snapshot) changed.push(`${snapshot} -> ${now}`);
    }
    return changed;
  }
}

export interface RunResult {
  events: SinkEvent[];
  /** events.length after each push. */
  countAfterPush: number[];
  sink: RecordingSink;
  parser: FrameParser;
}

/** Feeds copies of `chunks` (the parser unmasks in place, so inputs are never handed over). */
export function run(chunks: readonly Uint8Array[], options: FrameParserOptions): RunResult {
  const sink = new RecordingSink();
  const parser = new FrameParser(sink, options);
  const countAfterPush: number[] = [];
  for (const chunk of chunks) {
    parser.push(chunk.slice());
    countAfterPush.push(sink.events.length);
  }
  return { events: sink.events, countAfterPush, sink, parser };
}

/** Cuts `bytes` at the given offsets (sorted, in 0..length). */
export function cutAt(bytes: Uint8Array, cuts: readonly number[]): Uint8Array[] {
  const points = [0, ...[...cuts].sort((a, b) => a - b), bytes.length];
  const out: Uint8Array[] = [];
  for (let i = 0; i + 1 < points.length; i++) out.push(bytes.subarray(points[i]!, points[i + 1]!));
  return out;
}

export function byteAtATime(bytes: Uint8Array): Uint8Array[] {
  return Array.from(bytes, (_, i) => bytes.subarray(i, i + 1));
}

/** Every chunking to try for a fixture: whole, each 2-way split (incl. empty halves), one byte at a time. */
export function chunkings(bytes: Uint8Array): { name: string; chunks: Uint8Array[] }[] {
  const out: { name: string; chunks: Uint8Array[] }[] = [{ name: 'whole', chunks: [bytes] }];
  for (let cut = 0; cut <= bytes.length; cut++) out.push({ name: `split@${cut}`, chunks: cutAt(bytes, [cut]) });
  out.push({ name: 'bytewise', chunks: byteAtATime(bytes) });
  return out;
}

/** A deterministic masking key source (RFC 6455 §5.3 requires unpredictability on the wire, not in tests). */
export function fixedMask(key: readonly number[]): (target: Uint8Array) => void {
  return (target) => target.set(key);
}

/**
 * An independent, naive frame builder for fixtures (deliberately not the serializer under
 * test). `b0` is the whole first header byte; `key` masks the payload byte by byte
 * (RFC 6455 §5.3); `width` forces a length encoding, including non-minimal ones.
 */
export function rawFrame(b0: number, payload: Uint8Array, key?: readonly number[], width?: 7 | 16 | 64): Uint8Array {
  const n = payload.length;
  const w = width ?? (n < 126 ? 7 : n < 0x10000 ? 16 : 64);
  const maskBit = key === undefined ? 0 : 0x80;
  const header: number[] = [b0];
  if (w === 7) header.push(maskBit | n);
  else if (w === 16) header.push(maskBit | 126, (n >> 8) & 0xff, n & 0xff);
  else {
    header.push(maskBit | 127);
    const high = Math.floor(n / 2 ** 32);
    for (const v of [high, n >>> 0]) header.push((v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff);
  }
  if (key !== undefined) header.push(...key);
  const body = payload.slice();
  if (key !== undefined) for (let i = 0; i < body.length; i++) body[i] ^= key[i % 4]!;
  return concat(Uint8Array.from(header), body);
}

/** Deterministic pseudo-random bytes (xorshift32), so fixtures are reproducible. */
export function pseudoRandomBytes(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}

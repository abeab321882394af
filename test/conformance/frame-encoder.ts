/**
 * A deliberately small, independent RFC 6455 frame encoder for the conformance client.
 *
 * It shares no code with the library under test: every bit that goes on the wire is chosen here,
 * including ones a well-behaved encoder would refuse (reserved bits, reserved opcodes, oversized
 * or fragmented control frames, bad close payloads).
 */
import { randomBytes } from 'node:crypto';

export const Op = {
  CONTINUATION: 0x0,
  TEXT: 0x1,
  BINARY: 0x2,
  CLOSE: 0x8,
  PING: 0x9,
  PONG: 0xa,
} as const;

export type Payload = Buffer | Uint8Array | string;

export interface FrameSpec {
  /** 0..15, including reserved values. */
  opcode: number;
  payload?: Payload;
  /** Default true. */
  fin?: boolean;
  /** RSV1..RSV3 as a 3-bit number: 4 = RSV1, 2 = RSV2, 1 = RSV3. Default 0. */
  rsv?: number;
  /** Default true (a client must mask). A Buffer gives the exact 4-byte key. */
  mask?: boolean | Buffer;
}

export function toBuffer(payload: Payload | undefined): Buffer {
  if (payload === undefined) return Buffer.alloc(0);
  if (typeof payload === 'string') return Buffer.from(payload, 'utf8');
  if (Buffer.isBuffer(payload)) return payload;
  return Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
}

/** XOR `src` with `key` into `dst` (same length). */
export function applyMask(src: Buffer, key: Buffer, dst: Buffer): void {
  const n = src.length;
  const k0 = key[0]!;
  const k1 = key[1]!;
  const k2 = key[2]!;
  const k3 = key[3]!;
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    dst[i] = src[i]! ^ k0;
    dst[i + 1] = src[i + 1]! ^ k1;
    dst[i + 2] = src[i + 2]! ^ k2;
    dst[i + 3] = src[i + 3]! ^ k3;
  }
  for (; i < n; i++) dst[i] = src[i]! ^ key[i & 3]!;
}

/** Length of the header `encodeFrame` produces for a payload of `length` bytes. */
export function headerLength(length: number, masked = true): number {
  const base = length < 126 ? 2 : length < 0x10000 ? 4 : 10;
  return base + (masked ? 4 : 0);
}

export function encodeFrame(spec: FrameSpec): Buffer {
  const payload = toBuffer(spec.payload);
  const fin = spec.fin ?? true;
  const rsv = spec.rsv ?? 0;
  if (spec.opcode < 0 || spec.opcode > 15) throw new RangeError(`opcode ${spec.opcode} does not fit in 4 bits`);
  if (rsv < 0 || rsv > 7) throw new RangeError(`rsv ${rsv} does not fit in 3 bits`);
  const maskOpt = spec.mask ?? true;
  const key = maskOpt === false ? null : Buffer.isBuffer(maskOpt) ? maskOpt : randomBytes(4);
  if (key && key.length !== 4) throw new RangeError('mask key must be 4 bytes');

  const length = payload.length;
  const hlen = headerLength(length, key !== null);
  const out = Buffer.allocUnsafe(hlen + length);
  out[0] = (fin ? 0x80 : 0) | (rsv << 4) | spec.opcode;
  const maskBit = key ? 0x80 : 0;
  let offset: number;
  if (length < 126) {
    out[1] = maskBit | length;
    offset = 2;
  } else if (length < 0x10000) {
    out[1] = maskBit | 126;
    out.writeUInt16BE(length, 2);
    offset = 4;
  } else {
    out[1] = maskBit | 127;
    out.writeUInt32BE(Math.floor(length / 0x100000000), 2);
    out.writeUInt32BE(length >>> 0, 6);
    offset = 10;
  }
  if (key) {
    key.copy(out, offset);
    offset += 4;
    applyMask(payload, key, out.subarray(offset));
  } else {
    payload.copy(out, offset);
  }
  return out;
}

/** Body of a close frame: 2-byte code (if given) followed by the reason bytes. */
export function closePayload(code?: number, reason: Payload = ''): Buffer {
  if (code === undefined) return Buffer.alloc(0);
  const r = toBuffer(reason);
  const out = Buffer.allocUnsafe(2 + r.length);
  out.writeUInt16BE(code, 0);
  r.copy(out, 2);
  return out;
}

/** Split `data` into consecutive pieces of at most `size` bytes (at least one piece, even if empty). */
export function chop(data: Buffer, size: number): Buffer[] {
  if (size <= 0) throw new RangeError('chop size must be positive');
  if (data.length === 0) return [data];
  const out: Buffer[] = [];
  for (let i = 0; i < data.length; i += size) out.push(data.subarray(i, Math.min(i + size, data.length)));
  return out;
}

/** Frames of one data message split into fragments of `size` payload bytes (Autobahn's payload_frag_size). */
export function fragmentMessage(opcode: number, payload: Payload, size: number): FrameSpec[] {
  const parts = chop(toBuffer(payload), size);
  return parts.map((part, i) => ({
    opcode: i === 0 ? opcode : Op.CONTINUATION,
    fin: i === parts.length - 1,
    payload: part,
  }));
}

/**
 * RFC 6455 §5.2 frame serializer: frames in, bytes out.
 *
 * The building blocks (`frameHeaderLength`, `writeFrameHeader`) let a host write headers
 * straight into its own output buffer; `encodeFrame` and `encodeFragments` return whole frames.
 */
import { maskInto } from './mask.js';
import { MAX_CONTROL_PAYLOAD, isControlOpcode } from './opcodes.js';

/** Fills the 4-byte array with a fresh masking key (RFC 6455 §5.3: unpredictable, per frame). */
export type MaskSource = (key: Uint8Array) => void;

export interface FrameFields {
  opcode: number;
  /** Default true. */
  fin?: boolean;
  /** Reserved bits as they sit in the first header byte (RSV1 = 0x40). Default 0. */
  rsv?: number;
}

export interface EncodeOptions {
  /** Present for a client: every frame is masked with a key from it. */
  mask?: MaskSource | null;
}

export function frameHeaderLength(payloadLength: number, masked: boolean): number {
  const extended = payloadLength < 126 ? 0 : payloadLength < 0x10000 ? 2 : 8;
  return 2 + extended + (masked ? 4 : 0);
}

/**
 * Writes a header at `offset` of `target` and returns the offset after it. `maskKey`, when
 * given, is written as the frame's key; masking the payload is the caller's part.
 */
export function writeFrameHeader(
  target: Uint8Array,
  offset: number,
  fields: FrameFields,
  payloadLength: number,
  maskKey: Uint8Array | null,
): number {
  target[offset] = (fields.fin === false ? 0 : 0x80) | (fields.rsv ?? 0) | fields.opcode;
  const maskBit = maskKey === null ? 0 : 0x80;
  if (payloadLength < 126) {
    target[offset + 1] = maskBit | payloadLength;
    offset += 2;
  } else if (payloadLength < 0x10000) {
    target[offset + 1] = maskBit | 126;
    target[offset + 2] = payloadLength >>> 8;
    target[offset + 3] = payloadLength & 0xff;
    offset += 4;
  } else {
    target[offset + 1] = maskBit | 127;
    const high = Math.floor(payloadLength / 0x100000000);
    writeUint32(target, offset + 2, high);
    writeUint32(target, offset + 6, payloadLength >>> 0);
    offset += 10;
  }
  if (maskKey !== null) {
    target[offset] = maskKey[0]!;
    target[offset + 1] = maskKey[1]!;
    target[offset + 2] = maskKey[2]!;
    target[offset + 3] = maskKey[3]!;
    offset += 4;
  }
  return offset;
}

/** One whole frame. The payload is copied (and masked when `options.mask` is set). */
export function encodeFrame(fields: FrameFields, payload: Uint8Array, options: EncodeOptions = {}): Uint8Array {
  if (isControlOpcode(fields.opcode) && (payload.length > MAX_CONTROL_PAYLOAD || fields.fin === false)) {
    throw new RangeError('a control frame must be final and carry at most 125 bytes');
  }
  const mask = options.mask ?? null;
  const out = new Uint8Array(frameHeaderLength(payload.length, mask !== null) + payload.length);
  let key: Uint8Array | null = null;
  if (mask !== null) {
    key = new Uint8Array(4);
    mask(key);
  }
  const offset = writeFrameHeader(out, 0, fields, payload.length, key);
  if (key === null) out.set(payload, offset);
  else maskInto(payload, out, offset, key);
  return out;
}

/**
 * A data message cut into frames of at most `fragmentSize` payload bytes (RFC 6455 §5.4).
 * The reserved bits go on the first frame only; an empty payload gives one empty frame.
 */
export function encodeFragments(
  fields: FrameFields,
  payload: Uint8Array,
  fragmentSize: number,
  options: EncodeOptions = {},
): Uint8Array[] {
  if (!(fragmentSize >= 1)) throw new RangeError('fragmentSize must be at least 1');
  if (isControlOpcode(fields.opcode)) throw new RangeError('control frames cannot be fragmented');
  const frames: Uint8Array[] = [];
  let offset = 0;
  do {
    const end = Math.min(payload.length, offset + fragmentSize);
    const first = offset === 0;
    const last = end === payload.length;
    frames.push(
      encodeFrame(
        { opcode: first ? fields.opcode : 0, fin: last && fields.fin !== false, rsv: first ? (fields.rsv ?? 0) : 0 },
        payload.subarray(offset, end),
        options,
      ),
    );
    offset = end;
  } while (offset < payload.length);
  return frames;
}

/** The body of a close frame: code in network order, then the reason's UTF-8 bytes. */
export function encodeClosePayload(code: number | undefined, reason: Uint8Array = new Uint8Array(0)): Uint8Array {
  if (code === undefined) return new Uint8Array(0);
  const body = new Uint8Array(2 + reason.length);
  body[0] = code >>> 8;
  body[1] = code & 0xff;
  body.set(reason, 2);
  return body;
}

function writeUint32(target: Uint8Array, at: number, value: number): void {
  target[at] = value >>> 24;
  target[at + 1] = (value >>> 16) & 0xff;
  target[at + 2] = (value >>> 8) & 0xff;
  target[at + 3] = value & 0xff;
}

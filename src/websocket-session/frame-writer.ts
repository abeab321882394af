/**
 * Frames written into a socket's per-turn batch: the header straight into the output slab,
 * small payloads copied after it (and masked there for a client), large binary payloads
 * queued by reference so that they are never copied.
 */
import { frameHeaderLength, maskInto, unmaskInPlace, writeFrameHeader, type FrameFields } from '../ws-frame-parser/index.js';
import { randomMask } from './mask-source.js';
import { copyRemembered, rememberedLength, rememberText } from './text-memo.js';
import type { WriteBatcher } from './write-batcher.js';

/** Binary payloads up to this size are copied into the batch; a separate write costs more. */
const INLINE_LIMIT = 4 * 1024;

const maskKey = new Uint8Array(4);
/** Filled in for each frame: no object per frame. */
const fields: FrameFields = { opcode: 0, fin: true, rsv: 0 };

export function writeFrame(
  writer: WriteBatcher,
  masked: boolean,
  opcode: number,
  data: string | Buffer,
  rsv = 0,
  fin = true,
): void {
  const isString = typeof data === 'string';
  const remembered = isString ? rememberedLength(data) : -1;
  const length = remembered >= 0 ? remembered : isString ? Buffer.byteLength(data) : data.length;
  const headerLength = frameHeaderLength(length, masked);
  let key: Uint8Array | null = null;
  if (masked) {
    randomMask(maskKey);
    key = maskKey;
  }
  fields.opcode = opcode;
  fields.fin = fin;
  fields.rsv = rsv;
  if (isString || masked || length <= INLINE_LIMIT) {
    const at = writer.reserve(headerLength + length);
    const buffer = writer.target;
    const offset = writeFrameHeader(buffer, at, fields, length, key);
    if (!isString) {
      // A client's binary payload is copied and masked in one pass.
      if (key !== null) maskInto(data, buffer, offset, key);
      else data.copy(buffer, offset);
      return;
    }
    if (remembered >= 0) {
      copyRemembered(buffer, offset);
    } else {
      buffer.write(data, offset, length, 'utf8');
      // Masked bytes are not the text's encoding.
      if (key === null) rememberText(data, buffer, offset, offset + length);
    }
    if (key !== null && length > 0) unmaskInPlace(buffer.subarray(offset, offset + length), key);
  } else {
    const at = writer.reserve(headerLength);
    writeFrameHeader(writer.target, at, fields, length, null);
    writer.push(data);
  }
}

/** Raw text (an HTTP handshake) ahead of any frame. */
export function writeLatin1(writer: WriteBatcher, text: string): void {
  const length = Buffer.byteLength(text, 'latin1');
  const at = writer.reserve(length);
  writer.target.write(text, at, length, 'latin1');
}

/**
 * Frames written into a socket's per-turn batch: the header straight into the output slab,
 * small payloads copied after it (and masked there for a client), large binary payloads
 * queued by reference so that they are never copied.
 */
import { frameHeaderLength, unmaskInPlace, writeFrameHeader } from './ws-frame-parser/index.js';
import { randomMask } from './mask-source.js';
import type { WriteBatcher } from './write-batcher.js';

/** Binary payloads up to this size are copied into the batch; a separate write costs more. */
const INLINE_LIMIT = 4 * 1024;

const maskKey = new Uint8Array(4);

export function writeFrame(
  writer: WriteBatcher,
  masked: boolean,
  opcode: number,
  data: string | Buffer,
  rsv = 0,
  fin = true,
): void {
  const isString = typeof data === 'string';
  const length = isString ? Buffer.byteLength(data) : data.length;
  const headerLength = frameHeaderLength(length, masked);
  let key: Uint8Array | null = null;
  if (masked) {
    randomMask(maskKey);
    key = maskKey;
  }
  const fields = { opcode, fin, rsv };
  if (isString || masked || length <= INLINE_LIMIT) {
    const [buffer, at] = writer.reserve(headerLength + length);
    const offset = writeFrameHeader(buffer, at, fields, length, key);
    if (isString) buffer.write(data, offset, length, 'utf8');
    else data.copy(buffer, offset);
    if (key !== null && length > 0) unmaskInPlace(buffer.subarray(offset, offset + length), key);
  } else {
    const [buffer, at] = writer.reserve(headerLength);
    writeFrameHeader(buffer, at, fields, length, null);
    writer.push(data);
  }
}

/** Raw text (an HTTP handshake) ahead of any frame. */
export function writeLatin1(writer: WriteBatcher, text: string): void {
  const length = Buffer.byteLength(text, 'latin1');
  const [buffer, at] = writer.reserve(length);
  buffer.write(text, at, length, 'latin1');
}

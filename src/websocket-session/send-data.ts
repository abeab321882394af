/**
 * What `send()` accepts, turned into a frame payload: strings go as text; Buffers, any
 * ArrayBufferView, ArrayBuffers and arrays of byte integers go as binary (no copy where the
 * input already is bytes).
 */
import { ArgumentError } from '../errors.js';

export type SendData = string | Buffer | ArrayBuffer | SharedArrayBuffer | ArrayBufferView | readonly number[];

export interface Payload {
  isText: boolean;
  /** A string is kept as is and encoded straight into the output buffer. */
  data: string | Buffer;
}

export function toPayload(data: SendData): Payload {
  if (typeof data === 'string') return { isText: true, data };
  return { isText: false, data: toBuffer(data) };
}

export function toBuffer(data: Exclude<SendData, string>): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  if (data instanceof ArrayBuffer || data instanceof SharedArrayBuffer) return Buffer.from(data);
  if (Array.isArray(data)) {
    for (const byte of data) {
      if (!Number.isInteger(byte) || byte < 0 || byte > 255) {
        throw new ArgumentError('an array sent as binary must hold integers from 0 to 255', 'ERR_INVALID_SEND_DATA');
      }
    }
    return Buffer.from(data);
  }
  throw new ArgumentError(
    'send() takes a string, a Buffer, an ArrayBuffer, an ArrayBufferView or an array of bytes',
    'ERR_INVALID_SEND_DATA',
  );
}

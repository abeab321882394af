/**
 * The zlib side of permessage-deflate (RFC 7692 §7.2): compress a message and strip the
 * trailing empty block, or append it and inflate, with the inflated size held to `maxLength`
 * while inflating, so a small bomb cannot make large output.
 */
import * as zlib from 'node:zlib';
import { ExtensionError } from '../errors.js';
import { CloseCode } from '../ws-frame-parser/index.js';
import { withZlibSlot } from './zlib-limiter.js';

/** RFC 7692 §7.2.1: the 4 octets a sync flush ends with, removed on the wire. */
const TRAILER = Buffer.from([0x00, 0x00, 0xff, 0xff]);

export interface CodecOptions {
  deflateWindowBits: number;
  inflateWindowBits: number;
  /** Our compressor forgets its window after each message (we promised no context takeover). */
  deflateNoContext: boolean;
  /** The peer forgets its window after each message, so ours can be dropped too. */
  inflateNoContext: boolean;
  level: number;
  memLevel: number;
  strategy: number;
  maxLength: number;
}

type Callback = (error: Error | null, data?: Buffer) => void;

export class DeflateCodec {
  private deflate: zlib.DeflateRaw | null = null;
  private inflate: zlib.InflateRaw | null = null;
  private closed = false;

  constructor(private readonly options: CodecOptions) {}

  compress(data: Buffer, callback: Callback): void {
    withZlibSlot((release) => {
      if (this.closed) return release();
      const deflate = (this.deflate ??= zlib.createDeflateRaw({
        level: this.options.level,
        memLevel: this.options.memLevel,
        strategy: this.options.strategy,
        // zlib refuses a raw window of 8 bits; 9 is what it uses for 8 anyway (madler/zlib#171).
        windowBits: Math.max(9, this.options.deflateWindowBits),
      }));
      const chunks: Buffer[] = [];
      const onData = (chunk: Buffer): void => void chunks.push(chunk);
      deflate.on('data', onData);
      deflate.write(data);
      deflate.flush(zlib.constants.Z_SYNC_FLUSH, () => {
        deflate.off('data', onData);
        release();
        if (this.closed) return;
        let out = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
        if (out.length >= 4 && out.subarray(out.length - 4).equals(TRAILER)) out = out.subarray(0, out.length - 4);
        if (this.options.deflateNoContext) this.resetDeflate();
        callback(null, out);
      });
    });
  }

  decompress(data: Buffer, callback: Callback): void {
    withZlibSlot((release) => {
      if (this.closed) return release();
      const inflate = (this.inflate ??= zlib.createInflateRaw({ windowBits: Math.max(9, this.options.inflateWindowBits) }));
      const chunks: Buffer[] = [];
      let length = 0;
      let finished = false;
      const finish = (error: Error | null, out?: Buffer): void => {
        if (finished) return;
        finished = true;
        inflate.off('data', onData);
        inflate.off('error', onError);
        release();
        callback(error, out);
      };
      const onData = (chunk: Buffer): void => {
        length += chunk.length;
        if (length > this.options.maxLength) {
          // Stop the stream here: the rest of the bomb is never inflated.
          this.dropInflate();
          finish(new ExtensionError(`inflated message longer than maxLength (${this.options.maxLength} bytes)`, 'WS_ERR_MESSAGE_TOO_BIG', CloseCode.MESSAGE_TOO_BIG));
          return;
        }
        chunks.push(chunk);
      };
      const onError = (error: Error): void => {
        this.dropInflate();
        finish(new ExtensionError(`invalid compressed data: ${error.message}`, 'WS_ERR_INVALID_COMPRESSED_DATA', CloseCode.INVALID_PAYLOAD, { cause: error }));
      };
      inflate.on('data', onData);
      inflate.on('error', onError);
      inflate.write(data);
      inflate.write(TRAILER);
      inflate.flush(() => {
        if (finished) return;
        if (this.options.inflateNoContext) this.dropInflate();
        finish(null, chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, length));
      });
    });
  }

  close(): void {
    this.closed = true;
    this.resetDeflate();
    this.dropInflate();
  }

  private resetDeflate(): void {
    const deflate = this.deflate;
    this.deflate = null;
    deflate?.close();
  }

  private dropInflate(): void {
    const inflate = this.inflate;
    this.inflate = null;
    if (inflate !== null) {
      inflate.on('error', ignore);
      inflate.close();
    }
  }
}

function ignore(): void {}

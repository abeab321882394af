/**
 * Reads what a session writes, as its peer would: the HTTP response head first for a server
 * session (everything up to and including the first CRLFCRLF), then RFC 6455 §5.2 frames, unmasked.
 *
 * It is an independent reader, not the library's parser, so that a bug shared by the library's
 * writer and parser cannot hide. It records each frame's bits as sent (FIN, RSV, MASK) for the
 * checks to judge; bytes that never complete a frame stay in `leftover`.
 */

export interface WireFrame {
  fin: boolean;
  rsv: number;
  opcode: number;
  masked: boolean;
  /** Unmasked. */
  payload: Buffer;
}

const HEAD_END = Buffer.from('\r\n\r\n');

export class WireReader {
  readonly frames: WireFrame[] = [];
  /** The response head, once complete (server sessions only). */
  head: string | null = null;
  private buffer = Buffer.alloc(0);
  private wantsHead: boolean;

  constructor(expectHead: boolean) {
    this.wantsHead = expectHead;
  }

  /** Bytes received that do not yet make a whole frame. */
  get leftover(): number {
    return this.buffer.length;
  }

  push(chunk: Buffer): void {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    if (this.wantsHead) {
      const end = this.buffer.indexOf(HEAD_END);
      if (end === -1) return;
      this.head = this.buffer.subarray(0, end + HEAD_END.length).toString('latin1');
      this.buffer = this.buffer.subarray(end + HEAD_END.length);
      this.wantsHead = false;
    }
    for (let frame = this.readFrame(); frame !== null; frame = this.readFrame()) this.frames.push(frame);
  }

  private readFrame(): WireFrame | null {
    const b = this.buffer;
    if (b.length < 2) return null;
    const masked = (b[1]! & 0x80) !== 0;
    let length = b[1]! & 0x7f;
    let at = 2;
    if (length === 126) {
      if (b.length < 4) return null;
      length = b.readUInt16BE(2);
      at = 4;
    } else if (length === 127) {
      if (b.length < 10) return null;
      length = Number(b.readBigUInt64BE(2));
      at = 10;
    }
    const keyAt = at;
    if (masked) at += 4;
    if (b.length < at + length) return null;
    const payload = Buffer.from(b.subarray(at, at + length));
    if (masked) for (let i = 0; i < payload.length; i++) payload[i] = payload[i]! ^ b[keyAt + (i & 3)]!;
    this.buffer = b.subarray(at + length);
    return { fin: (b[0]! & 0x80) !== 0, rsv: (b[0]! >> 4) & 7, opcode: b[0]! & 0x0f, masked, payload };
  }
}

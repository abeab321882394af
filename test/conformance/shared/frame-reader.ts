/**
 * Incremental RFC 6455 §5.2 frame parser for the raw conformance endpoints. It copies only what
 * a frame needs, so large messages stay linear, unmasks payloads (§5.3), and reports the
 * length-encoding breaches that a parser trusting its peer would let through.
 */
import { applyMask } from '../frame-encoder';
import type { PeerName } from './wire-event';

export interface ParsedFrame {
  fin: boolean;
  rsv: number;
  opcode: number;
  masked: boolean;
  /** The masking key as sent, or null for an unmasked frame. */
  key: Buffer | null;
  /** Already unmasked. */
  payload: Buffer;
}

interface FrameHeader {
  b0: number;
  length: number;
  key: Buffer | null;
}

export class FrameReader {
  private chunks: Buffer[] = [];
  private buffered = 0;
  /** The header of a frame whose payload has not fully arrived yet. */
  private header: FrameHeader | null = null;
  /** After a length no frame can have, nothing that follows can be framed any more. */
  private stopped = false;

  constructor(
    private readonly sender: PeerName,
    private readonly onFrame: (frame: ParsedFrame) => void,
    private readonly onViolation: (message: string) => void,
  ) {}

  push(data: Buffer): void {
    if (this.stopped || data.length === 0) return;
    this.chunks.push(data);
    this.buffered += data.length;
    this.drain();
  }

  private peek(n: number): Buffer {
    const first = this.chunks[0]!;
    if (first.length >= n) return first.subarray(0, n);
    return Buffer.concat(this.chunks, this.buffered).subarray(0, n);
  }

  private take(n: number): Buffer {
    if (n === 0) return Buffer.alloc(0);
    const first = this.chunks[0]!;
    if (first.length >= n) {
      if (first.length === n) this.chunks.shift();
      else this.chunks[0] = first.subarray(n);
      this.buffered -= n;
      return first.subarray(0, n);
    }
    const out = Buffer.allocUnsafe(n);
    let copied = 0;
    while (copied < n) {
      const chunk = this.chunks[0]!;
      const want = n - copied;
      if (chunk.length <= want) {
        chunk.copy(out, copied);
        copied += chunk.length;
        this.chunks.shift();
      } else {
        chunk.copy(out, copied, 0, want);
        this.chunks[0] = chunk.subarray(want);
        copied += want;
      }
    }
    this.buffered -= n;
    return out;
  }

  /** The next frame's header once all of it has arrived; null while it is incomplete or after a fatal length. */
  private readHeader(): FrameHeader | null {
    if (this.buffered < 2) return null;
    const b1 = this.peek(2)[1]!;
    const len7 = b1 & 0x7f;
    const masked = (b1 & 0x80) !== 0;
    const hlen = 2 + (len7 === 126 ? 2 : len7 === 127 ? 8 : 0) + (masked ? 4 : 0);
    if (this.buffered < hlen) return null;
    const header = this.take(hlen);
    let length = len7;
    // §5.2: "the minimal number of bytes MUST be used to encode the length".
    if (len7 === 126) {
      length = header.readUInt16BE(2);
      if (length < 126) this.onViolation(`${this.sender} used the 16-bit length form for a ${length}-byte payload`);
    } else if (len7 === 127) {
      const hi = header.readUInt32BE(2);
      // §5.2: the most significant bit MUST be 0; beyond 2^53 the length is no safe integer either.
      if (hi >= 0x200000) {
        this.onViolation(`${this.sender} sent a frame length with the high bit set or beyond 2^53 (hi=0x${hi.toString(16)})`);
        this.stopped = true;
        return null;
      }
      length = hi * 0x100000000 + header.readUInt32BE(6);
      if (length < 0x10000) this.onViolation(`${this.sender} used the 64-bit length form for a ${length}-byte payload`);
    }
    return { b0: header[0]!, length, key: masked ? Buffer.from(header.subarray(hlen - 4)) : null };
  }

  private drain(): void {
    while (!this.stopped) {
      this.header ??= this.readHeader();
      if (this.header === null || this.buffered < this.header.length) return;
      const { b0, length, key } = this.header;
      this.header = null;
      let payload = this.take(length);
      if (key !== null) {
        const unmasked = Buffer.allocUnsafe(length);
        applyMask(payload, key, unmasked);
        payload = unmasked;
      }
      this.onFrame({ fin: (b0 & 0x80) !== 0, rsv: (b0 >> 4) & 7, opcode: b0 & 0x0f, masked: key !== null, key, payload });
    }
  }
}

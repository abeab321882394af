/**
 * The writing half of a raw conformance endpoint: frames encoded by ../frame-encoder (masked or
 * not, as the endpoint's role requires by default, RFC 6455 §5.1) and written in Autobahn's send
 * modes, so that a peer is tested against every way its reads can be split.
 */
import type { Socket } from 'node:net';
import { chop, closePayload, encodeFrame, headerLength, Op, type FrameSpec, type Payload } from '../frame-encoder';
import { DEFAULT_TIMEOUT_MS, delay, withTimeout, yieldMacrotask } from './waits';

export type SendMode =
  /** All frames concatenated and written with one write (Autobahn's default). */
  | 'bulk'
  /** One write per frame, each flushed before the next (Autobahn's sync=True). */
  | 'per-frame'
  /** The concatenated bytes written in chops of `chopSize` with a pause after each (none: one macrotask). */
  | { chopSize: number; pauseMs?: number };

export class FrameSender {
  /** Writes that failed, or came after the socket closed: not a failure in itself (the peer may have failed first). */
  readonly writeErrors: string[] = [];
  private closeSent = false;

  protected constructor(
    readonly socket: Socket,
    /** Whether frames are masked unless a FrameSpec says otherwise: a client's must be, a server's must not. */
    private readonly masksFrames: boolean,
  ) {}

  get closeFrameSent(): boolean {
    return this.closeSent;
  }

  /** The bytes `sendFrame(spec)` would write (with a fresh mask key each call when masked). */
  encode(spec: FrameSpec): Buffer {
    return encodeFrame({ mask: this.masksFrames, ...spec });
  }

  /** Length of the header `encode` gives a frame of `payloadLength` bytes (unless the spec overrides masking). */
  headerLength(payloadLength: number): number {
    return headerLength(payloadLength, this.masksFrames);
  }

  /** Write bytes with a single write and wait until they are handed to the kernel. */
  write(data: Buffer, timeoutMs = 2 * DEFAULT_TIMEOUT_MS): Promise<void> {
    const socket = this.socket;
    if (socket.destroyed || !socket.writable) {
      this.writeErrors.push(`write of ${data.length} bytes after the socket closed`);
      return Promise.resolve();
    }
    return withTimeout(
      new Promise<void>((resolve) => {
        const onClose = (): void => resolve();
        socket.once('close', onClose);
        socket.write(data, (err) => {
          socket.off('close', onClose);
          if (err) this.writeErrors.push(err.message);
          resolve();
        });
      }),
      timeoutMs,
      `writing ${data.length} bytes (is the peer reading?)`,
    );
  }

  /** Write `data` in pieces of `chopSize` bytes, pausing `pauseMs` after each (0 = yield one macrotask). */
  async writeChopped(data: Buffer, chopSize: number, pauseMs = 0): Promise<void> {
    const pieces = chop(data, chopSize);
    for (let i = 0; i < pieces.length; i++) {
      if (this.socket.destroyed) return;
      await this.write(pieces[i]!);
      if (i < pieces.length - 1) await (pauseMs > 0 ? delay(pauseMs) : yieldMacrotask());
    }
  }

  async sendFrames(specs: FrameSpec[], mode: SendMode = 'bulk'): Promise<void> {
    const encoded = specs.map((spec) => this.encode(spec));
    if (specs.some((spec) => spec.opcode === Op.CLOSE)) this.closeSent = true;
    if (mode === 'bulk') return this.write(encoded.length === 1 ? encoded[0]! : Buffer.concat(encoded));
    if (mode === 'per-frame') {
      for (const frame of encoded) {
        if (this.socket.destroyed) return;
        await this.write(frame);
        await yieldMacrotask();
      }
      return;
    }
    return this.writeChopped(Buffer.concat(encoded), mode.chopSize, mode.pauseMs ?? 0);
  }

  sendFrame(spec: FrameSpec, mode: SendMode = 'bulk'): Promise<void> {
    return this.sendFrames([spec], mode);
  }

  sendText(payload: Payload, mode: SendMode = 'bulk'): Promise<void> {
    return this.sendFrame({ opcode: Op.TEXT, payload }, mode);
  }

  sendBinary(payload: Payload, mode: SendMode = 'bulk'): Promise<void> {
    return this.sendFrame({ opcode: Op.BINARY, payload }, mode);
  }

  ping(payload: Payload = '', mode: SendMode = 'bulk'): Promise<void> {
    return this.sendFrame({ opcode: Op.PING, payload }, mode);
  }

  pong(payload: Payload = '', mode: SendMode = 'bulk'): Promise<void> {
    return this.sendFrame({ opcode: Op.PONG, payload }, mode);
  }

  /** Send a close frame; no code = empty body. */
  sendClose(code?: number, reason: Payload = ''): Promise<void> {
    return this.sendFrame({ opcode: Op.CLOSE, payload: closePayload(code, reason) });
  }

  destroy(): void {
    this.socket.destroy();
  }
}

/**
 * The far end of a fuzzed session: writes the scenario's bytes in the chunks it was given, reads
 * back what the session writes (`WireReader`), and answers the session's close frame and FIN as its
 * `PeerPolicy` says (and, if asked, its pings with pongs: RFC 6455 §5.5.2).
 *
 * Its reactions are deferred by a tick (`process.nextTick`), never run inside the session's write:
 * a step's bytes are all written before the peer reacts to anything, which is what the model
 * assumes, and the session is never re-entered from its own `write()`.
 */
import { pongAllowance } from './buffer-allowance.js';
import { echoFrame, encodePeerFrame, Op, type PeerFrame } from './peer-frame.js';
import type { PairEnd } from './duplex-pair.js';
import type { PeerPolicy, Role } from './scenario.js';
import { WireReader, type WireFrame } from './wire-reader.js';

const PONG_MASK_KEY = Uint8Array.of(0x55, 0x66, 0x77, 0x88);

export class FuzzPeer {
  readonly reader: WireReader;
  /** The session's FIN arrived. */
  readEnd = false;
  private sentClose = false;
  /** What the pings written so far may have the session owe in pongs (see `buffer-allowance.ts`). */
  pingAllowance = 0;
  /** Every frame written whole, the peer's own reactions included. */
  readonly written: PeerFrame[] = [];
  /** Called with each frame read from the session. */
  onFrame: ((frame: WireFrame) => void) | null = null;

  constructor(
    private readonly socket: PairEnd,
    private readonly role: Role,
    private readonly policy: PeerPolicy,
    private readonly answerPings = false,
  ) {
    this.reader = new WireReader(role === 'server');
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('end', () => this.onEnd());
    // Destroying the pair carries no error to this end, but a stray one must not go uncaught.
    socket.on('error', () => {});
  }

  get canWrite(): boolean {
    return !this.socket.destroyed && !this.socket.writableEnded;
  }

  /** Writes `frames` (or the first `keep` bytes of their encoding), cut into chunks of `chunkSizes` in turn. */
  writeFrames(frames: PeerFrame[], chunkSizes: number[], keep?: number): void {
    if (!this.canWrite) return;
    for (const frame of frames) {
      if (frame.opcode === Op.CLOSE) this.sentClose = true;
      if (frame.opcode === Op.PING) this.pingAllowance += pongAllowance(frame.payload.length);
    }
    let bytes = Buffer.concat(frames.map(encodePeerFrame));
    if (keep !== undefined) bytes = bytes.subarray(0, keep);
    else this.written.push(...frames);
    let at = 0;
    for (let i = 0; at < bytes.length; i++) {
      const size = chunkSizes.length === 0 ? bytes.length : chunkSizes[i % chunkSizes.length]!;
      this.socket.write(bytes.subarray(at, at + size));
      at += size;
    }
  }

  end(): void {
    if (this.canWrite) this.socket.end();
  }

  reset(): void {
    if (!this.socket.destroyed) this.socket.destroy();
  }

  stopReading(): void {
    this.socket.pause();
  }

  startReading(): void {
    this.socket.resume();
  }

  private onData(chunk: Buffer): void {
    // A Readable may still emit what it had buffered after it was destroyed (a resume already
    // scheduled); over TCP a reset loses what the application had not read, and so does this peer.
    if (this.socket.destroyed) return;
    const before = this.reader.frames.length;
    this.reader.push(chunk);
    for (const frame of this.reader.frames.slice(before)) {
      this.onFrame?.(frame);
      if (frame.opcode === Op.CLOSE && this.policy !== 'unresponsive') process.nextTick(() => this.echoClose(frame.payload));
      if (frame.opcode === Op.PING && this.answerPings) process.nextTick(() => this.answerPing(frame.payload));
    }
  }

  private answerPing(payload: Buffer): void {
    this.writeFrames([{ fin: true, rsv: 0, opcode: Op.PONG, masked: this.role === 'server', maskKey: PONG_MASK_KEY, payload }], []);
  }

  private onEnd(): void {
    this.readEnd = true;
    if (this.policy === 'cooperative') process.nextTick(() => this.end());
  }

  /** RFC 6455 §5.5.1: answer a close frame with the same status code, unless we closed first. */
  private echoClose(sessionPayload: Buffer): void {
    if (!this.canWrite || this.sentClose) return;
    this.writeFrames([echoFrame(this.role, sessionPayload)], []);
  }
}

/**
 * The bound `bufferedAmount` must stay under at every sample: what the session was asked to write,
 * frame by frame, plus a small constant.
 *
 * Why this bound: without extensions every byte a session holds for writing belongs to a frame it
 * was asked for, and each such frame is its payload plus a header of at most 14 bytes (RFC 6455
 * §5.2: 2, then 8 of extended length, then a 4-byte masking key). The frames it can be asked for are
 * the application's messages, pings and pongs (one frame each: nothing is fragmented), the pongs it
 * owes the peer (at most one per ping received, §5.5.2; the peer's pings are counted as they are
 * written), and its one close frame (at most 125 bytes of payload, §5.5). The constant adds the 101
 * response, which sits in the same socket until the peer reads it. A session over this bound holds
 * bytes nobody gave it: a frame written twice, a buffer never released, a count that drifts.
 */
import type { AppCall } from './scenario.js';

const MAX_HEADER = 14;
const HANDSHAKE = 256;
const CLOSE_FRAME = MAX_HEADER + 125;

export class BufferAllowance {
  private asked = 0;

  /** `owedPongs()`: what the peer's pings so far may have the session owe (each with a header). */
  constructor(private readonly owedPongs: () => number) {}

  /** Counts what one application call may add. */
  count(call: AppCall): void {
    switch (call.call) {
      case 'send':
        this.asked += MAX_HEADER + (typeof call.data === 'string' ? Buffer.byteLength(call.data) : call.data.length);
        return;
      case 'ping':
      case 'pong':
        this.asked += MAX_HEADER + call.payload.length;
        return;
      default:
        return;
    }
  }

  get limit(): number {
    return HANDSHAKE + CLOSE_FRAME + this.asked + this.owedPongs();
  }
}

/** What one ping from the peer may have the session owe: a pong with the same payload (§5.5.2). */
export function pongAllowance(pingPayload: number): number {
  return MAX_HEADER + pingPayload;
}

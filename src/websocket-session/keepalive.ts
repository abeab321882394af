/**
 * Keep-alive pings (the `ping` option): one ping per interval, and a peer that sent nothing
 * at all during a whole interval after a ping is dropped. Any incoming byte counts as a sign
 * of life, so a busy connection is never dropped for a late pong.
 */
import { Opcode } from '../ws-frame-parser/index.js';

export interface KeepaliveTarget {
  heardFromPeer: boolean;
  /** Sends a control frame; `false` when the connection is no longer open. */
  sendControl(opcode: number, data: Buffer): boolean;
  dropSilentPeer(): void;
}

const EMPTY = Buffer.alloc(0);

export class Keepalive {
  private readonly timer: NodeJS.Timeout;
  private awaiting = false;

  constructor(target: KeepaliveTarget, intervalMs: number) {
    this.timer = setInterval(tick, intervalMs, this, target);
    this.timer.unref();
  }

  check(target: KeepaliveTarget): void {
    if (this.awaiting && !target.heardFromPeer) {
      this.stop();
      target.dropSilentPeer();
      return;
    }
    target.heardFromPeer = false;
    this.awaiting = target.sendControl(Opcode.PING, EMPTY);
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

function tick(keepalive: Keepalive, target: KeepaliveTarget): void {
  keepalive.check(target);
}

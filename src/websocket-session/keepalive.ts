/**
 * Keep-alive pings (the `ping` option): one ping per interval, and a peer that sent nothing
 * at all during a whole interval after a ping is dropped. Any incoming byte counts as a sign
 * of life, so a busy connection is never dropped for a late pong.
 */
export interface KeepaliveTarget {
  heardFromPeer: boolean;
  ping(): boolean;
  dropSilentPeer(): void;
}

export class Keepalive {
  private readonly timer: NodeJS.Timeout;
  private awaiting = false;

  constructor(target: KeepaliveTarget, intervalMs: number) {
    this.timer = setInterval(tick, intervalMs, this, target);
    this.timer.unref();
  }

  /** @internal */
  check(target: KeepaliveTarget): void {
    if (this.awaiting && !target.heardFromPeer) {
      this.stop();
      target.dropSilentPeer();
      return;
    }
    target.heardFromPeer = false;
    this.awaiting = target.ping();
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

function tick(keepalive: Keepalive, target: KeepaliveTarget): void {
  keepalive.check(target);
}

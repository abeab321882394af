/**
 * What an adapter leaves on an upgrade request for the middleware that will claim it: the
 * raw socket, the bytes read past the headers, and how to let go of the HTTP response.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { WebSocketSession } from '../src/index.js';

export interface UpgradeContext {
  readonly socket: Duplex;
  readonly head: Buffer;
  /** Unbinds the adapter's HTTP response from the socket, so the 101 can be written raw. */
  release(): void;
  /** Tells the adapter about the session (for graceful shutdown). */
  track(session: WebSocketSession): void;
}

const kUpgrade = Symbol.for('hatchway.upgrade');

type WithUpgrade = IncomingMessage & { [kUpgrade]?: UpgradeContext | null };

export function offerUpgrade(request: IncomingMessage, context: UpgradeContext): void {
  (request as WithUpgrade)[kUpgrade] = context;
}

/** Takes the upgrade for this request; null when there is none or it was already taken. */
export function claimUpgrade(request: IncomingMessage): UpgradeContext | null {
  const holder = request as WithUpgrade;
  const context = holder[kUpgrade] ?? null;
  holder[kUpgrade] = null;
  return context;
}

/** Did an adapter offer this request's upgrade (claimed or not)? Never, when no `attach()` saw it. */
export function wasUpgradeOffered(request: IncomingMessage): boolean {
  return kUpgrade in request;
}

/** Did a middleware take the upgrade? */
export function isUpgradeClaimed(request: IncomingMessage): boolean {
  return (request as WithUpgrade)[kUpgrade] === null;
}

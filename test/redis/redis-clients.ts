/**
 * The Redis clients the broker is tested with: node-redis 6 and 5, ioredis 6 and 5, each made the
 * way an application makes it, reconnecting quickly so that the fault tests stay short. And a plain
 * node-redis connection of the test's own, for looking at Redis behind the broker's back.
 */
import { createClient } from 'redis';
import { createClient as createClient5 } from 'redis5';
import { Redis } from 'ioredis';
import { Redis as Redis5 } from 'ioredis5';
import type { BrokerListener, HubEvent } from '../../src/hub/broker.js';
import type { RedisClientLike } from '../../src/redis/index.js';

export interface ClientKind {
  readonly name: string;
  /** A client as the application would hand it over (not connected: the broker connects it); `reconnectMs` fixes its reconnect delay. */
  make(url: string, reconnectMs?: number): RedisClientLike;
}

/** Quick reconnects by default; a fixed delay when the test needs the client away for a while. */
const backoff = (fixed?: number) => (attempt: number) => fixed ?? Math.min(attempt * 20, 200);

export const CLIENT_KINDS: readonly ClientKind[] = [
  { name: 'redis 6', make: (url, ms) => createClient({ url, socket: { reconnectStrategy: backoff(ms) } }) },
  { name: 'redis 5', make: (url, ms) => createClient5({ url, socket: { reconnectStrategy: backoff(ms) } }) },
  { name: 'ioredis 6', make: (url, ms) => new Redis(url, { retryStrategy: backoff(ms), maxRetriesPerRequest: 1 }) },
  { name: 'ioredis 5', make: (url, ms) => new Redis5(url, { retryStrategy: backoff(ms), maxRetriesPerRequest: 1 }) },
];

/** The test's own connection to Redis (node-redis 6, RESP2 replies read raw). */
export interface Inspector {
  command(...args: string[]): Promise<unknown>;
  /** Commands run as one MULTI/EXEC transaction: their replies. */
  transaction(commands: string[][]): Promise<unknown>;
  close(): Promise<void>;
}

export async function inspector(url: string): Promise<Inspector> {
  const client = createClient({ url, socket: { reconnectStrategy: backoff() } });
  client.on('error', () => {});
  await client.connect();
  return {
    command: (...args: string[]) => client.sendCommand(args),
    transaction: (commands: string[][]) => {
      const multi = client.multi();
      for (const command of commands) multi.addCommand(command);
      return multi.exec();
    },
    close: async () => {
      if (client.isOpen) await client.close();
    },
  };
}

/** Polls `check` until it holds (a count reached, a state seen), failing after `ms`. */
export async function until(check: () => boolean | Promise<boolean>, what: string, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** A listener that records what it gets, and resets as `reset:<id>`. */
export function recorder(): { listener: BrokerListener; seen: string[]; events: HubEvent[] } {
  const seen: string[] = [];
  const events: HubEvent[] = [];
  const listener: BrokerListener = (batch, lost) => {
    if (lost !== undefined) seen.push(`reset:${lost.resetTo}`);
    for (const event of batch) {
      seen.push(event.id);
      events.push(event);
    }
  };
  return { listener, seen, events };
}

/** The sequence number of a Redis broker's id (`<epoch>:<seq>`). */
export function seqOf(id: string): number {
  return Number(id.slice(id.lastIndexOf(':') + 1));
}

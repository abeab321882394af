/**
 * A TCP proxy in front of the test's redis-server, on 127.0.0.1, for faults that a restart cannot
 * produce on cue: a Pub/Sub connection that lags behind the command connection (a subscriber's
 * output buffer backed up, a slow link), and a reply that never comes back for a command Redis did
 * run (Redis crashing, or the network cutting, between running a command and answering it).
 * A process pointed at `proxy.url` has both its broker connections go through it.
 */
import * as net from 'node:net';

interface Pair {
  readonly client: net.Socket;
  readonly upstream: net.Socket;
  /** The client sent SUBSCRIBE on it: it is the broker's Pub/Sub connection. */
  subscriber: boolean;
}

export class RedisProxy {
  private readonly pairs = new Set<Pair>();
  private pubSubDelayMs = 0;
  private holding = false;

  private constructor(private readonly server: net.Server, private readonly targetPort: number) {
    server.on('connection', (client) => this.pipe(client));
  }

  static async start(targetPort: number): Promise<RedisProxy> {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return new RedisProxy(server, targetPort);
  }

  get url(): string {
    return `redis://127.0.0.1:${(this.server.address() as net.AddressInfo).port}`;
  }

  /** From now on, what Redis sends on a Pub/Sub connection reaches the client `ms` later (in order). */
  delayPubSub(ms: number): void {
    this.pubSubDelayMs = ms;
  }

  /** From now on, nothing Redis answers reaches the clients; what they send still reaches Redis. */
  holdReplies(): void {
    this.holding = true;
  }

  /** Cuts every connection open now (what Redis answered meanwhile is lost); new ones are proxied normally. */
  cutAll(): void {
    for (const pair of this.pairs) {
      pair.client.destroy();
      pair.upstream.destroy();
    }
    this.pairs.clear();
    this.holding = false;
  }

  async close(): Promise<void> {
    this.cutAll();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private pipe(client: net.Socket): void {
    const upstream = net.connect(this.targetPort, '127.0.0.1');
    const pair: Pair = { client, upstream, subscriber: false };
    this.pairs.add(pair);
    const end = (): void => {
      this.pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
    client.on('data', (chunk: Buffer) => {
      // RESP carries the command name as a bulk string; either library's casing.
      if (!pair.subscriber && /\r\nsubscribe\r\n/i.test(chunk.toString('latin1'))) pair.subscriber = true;
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      if (this.holding || !this.pairs.has(pair)) return;
      // Timers of one delay fire in the order they were set: the stream stays in order, only late.
      if (pair.subscriber && this.pubSubDelayMs > 0) setTimeout(() => { if (!client.destroyed) client.write(chunk); }, this.pubSubDelayMs);
      else client.write(chunk);
    });
  }
}

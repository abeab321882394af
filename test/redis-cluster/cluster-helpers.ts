/**
 * The harness of the multi-process Redis tests: hatchway processes forked from
 * `fixtures/node.cjs` (which load the built package), event-stream clients on raw HTTP with a
 * parser of their own (so that each reconnect sends exactly the Last-Event-ID the test chooses),
 * WebSocket clients on `ws`, and the arithmetic that turns what was sent and received into counts.
 *
 * Everything opened here is tracked and torn down by `cleanup()` (call it from afterEach).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import * as http from 'node:http';
import * as path from 'node:path';
import WS from 'ws';
import { RedisServer, type RedisServerOptions } from '../helpers/redis-server';

export type RedisLib = 'redis' | 'redis5' | 'ioredis' | 'ioredis5';

const FIXTURE = path.join(__dirname, 'fixtures', 'node.cjs');
export const WAIT_MS = 10_000;

const children = new Set<ChildProcess>();
const closers = new Set<() => void>();

/** Kills every forked process (SIGKILL, awaited) and closes every client connection. */
const redisServers = new Set<RedisServer>();

/** A redis-server of the test's own, closed by `cleanup()` after the processes that use it. */
export async function startRedis(options?: RedisServerOptions): Promise<RedisServer> {
  const server = await RedisServer.start(options);
  redisServers.add(server);
  return server;
}

export async function cleanup(): Promise<void> {
  for (const close of closers) close();
  closers.clear();
  await Promise.all([...children].map((child) => killChild(child)));
  children.clear();
  await Promise.all([...redisServers].map((server) => server.close()));
  redisServers.clear();
}

function killChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

/** `promise`, or a rejection naming `what` after `ms`. */
export function within<T>(promise: Promise<T>, what: string, ms = WAIT_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Polls `check` until it holds, for state no event announces (a child's client status); bounded. */
export async function pollUntil(check: () => Promise<boolean> | boolean, what: string, ms = WAIT_MS): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export interface Accepted { payload: string; id: string }
export interface Refused {
  payload: string;
  code: string;
  name: string;
  message: string;
  /** The broker had sent the command (the rejection carries the client's error): Redis may have run it. */
  sent: boolean;
}
export type PublishResult = Accepted | Refused;
export const isAccepted = (result: PublishResult): result is Accepted => 'id' in result;
export const isRefused = (result: PublishResult): result is Refused => !('id' in result);

/** One forked hatchway process. */
export class ClusterNode {
  private nextReq = 0;
  private readonly replies = new Map<number, (message: any) => void>();

  private constructor(
    readonly name: string,
    private readonly child: ChildProcess,
    readonly port: number,
    /** The tail of the child's stderr, for the message of a failure. */
    private readonly stderr: { text: string },
  ) {
    child.on('message', (message: any) => {
      const reply = this.replies.get(message.req);
      this.replies.delete(message.req);
      reply?.(message);
    });
  }

  static async start(name: string, redisUrl: string, lib: RedisLib): Promise<ClusterNode> {
    const child = fork(FIXTURE, [], {
      env: { ...process.env, REDIS_URL: redisUrl, REDIS_LIB: lib },
      // Not jest's flags: the fixture is plain CommonJS.
      execArgv: [],
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    children.add(child);
    const stderr = { text: '' };
    child.stderr!.on('data', (chunk: Buffer) => { stderr.text = (stderr.text + chunk.toString()).slice(-4000); });
    const port = await within(new Promise<number>((resolve, reject) => {
      child.on('message', (message: any) => { if (message.type === 'ready') resolve(message.port); });
      child.once('exit', (code) => reject(new Error(`node ${name} exited (${code}) before it was ready: ${stderr.text}`)));
    }), `node ${name} to start`);
    return new ClusterNode(name, child, port, stderr);
  }

  private ask(message: object, what: string, ms = WAIT_MS): Promise<any> {
    const req = ++this.nextReq;
    return within(new Promise((resolve, reject) => {
      if (this.child.exitCode !== null || this.child.signalCode !== null) {
        reject(new Error(`node ${this.name} is gone: ${this.stderr.text}`));
        return;
      }
      this.replies.set(req, resolve);
      this.child.send({ ...message, req });
    }), `${what} from node ${this.name}`, ms);
  }

  /** Publishes every payload on `topic`, none awaited before the next (or one per `everyMs`); the result of each. */
  async publish(topic: string, payloads: string[], everyMs?: number): Promise<PublishResult[]> {
    const ms = WAIT_MS + (everyMs ?? 0) * payloads.length;
    const reply = await this.ask({ type: 'publish', topic, payloads, everyMs }, `${payloads.length} publishes`, ms);
    return reply.results as PublishResult[];
  }

  /** Is the process's Redis client connected? With `probe`, has its broker also accepted a publish (on a topic of its own)? */
  async ready(probe = false): Promise<boolean> {
    return (await this.ask({ type: 'status', probe }, 'status')).ready as boolean;
  }

  /** kill -9, awaited. */
  async kill(): Promise<void> {
    await killChild(this.child);
  }
}

/** `count` nodes on one Redis, started side by side. */
export function startNodes(count: number, redisUrl: string, lib: RedisLib): Promise<ClusterNode[]> {
  return Promise.all(Array.from({ length: count }, (_, i) => ClusterNode.start(`n${i}`, redisUrl, lib)));
}

export interface Received {
  readonly id: string;
  readonly data: string;
  /** Over which of the subscriber's connections it came (1 for the first). */
  readonly connection: number;
}

/** What both kinds of test client share: the events received over every connection, and waits on them. */
export abstract class Subscriber extends EventEmitter {
  /** Every event received (ids and data), over all its connections, in arrival order. */
  readonly events: Received[] = [];
  /** The ids of the `reset` events (SSE) or envelopes (WebSocket) received. */
  readonly resets: string[] = [];
  /** The id of the last event seen: what a reconnect resumes after. */
  lastId = '';
  connections = 0;

  constructor(readonly label: string, readonly topic: string) { super(); }

  get ids(): string[] { return this.events.map((event) => event.id); }

  /** The events received more than once, each with the connections it came over (for the report of a failure). */
  duplicates(): string[] {
    const over = new Map<string, number[]>();
    for (const event of this.events) over.set(event.id, [...(over.get(event.id) ?? []), event.connection]);
    return [...over].filter(([, connections]) => connections.length > 1).map(([id, connections]) => `${this.label} got ${id} over connections ${connections.join(',')}`);
  }

  /** Resolves once `check` holds, checked on each event received; rejects after `ms`, saying how far it got. */
  waitFor(check: () => boolean, what: string, ms = WAIT_MS): Promise<void> {
    return this.until('event', check, () => `${this.label}: ${what} (has ${this.events.length} events)`, ms);
  }

  waitForCount(count: number, ms = WAIT_MS): Promise<void> {
    return this.waitFor(() => this.events.length >= count, `${count} events`, ms);
  }

  /** The next end of the current connection (the server process died, or closed it). */
  disconnected(ms = WAIT_MS): Promise<void> {
    let ended = false;
    this.once('disconnect', () => { ended = true; });
    return this.until('disconnect', () => ended, () => `${this.label} to be disconnected`, ms);
  }

  private until(type: string, check: () => boolean, what: () => string, ms: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const test = (): void => {
        if (!check()) return;
        done();
        resolve();
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`timed out after ${ms} ms waiting for ${what()}`));
      }, ms);
      const done = (): void => {
        clearTimeout(timer);
        this.off(type, test);
      };
      this.on(type, test);
      test();
    });
  }

  protected received(id: string, data: string): void {
    this.events.push({ id, data, connection: this.connections });
    this.lastId = id;
    this.emit('event');
  }

  protected reset(id: string): void {
    this.resets.push(id);
    this.lastId = id;
    this.emit('event');
  }

  /** Connects to the node on `port`, resuming after `lastId` when it has one; resolves once subscribed. */
  abstract connect(port: number): Promise<void>;
}

/**
 * An event-stream client on a raw HTTP GET and its own parser of WHATWG HTML §9.2.6: a reconnect
 * sends `Last-Event-ID: <lastId>`, the id of the last event dispatched, exactly as a browser does.
 */
export class SseSubscriber extends Subscriber {
  connect(port: number): Promise<void> {
    this.connections++;
    const headers: Record<string, string> = { accept: 'text/event-stream' };
    if (this.lastId !== '') headers['last-event-id'] = this.lastId;
    const request = http.get({ host: '127.0.0.1', port, path: `/sse?topic=${encodeURIComponent(this.topic)}`, headers, agent: false });
    const close = (): void => void request.destroy();
    closers.add(close);
    const subscribed = new Promise<void>((resolve, reject) => {
      request.once('error', reject);
      request.once('response', (response) => {
        if (response.statusCode !== 200) reject(new Error(`${this.label}: HTTP ${response.statusCode}`));
        response.setEncoding('utf8');
        const parse = sseParser(this.lastId, (event, id, data) => {
          if (event === 'subscribed') resolve();
          else if (event === 'reset') this.reset(id);
          else this.received(id, data);
        });
        response.on('data', parse);
        response.once('close', () => reject(new Error(`${this.label}: stream ended before it was subscribed`)));
      });
    });
    request.on('error', () => {});
    request.once('close', () => {
      closers.delete(close);
      this.emit('disconnect');
    });
    return within(subscribed, `${this.label} to subscribe on port ${port}`);
  }
}

/**
 * §9.2.6 over text chunks: fields of a block until an empty line, then dispatch (type, last event
 * id, data). The last event id carries over from the connection before, as an EventSource's does.
 */
function sseParser(lastEventId: string, dispatch: (event: string, id: string, data: string) => void): (chunk: string) => void {
  let buffer = '';
  let event = '';
  let data: string[] = [];
  return (chunk) => {
    buffer += chunk;
    // A CR at the very end may be the first half of a CRLF: it waits for the next chunk.
    const cut = buffer.endsWith('\r') ? buffer.length - 1 : buffer.length;
    const lines = buffer.slice(0, cut).split(/\r\n|\r|\n/);
    buffer = lines.pop()! + buffer.slice(cut);
    for (const line of lines) {
      if (line === '') {
        // The id is committed at dispatch time, even for an event that has no data (as browsers do).
        if (data.length > 0) dispatch(event, lastEventId, data.join('\n'));
        event = '';
        data = [];
        continue;
      }
      if (line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      let value = colon < 0 ? '' : line.slice(colon + 1);
      if (value.startsWith(' ')) value = value.slice(1);
      if (field === 'data') data.push(value);
      else if (field === 'event') event = value;
      else if (field === 'id' && !value.includes('\0')) lastEventId = value;
    }
  };
}

/** A WebSocket client (`ws`) of the envelope subscription; a reconnect sends `?since=<lastId>`. */
export class WsSubscriber extends Subscriber {
  connect(port: number): Promise<void> {
    this.connections++;
    const since = this.lastId === '' ? '' : `&since=${encodeURIComponent(this.lastId)}`;
    const socket = new WS(`ws://127.0.0.1:${port}/ws?topic=${encodeURIComponent(this.topic)}${since}`);
    const close = (): void => socket.terminate();
    closers.add(close);
    socket.on('error', () => {});
    const subscribed = new Promise<void>((resolve, reject) => {
      socket.on('message', (raw) => {
        const message = JSON.parse(String(raw)) as { subscribed?: string; id: string; data: string; reset?: boolean };
        if (message.subscribed !== undefined) resolve();
        else if (message.reset === true) this.reset(message.id);
        else this.received(message.id, message.data);
      });
      socket.once('close', () => reject(new Error(`${this.label}: socket closed before it was subscribed`)));
    });
    socket.once('close', () => {
      closers.delete(close);
      this.emit('disconnect');
    });
    return within(subscribed, `${this.label} to subscribe on port ${port}`);
  }
}

/** `'<epoch>:<seq>'` split. */
export function parseId(id: string): { epoch: string; seq: number } {
  const colon = id.lastIndexOf(':');
  return { epoch: id.slice(0, colon), seq: Number(id.slice(colon + 1)) };
}

/** The ids in the topic's order: by sequence (one epoch per test). */
export function inSeqOrder(ids: Iterable<string>): string[] {
  return [...ids].sort((a, b) => parseId(a).seq - parseId(b).seq);
}

export interface Tally {
  /** Accepted ids this subscriber never got. */
  gaps: number;
  /** Events received more than once. */
  duplicates: number;
  /** Received ids nobody was told were accepted. */
  unexpected: number;
  /** Places where an id's seq is not above the one before. */
  outOfOrder: number;
}

/** What one subscriber got against what the publishers were told was accepted. */
export function tally(received: readonly string[], accepted: ReadonlySet<string>): Tally {
  const seen = new Set(received);
  let outOfOrder = 0;
  for (let i = 1; i < received.length; i++) if (parseId(received[i]!).seq <= parseId(received[i - 1]!).seq) outOfOrder++;
  return {
    gaps: [...accepted].filter((id) => !seen.has(id)).length,
    duplicates: received.length - seen.size,
    unexpected: [...seen].filter((id) => !accepted.has(id)).length,
    outOfOrder,
  };
}

/** Sums tallies for the one summary line a test prints. */
export function sumTallies(tallies: readonly Tally[]): Tally {
  const total: Tally = { gaps: 0, duplicates: 0, unexpected: 0, outOfOrder: 0 };
  for (const t of tallies) for (const key of Object.keys(total) as Array<keyof Tally>) total[key] += t[key];
  return total;
}

/** The one summary line per test, prefixed so that it can be found and quoted. */
export function report(test: string, counts: Record<string, number | string>): void {
  const fields = Object.entries(counts).map(([key, value]) => `${key}=${value}`).join(' ');
  // eslint-disable-next-line no-console
  console.log(`[redis-fault] ${test}: ${fields}`);
}

/**
 * Publishes one last event and waits until every subscriber has it. Per topic the order is one, so
 * once the sentinel is in, anything that was going to arrive before it has: what a test then checks
 * is final, with no sleep to wait out late duplicates or stray events.
 */
export async function sentinel(node: ClusterNode, topic: string, subscribers: readonly Subscriber[]): Promise<string> {
  const [result] = await node.publish(topic, ['sentinel']);
  if (result === undefined || !isAccepted(result)) throw new Error(`the sentinel was refused: ${JSON.stringify(result)}`);
  await Promise.all(subscribers.map((s) => s.waitFor(() => s.ids.includes(result.id), `the sentinel ${result.id}`)));
  return result.id;
}

/** 1..n */
export function seqs(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

/** `total` payloads `<prefix><n>.<i>` split over `nodes`, every publish on every node started at once. */
export async function publishSpread(nodes: readonly ClusterNode[], topic: string, prefix: string, total: number): Promise<PublishResult[]> {
  const shares = nodes.map((_, n) => seqs(1, Math.floor(total / nodes.length) + (n < total % nodes.length ? 1 : 0)).map((i) => `${prefix}${n}.${i}`));
  return (await Promise.all(nodes.map((node, n) => node.publish(topic, shares[n]!)))).flat();
}

/**
 * Waits until every node's Redis client is no longer connected (`ready` false), or until every node
 * publishes again (`ready` true: a probe publish accepted, whichever connection the broker publishes on).
 */
export function allReady(nodes: readonly ClusterNode[], ready: boolean, what: string): Promise<void> {
  return pollUntil(async () => (await Promise.all(nodes.map((node) => node.ready(ready)))).every((r) => r === ready), what);
}

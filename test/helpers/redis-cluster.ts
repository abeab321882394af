/**
 * A real Redis Cluster of a test's own: three master `redis-server` processes (Debian's package) on
 * free ports of 127.0.0.1, each in a temporary directory, joined by `redis-cli --cluster create`
 * (no replicas), and ready once every node says `cluster_state:ok` and knows all three. `close()`
 * kills them all and removes the directories. Every step is bounded in time.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REDIS_SERVER } from './redis-server';

export const REDIS_CLI = process.env.REDIS_CLI ?? '/usr/bin/redis-cli';

const MASTERS = 3;
/** The whole start (processes, join, convergence) fails after this. */
const START_MS = 20_000;

interface Node {
  readonly port: number;
  readonly dir: string;
  readonly child: ChildProcess;
  stderr: string;
}

export class RedisCluster {
  private closed = false;
  private constructor(private readonly nodes: Node[]) {}

  /** Starts three masters, joins them into one cluster and waits until every node sees it whole. */
  static async start(): Promise<RedisCluster> {
    const deadline = Date.now() + START_MS;
    // The cluster bus is given its port explicitly: the default (port + 10000) may be taken or beyond 65535.
    const ports = await freePorts(MASTERS * 2);
    const nodes: Node[] = [];
    const cluster = new RedisCluster(nodes);
    try {
      for (let i = 0; i < MASTERS; i++) nodes.push(startNode(ports[i]!, ports[MASTERS + i]!));
      for (const node of nodes) await waitFor(deadline, `redis-server on port ${node.port} to start`, async () => (await cli(node.port, ['PING'], node)) === 'PONG', node);
      await run(REDIS_CLI, ['--cluster', 'create', ...nodes.map((node) => `127.0.0.1:${node.port}`), '--cluster-replicas', '0', '--cluster-yes'], deadline - Date.now());
      for (const node of nodes) {
        await waitFor(deadline, `node ${node.port} to see the cluster whole`, async () => {
          const info = await cli(node.port, ['CLUSTER', 'INFO'], node);
          return /cluster_state:ok/.test(info) && new RegExp(`cluster_known_nodes:${MASTERS}\\b`).test(info) && /cluster_slots_ok:16384\b/.test(info);
        }, node);
      }
      return cluster;
    } catch (error) {
      await cluster.close();
      throw error;
    }
  }

  /** The nodes' ports, in the order they were started. */
  get ports(): number[] {
    return this.nodes.map((node) => node.port);
  }

  get urls(): string[] {
    return this.ports.map((port) => `redis://127.0.0.1:${port}`);
  }

  /** Runs a command with redis-cli on one node (no redirection followed): its reply, as text. */
  async command(port: number, ...args: string[]): Promise<string> {
    return (await run(REDIS_CLI, ['-h', '127.0.0.1', '-p', String(port), ...args], 2000)).trim();
  }

  /** The port of the master that owns `key`'s slot. */
  async ownerOf(key: string): Promise<number> {
    const slot = Number(await this.command(this.ports[0]!, 'CLUSTER', 'KEYSLOT', key));
    const shards = await this.command(this.ports[0]!, 'CLUSTER', 'NODES');
    for (const line of shards.split('\n')) {
      const fields = line.trim().split(' ');
      if (!fields[2]?.includes('master')) continue;
      const port = Number(/:(\d+)@/.exec(fields[1] ?? '')?.[1]);
      for (const range of fields.slice(8)) {
        const [from, to] = range.split('-').map(Number);
        if (slot >= from! && slot <= (to ?? from)!) return port;
      }
    }
    throw new Error(`no master owns slot ${slot} of ${key}`);
  }

  /** Kills every node (SIGKILL, awaited) and removes their directories. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all(this.nodes.map((node) => kill(node.child)));
    for (const node of this.nodes) rmSync(node.dir, { recursive: true, force: true });
  }
}

function startNode(port: number, busPort: number): Node {
  const dir = mkdtempSync(join(tmpdir(), 'hatchway-redis-cluster-'));
  const child = spawn(REDIS_SERVER, [
    '--port', String(port), '--cluster-port', String(busPort), '--bind', '127.0.0.1', '--dir', dir,
    '--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf', '--cluster-node-timeout', '5000',
    '--save', '', '--appendonly', 'no', '--daemonize', 'no', '--protected-mode', 'no', '--loglevel', 'warning',
  ], { stdio: ['ignore', 'ignore', 'pipe'] });
  const node: Node = { port, dir, child, stderr: '' };
  child.stderr!.on('data', (chunk: Buffer) => { node.stderr += chunk.toString(); });
  // Should the test process end without close() (killed, crashed), the node does not outlive it.
  const orphan = (): void => { child.kill('SIGKILL'); };
  process.once('exit', orphan);
  child.once('exit', () => process.removeListener('exit', orphan));
  return node;
}

function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

/** A redis-cli call on one node, bounded to 2 s; '' when it fails (the node not up yet). */
async function cli(port: number, args: string[], node?: Node): Promise<string> {
  if (node !== undefined && (node.child.exitCode !== null || node.child.signalCode !== null)) {
    throw new Error(`redis-server on port ${port} exited: ${node.stderr.trim() || 'no output'}`);
  }
  return (await run(REDIS_CLI, ['-h', '127.0.0.1', '-p', String(port), ...args], 2000).catch(() => '')).trim();
}

function run(file: string, args: string[], ms: number): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { timeout: Math.max(ms, 100), killSignal: 'SIGKILL' }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${file} ${args.join(' ')} failed: ${error.message} ${stderr}`));
      else resolve(stdout);
    });
  });
}

async function waitFor(deadline: number, what: string, check: () => Promise<boolean>, node: Node): Promise<void> {
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${node.stderr.trim()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** `count` distinct ports free now (all held open at once, so none is given twice). */
export async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(Array.from({ length: count }, () => new Promise<ReturnType<typeof createServer>>((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => resolve(probe));
  })));
  const ports = servers.map((server) => (server.address() as { port: number }).port);
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  return ports;
}

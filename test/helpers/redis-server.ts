/**
 * A real `redis-server` (Debian's package) of a test's own: on a free port of 127.0.0.1, in a
 * temporary directory that it removes, with the append-only file on so that a restart keeps the
 * data. It can be stopped, killed (`SIGKILL`, losing what was not yet on disk) and started again on
 * the same port and directory, which is how the fault tests take Redis away and bring it back.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const REDIS_SERVER = process.env.REDIS_SERVER ?? '/usr/bin/redis-server';

export interface RedisServerOptions {
  /** `appendfsync` for the append-only file; `always` makes a SIGKILL lose nothing that was acknowledged. Default `everysec`. */
  appendfsync?: 'always' | 'everysec' | 'no';
  /** No persistence at all: a restart comes back empty (as Redis that lost its data). */
  ephemeral?: boolean;
}

export class RedisServer {
  private child: ChildProcess | null = null;
  private constructor(
    readonly port: number,
    readonly dir: string,
    private readonly options: RedisServerOptions,
  ) {}

  static async start(options: RedisServerOptions = {}): Promise<RedisServer> {
    const server = new RedisServer(await freePort(), mkdtempSync(join(tmpdir(), 'hatchway-redis-')), options);
    await server.restart();
    return server;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  get running(): boolean {
    return this.child !== null;
  }

  /** Starts the server (again) on the same port and directory, and resolves once it accepts connections. */
  async restart(): Promise<void> {
    if (this.child !== null) throw new Error('redis-server is already running');
    const persistence = this.options.ephemeral === true
      ? ['--appendonly', 'no', '--save', '']
      : ['--appendonly', 'yes', '--appendfsync', this.options.appendfsync ?? 'everysec', '--save', ''];
    const child = spawn(REDIS_SERVER, [
      '--port', String(this.port), '--bind', '127.0.0.1', '--dir', this.dir,
      '--daemonize', 'no', '--protected-mode', 'no', '--loglevel', 'warning', ...persistence,
    ], { stdio: ['ignore', 'ignore', 'pipe'] });
    this.child = child;
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
    child.once('exit', () => { if (this.child === child) this.child = null; });
    try {
      await waitForPort(this.port, child, () => stderr);
    } catch (error) {
      child.kill('SIGKILL');
      this.child = null;
      throw error;
    }
  }

  /** SIGKILL: Redis dies at once, as in a crash. */
  async kill(): Promise<void> {
    await this.signal('SIGKILL');
  }

  /** SIGTERM: Redis shuts down cleanly (flushing its append-only file). */
  async stop(): Promise<void> {
    await this.signal('SIGTERM');
  }

  /** Stops the server and removes its directory. */
  async close(): Promise<void> {
    await this.signal('SIGKILL');
    rmSync(this.dir, { recursive: true, force: true });
  }

  private async signal(signal: NodeJS.Signals): Promise<void> {
    const child = this.child;
    if (child === null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill(signal);
    await exited;
    this.child = null;
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

/** Resolves once the port accepts a connection (and answers PING), rejects if the child exits first or after 10 s. */
async function waitForPort(port: number, child: ChildProcess, stderr: () => string): Promise<void> {
  const deadline = Date.now() + 10_000;
  let exited = false;
  child.once('exit', () => { exited = true; });
  while (!exited && Date.now() < deadline) {
    if (await answersPing(port)) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`redis-server on port ${port} did not start: ${stderr().trim() || (exited ? 'it exited' : 'timed out')}`);
}

function answersPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    const done = (ok: boolean): void => { socket.destroy(); resolve(ok); };
    socket.setTimeout(1000, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (chunk) => done(chunk.toString().startsWith('+PONG')));
  });
}

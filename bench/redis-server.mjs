/*
 * A real redis-server for a bench scenario (the .mjs counterpart of test/helpers/redis-server.ts):
 * on a free port of 127.0.0.1, in a temporary directory of its own, without persistence
 * (`--save '' --appendonly no`), optionally pinned to a core with taskset. `stop()` kills it and
 * removes the directory; `command()` sends one command and reads one reply (FLUSHALL between trials).
 * The runner tracks the child like every other (killed on exit), and the directory is removed by
 * stop() or, at the latest, by the runner's exit hook.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export const REDIS_SERVER = process.env.REDIS_SERVER ?? '/usr/bin/redis-server';

/** Whether redis-server can be run here; the version it reports, or null. */
export function redisServerVersion(spawnSync) {
  const r = spawnSync(REDIS_SERVER, ['--version'], { encoding: 'utf8' });
  if (r.status !== 0) return null;
  return /v=(\S+)/.exec(r.stdout)?.[1] ?? 'unknown';
}

/**
 * Starts redis-server; resolves once it answers PING. `wrap(command, args)` returns the [command,
 * args] to spawn (the runner's pinning), `track(child)` registers the child for cleanup.
 */
export async function startRedisServer({ wrap = (c, a) => [c, a], track = (c) => c } = {}) {
  const port = await freePort();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hatchway-bench-redis-'));
  const args = [
    '--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--daemonize', 'no', '--protected-mode', 'no',
    '--save', '', '--appendonly', 'no', '--loglevel', 'warning',
  ];
  const [cmd, list] = wrap(REDIS_SERVER, args);
  const child = track(spawn(cmd, list, { stdio: ['ignore', 'ignore', 'pipe'] }));
  let stderr = '';
  child.stderr.on('data', (d) => {
    if (stderr.length < 4000) stderr += d;
  });
  const removeDir = () => fs.rmSync(dir, { recursive: true, force: true });
  process.once('exit', removeDir);
  const exited = new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', resolve);
  });
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
    removeDir();
    process.off('exit', removeDir);
  };
  try {
    const deadline = Date.now() + 10000;
    let up = false;
    while (!up && Date.now() < deadline && child.exitCode === null && child.signalCode === null) {
      up = (await redisCommand(port, ['PING']).catch(() => null)) === 'PONG';
      if (!up) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    if (!up) throw new Error(`redis-server did not start on port ${port}: ${stderr.trim() || 'timed out'}`);
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    port,
    pid: child.pid,
    dir,
    url: `redis://127.0.0.1:${port}`,
    child,
    command: (args) => redisCommand(port, args),
    stop,
  };
}

/** One command on a connection of its own; resolves with a simple reply's text (rejects on an error reply). */
export function redisCommand(port, args) {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    let buffered = '';
    const done = (fn, value) => {
      socket.destroy();
      fn(value);
    };
    socket.setTimeout(5000, () => done(reject, new Error(`redis ${args[0]}: no reply`)));
    socket.once('error', (error) => done(reject, error));
    socket.once('connect', () => {
      socket.write(`*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(String(a))}\r\n${a}\r\n`).join('')}`);
    });
    socket.on('data', (chunk) => {
      buffered += chunk.toString('latin1');
      const end = buffered.indexOf('\r\n');
      if (end === -1) return;
      const line = buffered.slice(0, end);
      if (line[0] === '-') done(reject, new Error(`redis ${args[0]}: ${line.slice(1)}`));
      else done(resolve, line.slice(1));
    });
  });
}

function freePort() {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

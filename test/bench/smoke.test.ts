/**
 * The bench scripts start and stop: `bench/run.mjs --smoke` runs one tiny echo scenario against
 * hatchway and ws (with the C generator, then with the Node fallback) and must exit cleanly,
 * write its report and leave no process behind. `--smoke --only=redis-fanout-2p` runs the Redis
 * fan-out on 20 connections (a redis-server, two processes per library, the relayed pacing) and
 * must remove Redis's directory too. Nothing here is timed: speed is measured by `npm run bench`,
 * never asserted in `npm test`.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const root = path.resolve(__dirname, '../..');

interface Report {
  mode: string;
  children: number[];
  tempDirs?: string[];
  scenarios: Array<{
    id: string;
    results: Record<string, { trials: Array<{ messages: number; subscriberShare?: number; cpuUsPerMsg?: number | null }>; error?: string; pending?: string }>;
  }>;
}

const REDIS_SERVER = process.env.REDIS_SERVER ?? '/usr/bin/redis-server';
const haveRedis = spawnSync(REDIS_SERVER, ['--version']).status === 0;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function smoke(extra: string[]): { report: Report; stdout: string } {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'hatchway-bench-smoke-'));
  try {
    const run = spawnSync(process.execPath, [path.join(root, 'bench', 'run.mjs'), '--smoke', `--out=${out}`, ...extra], {
      cwd: root,
      encoding: 'utf8',
      timeout: 90000,
    });
    if (run.status !== 0) throw new Error(`bench --smoke exited ${run.status ?? run.signal}:\n${run.stdout}\n${run.stderr}`);
    const report = JSON.parse(fs.readFileSync(path.join(out, 'latest-smoke.json'), 'utf8')) as Report;
    return { report, stdout: run.stdout };
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
}

function check(report: Report, stdout: string): void {
  expect(report.mode).toBe('smoke');
  const [scenario] = report.scenarios;
  expect(scenario).toBeDefined();
  for (const name of ['hatchway', 'ws']) {
    const result = scenario!.results[name]!;
    expect(result.error).toBeUndefined();
    expect(result.trials).toHaveLength(1);
    expect(result.trials[0]!.messages).toBeGreaterThan(0);
  }
  expect(stdout).toContain('hatchway');
  // A server and a generator per trial, all gone once the runner has exited.
  expect(report.children.length).toBeGreaterThanOrEqual(4);
  for (const pid of report.children) expect(alive(pid)).toBe(false);
}

test('bench/run.mjs --smoke starts and stops (C generator, or the Node one without a compiler)', () => {
  const { report, stdout } = smoke([]);
  check(report, stdout);
}, 120000);

test('bench/run.mjs --smoke --node-gen starts and stops with the Node generator', () => {
  const { report, stdout } = smoke(['--node-gen']);
  check(report, stdout);
}, 120000);

(haveRedis ? test : test.skip)('bench/run.mjs --smoke --only=redis-fanout-2p runs the Redis fan-out and cleans up', () => {
  const { report, stdout } = smoke(['--only=redis-fanout-2p']);
  const [scenario] = report.scenarios;
  expect(scenario!.id).toBe('redis-fanout-2p');
  for (const name of ['hatchway-hub', 'socket.io']) {
    const result = scenario!.results[name]!;
    expect(result.pending).toBeUndefined();
    expect(result.error).toBeUndefined();
    expect(result.trials).toHaveLength(1);
    const [trial] = result.trials;
    expect(trial!.messages).toBeGreaterThan(0);
    // Both processes delivered: the subscriber process's clients got about half of the events.
    expect(trial!.subscriberShare).toBeGreaterThan(0.3);
    expect(trial!.subscriberShare).toBeLessThan(0.7);
    expect(trial!.cpuUsPerMsg).toBeGreaterThan(0);
  }
  expect(stdout).toContain('CPU x socket.io');
  // redis-server, then two servers and a generator per trial: all gone, and Redis's directory removed.
  expect(report.children.length).toBeGreaterThanOrEqual(7);
  for (const pid of report.children) expect(alive(pid)).toBe(false);
  expect(report.tempDirs).toHaveLength(1);
  for (const dir of report.tempDirs!) expect(fs.existsSync(dir)).toBe(false);
}, 120000);

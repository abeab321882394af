#!/usr/bin/env node
/*
 * What an idle connection holds, by object kind: for each server (bench/server.cjs), a V8 heap
 * snapshot before and after N idle WebSocket connections (the generator's `idle` mode), both
 * after full collections, summarized per connection by kind (count and self size, and the
 * retained size of the kinds with about one instance per connection), and diffed against the raw
 * `net` server, which holds only what Node holds for any upgraded socket.
 *
 *   node bench/idle-heap.mjs [--conns=10000] [--servers=raw,hatchway,ws,...] [--top=30]
 *                            [--hatchway=DIR] [--out=DIR] [--keep] [--md]
 *
 * Servers: any --impl of bench/server.cjs; the framework ones (hatchway-express, express-ws,
 * hatchway-koa, koa-websocket, hatchway-attached) get the /chat route and the session cookie.
 * Snapshots of 10,000 connections are 50-150 MB each; they are deleted after the summary unless
 * --keep. --md prints the tables as markdown (for docs/performance.md).
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { byKind, loadSnapshot, retainedByKind, retainedSizes } from './heap-summary.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const flags = Object.fromEntries(
  process.argv.slice(2).filter((a) => a.startsWith('--')).map((a) => {
    const eq = a.indexOf('=');
    return eq === -1 ? [a.slice(2), true] : [a.slice(2, eq), a.slice(eq + 1)];
  }),
);
const conns = Number(flags.conns ?? 10000);
const servers = (typeof flags.servers === 'string' ? flags.servers : 'raw,hatchway,ws').split(',');
const top = Number(flags.top ?? 30);
const out = path.resolve(ROOT, typeof flags.out === 'string' ? flags.out : '.bench-out/idle-heap');
const FRAMEWORK = new Set(['hatchway-express', 'express-ws', 'hatchway-koa', 'koa-websocket', 'hatchway-attached']);
const COOKIE = 'Cookie: theme=dark; session=bench-token; _ga=GA1.2.1234567890.1700000000';

const children = new Set();
process.on('exit', () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

function lines(stream) {
  const waiting = [];
  const queued = [];
  readline.createInterface({ input: stream }).on('line', (line) => {
    const i = waiting.findIndex((w) => w.test(line));
    if (i !== -1) waiting.splice(i, 1)[0].resolve(line);
    else queued.push(line);
  });
  return (test, ms, what) => {
    const j = queued.findIndex(test);
    if (j !== -1) return Promise.resolve(queued.splice(j, 1)[0]);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${what}: nothing within ${ms} ms`)), ms);
      waiting.push({ test, resolve: (l) => (clearTimeout(timer), resolve(l)) });
    });
  };
}

function start(command, args, env = {}) {
  const child = spawn(command, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'inherit'] });
  children.add(child);
  child.on('exit', () => children.delete(child));
  return { child, next: lines(child.stdout) };
}

function buildHatchway() {
  if (typeof flags.hatchway === 'string') return path.resolve(flags.hatchway);
  const dir = path.join(out, 'hatchway');
  fs.rmSync(dir, { recursive: true, force: true });
  const tsc = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  spawnSync(process.execPath, [
    tsc, '-p', path.join(ROOT, 'tsconfig.build.json'), '--module', 'CommonJS', '--moduleResolution', 'Node10', '--declaration', 'false', '--outDir', dir,
  ], { cwd: ROOT, encoding: 'utf8' });
  if (!fs.existsSync(path.join(dir, 'adapters', 'index.js'))) throw new Error('could not compile the sources');
  fs.writeFileSync(path.join(dir, 'package.json'), '{"type":"commonjs"}\n');
  return dir;
}

function buildGenerator() {
  const exe = path.join(out, 'loadgen');
  const r = spawnSync('cc', ['-O2', '-o', exe, path.join(ROOT, 'bench', 'loadgen.c')], { encoding: 'utf8' });
  return r.status === 0 ? [exe] : [process.execPath, path.join(ROOT, 'bench', 'loadgen.mjs')];
}

/** Snapshots before and after `conns` idle connections to one server. */
async function snapshots(impl, hatchwayDir, gen) {
  const env = impl === 'ws' || impl === 'express-ws' || impl === 'koa-websocket' ? { WS_NO_BUFFER_UTIL: '1' } : {};
  const server = start(process.execPath, ['--expose-gc', path.join(ROOT, 'bench', 'server.cjs'), '--impl', impl, '--hatchway', hatchwayDir, '--max-seconds', '600'], env);
  try {
    const port = Number((await server.next((l) => l.startsWith('LISTENING '), 20000, 'server start')).split(' ')[1]);
    const command = (line, prefix) => {
      server.child.stdin.write(`${line}\n`);
      return server.next((l) => l.startsWith(prefix), 300000, line);
    };
    const before = path.join(out, `${impl}-before.heapsnapshot`);
    const after = path.join(out, `${impl}-after.heapsnapshot`);
    await command(`heap ${before}`, 'HEAP ');
    const memBefore = JSON.parse((await command('mem', 'MEM ')).slice(4));
    const extra = FRAMEWORK.has(impl) ? ['--path', '/chat', '--header', COOKIE] : [];
    const g = start(gen[0], [...gen.slice(1), 'idle', '--port', String(port), '--conns', String(conns), '--timeout-ms', '300000', ...extra]);
    await g.next((l) => l.startsWith('READY '), 300000, 'idle connections');
    let mem = JSON.parse((await command('mem', 'MEM ')).slice(4));
    for (let i = 0; i < 50 && mem.live < conns; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      mem = JSON.parse((await command('mem', 'MEM ')).slice(4));
    }
    await new Promise((resolve) => setTimeout(resolve, 300));
    mem = JSON.parse((await command('mem', 'MEM ')).slice(4));
    await command(`heap ${after}`, 'HEAP ');
    g.child.stdin.end('close\n');
    await new Promise((resolve) => g.child.once('exit', resolve));
    return {
      before, after, live: mem.live,
      rssPerConn: (mem.rss - memBefore.rss) / conns, heapPerConn: (mem.heapUsed - memBefore.heapUsed) / conns,
    };
  } finally {
    server.child.stdin.end('quit\n');
    await new Promise((resolve) => (server.child.exitCode !== null ? resolve() : server.child.once('exit', resolve)));
  }
}

/** Per connection, by kind: instances and self bytes added, and the retained bytes of the kinds with ~1 per connection. */
function summarize(snap) {
  const a = byKind(loadSnapshot(snap.before));
  const graph = loadSnapshot(snap.after);
  const b = byKind(graph);
  const retained = retainedByKind(graph, retainedSizes(graph));
  const rows = [];
  for (const [key, row] of b) {
    const was = a.get(key) ?? { count: 0, self: 0 };
    const count = (row.count - was.count) / conns;
    const self = (row.self - was.self) / conns;
    // About one new instance per connection: what one of them retains, on average.
    const r = retained.get(key);
    const each = count > 0.9 && count < 1.1 && r ? r.retained / r.count : null;
    if (Math.abs(self) >= 0.5 || Math.abs(count) >= 0.05) rows.push({ key, count, self, each });
  }
  rows.sort((x, y) => y.self - x.self);
  return { rows, total: rows.reduce((s, r) => s + r.self, 0) };
}

const fmt = (x, d = 0) => (x === null || x === undefined ? '' : x.toFixed(d));

function render(name, snap, sum, raw) {
  const rawBy = raw ? new Map(raw.rows.map((r) => [r.key, r])) : null;
  const headers = ['kind', 'new per conn', 'self B per conn', ...(rawBy ? ['raw net B', 'beyond raw B'] : []), 'retained B each'];
  const rows = sum.rows.slice(0, top).map((r) => {
    const base = rawBy?.get(r.key)?.self ?? 0;
    return [r.key, fmt(r.count, 2), fmt(r.self), ...(rawBy ? [fmt(base), fmt(r.self - base)] : []), fmt(r.each)];
  });
  const title = `${name}: ${snap.live} live of ${conns}; heap snapshot diff ${fmt(sum.total)} B per connection` +
    `${raw ? ` (raw net ${fmt(raw.total)} B, ${fmt(sum.total - raw.total)} B beyond it)` : ''}; process: RSS ${fmt(snap.rssPerConn)} B, heapUsed ${fmt(snap.heapPerConn)} B per connection`;
  if (flags.md) {
    return [`**${title}**`, '', `| ${headers.join(' | ')} |`, `|${headers.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
  }
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [title, line(headers), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

fs.mkdirSync(out, { recursive: true });
const hatchwayDir = buildHatchway();
const gen = buildGenerator();
console.log(`idle heap: ${conns} connections per server, node ${process.version}, hatchway build ${path.relative(ROOT, hatchwayDir)}`);
const summaries = {};
const raw = servers.includes('raw') ? 'raw' : null;
for (const name of raw ? ['raw', ...servers.filter((s) => s !== 'raw')] : servers) {
  const snap = await snapshots(name, hatchwayDir, gen);
  summaries[name] = { snap, sum: summarize(snap) };
  if (!flags.keep) for (const f of [snap.before, snap.after]) fs.rmSync(f, { force: true });
  console.log(`\n${render(name, snap, summaries[name].sum, name === 'raw' ? null : summaries.raw?.sum)}`);
}
fs.writeFileSync(path.join(out, 'summary.json'), `${JSON.stringify({ date: new Date().toISOString(), conns, summaries }, null, 2)}\n`);
process.exit(0);

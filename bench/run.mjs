#!/usr/bin/env node
/*
 * `npm run bench`: hatchway against ws (without and with bufferutil), faye-websocket and a raw
 * `net` echo (the ceiling), SSE fan-out against better-sse and a bare node:http writer, the
 * Hub's broadcast against ws and socket.io (WebSocket) and against Channel (SSE), and the Hub on
 * Redis across two processes against socket.io's Redis adapter (a redis-server of its own), and
 * handshakes and echo through Express and Koa apps against express-ws and koa-websocket.
 *
 *   npm run bench                  full run (about 12 minutes on 2 cores)
 *   npm run bench -- --quick       one repetition, shorter windows (about 2-3 minutes)
 *   npm run bench -- --smoke       one tiny scenario (what test/bench/smoke.test.ts runs); with
 *                                  --only=ID,ID those scenarios on at most 20 connections
 *   npm run bench -- --profile     hatchway under --cpu-prof in the 64 B pipelined and 16 KiB
 *                                  scenarios; prints the hottest functions (with --only=hub-bcast-1k:
 *                                  the Hub and the send() loop; --only=sse-1k: the Hub and Channel)
 *   other options: --only=ID,ID  --servers=NAME,NAME  --reps=N  --warmup=MS  --duration=MS
 *                  --idle-conns=N  --node-gen  --dist  --hatchway=DIR  --variant=NAME=DIR
 *                  --out=DIR  --list  --node-flags="--max-inlined-bytecode-size=0" (profile only)
 *                  --render=FILE (print a saved results JSON as markdown again)
 *                  --fanout-window=N  --fanout-rate=R (the Redis fan-out's pacing, see REDIS_SERVERS)
 *
 * Every server runs in its own process pinned to core 0, the load generator (bench/loadgen.c,
 * compiled here; bench/loadgen.mjs without a compiler) on core 1. Servers are alternated
 * within each scenario over the repetitions; the medians are printed with their ratios to
 * ws and written as JSON under .bench-out/. Loopback only; every child is bounded in time and
 * killed on exit.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { randomBytes, randomInt } from 'node:crypto';
import zlib from 'node:zlib';
import { summarizeProfile, formatProfileSummary } from './profile-summary.mjs';
import { redisServerVersion, startRedisServer } from './redis-server.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BENCH = path.join(ROOT, 'bench');

// --- options ---------------------------------------------------------------------------------

const argv = process.argv.slice(2);
const flags = {};
for (const a of argv) {
  if (!a.startsWith('--')) continue;
  const eq = a.indexOf('=');
  const key = eq === -1 ? a.slice(2) : a.slice(2, eq);
  const value = eq === -1 ? true : a.slice(eq + 1);
  if (key === 'variant') (flags.variant ??= []).push(value);
  else flags[key] = value;
}
const mode = flags.smoke ? 'smoke' : flags.profile ? 'profile' : flags.quick ? 'quick' : 'full';
const PRESETS = {
  full: { reps: 3, warmup: 800, duration: 2500, idleReps: 2, idleConns: 10000 },
  quick: { reps: 1, warmup: 500, duration: 1500, idleReps: 1, idleConns: 10000 },
  smoke: { reps: 1, warmup: 200, duration: 500, idleReps: 1, idleConns: 20 },
  profile: { reps: 1, warmup: 1000, duration: 5000, idleReps: 1, idleConns: 10000 },
};
const preset = PRESETS[mode];
const reps = Number(flags.reps ?? preset.reps);
const warmupMs = Number(flags.warmup ?? preset.warmup);
const durationMs = Number(flags.duration ?? preset.duration);
const outDir = path.resolve(ROOT, typeof flags.out === 'string' ? flags.out : '.bench-out');

// --- servers and scenarios ---------------------------------------------------------------------

/** WebSocket servers: `impl` is bench/server.cjs's --impl. */
const WS_SERVERS = {
  hatchway: { label: 'hatchway', impl: 'hatchway' },
  ws: { label: 'ws', impl: 'ws', env: { WS_NO_BUFFER_UTIL: '1' } },
  'ws+bufferutil': { label: 'ws + bufferutil', impl: 'ws', env: { WS_NO_BUFFER_UTIL: '' } },
  faye: { label: 'faye-websocket', impl: 'faye' },
  raw: { label: 'raw net (ceiling)', impl: 'raw' },
};
const SSE_SERVERS = {
  hatchway: { label: 'hatchway es.send loop', impl: 'sse-hatchway', requires: 'EventSource' },
  'hatchway-channel': { label: 'hatchway Channel', impl: 'sse-hatchway-channel', requires: 'Channel' },
  'hatchway-hub': { label: 'hatchway Hub.publish', impl: 'sse-hatchway-hub', requires: 'Hub' },
  'better-sse': { label: 'better-sse channel', impl: 'sse-better' },
  'node:http': { label: 'bare node:http', impl: 'sse-bare' },
};
const DEFLATE_SERVERS = {
  hatchway: { label: 'hatchway', impl: 'hatchway-deflate', requires: 'permessageDeflate' },
  ws: { label: 'ws', impl: 'ws-deflate', env: { WS_NO_BUFFER_UTIL: '1' } },
};
/**
 * Broadcast to 1,000 WebSockets through each library's broadcast: the Hub (one frame per event for
 * all), hatchway's own send() in a loop, ws's `wss.clients` loop, a socket.io room (its clients speak
 * engine.io v4 / socket.io v5, `--sio 1` in the generator), and the raw ceiling (one frame, written to all).
 */
const HUB_SERVERS = {
  'hatchway-hub': { label: 'hatchway Hub.publish', impl: 'hatchway-hub', requires: 'Hub' },
  hatchway: { label: 'hatchway send() loop', impl: 'hatchway' },
  ws: { label: 'ws clients loop', impl: 'ws', env: { WS_NO_BUFFER_UTIL: '1' } },
  'socket.io': {
    label: 'socket.io room emit', impl: 'socket.io', env: { WS_NO_BUFFER_UTIL: '1' }, module: 'socket.io', gen: { sio: 1 },
  },
  raw: { label: 'raw net (ceiling)', impl: 'raw' },
};
/**
 * The Hub on Redis across two processes (kind `redis-fanout`): each row is two server processes of
 * bench/server.cjs (a publisher and a subscriber, `--role`) on one redis-server of the scenario's
 * own, with 500 of the generator's 1,000 WebSocket clients each (`--port2`). Every client is on one
 * topic / room; the publisher publishes 64 B events, and both processes hand every event to their
 * 500 sockets. hatchway: a Hub with redisBroker() on a node-redis client; socket.io 4.8 with
 * @socket.io/redis-adapter (createAdapter(pub, sub), node-redis clients), its clients in engine.io
 * mode (`--sio 1`).
 *
 * Pacing, the same for both. Saturated (`window`, the scenario's default): the publisher publishes one
 * event per event-loop turn as long as fewer than `window` events are published but not yet handed to
 * their sockets by *both* processes; the subscriber process reports its highest delivered sequence
 * number on stdout, which the runner relays to the publisher. Neither library's own signal would do for
 * both: a hatchway publish resolves once Redis has taken the event (before anyone delivered it),
 * socket.io's emit gives no signal at all, and without an end-to-end bound a backlog would grow without
 * limit in whichever process (or Redis output buffer) is slower, and the window would measure a queue
 * rather than a rate. With the bound, throughput is what both processes sustain together, and a backlog
 * of at most `window` events lets each library batch what arrives together if it can (hatchway writes a
 * socket's frames of one turn with one write; socket.io writes each frame on its own).
 * `--fanout-window=N` changes it (the docs give the sweep). Fixed rate (`rate`, the `-rate` scenario):
 * the publisher publishes `rate` events per second on a timer, below what either library saturates at,
 * so both deliver the same and only the CPU per delivered event differs (events then come one at a
 * time: nothing to batch).
 */
const REDIS_SERVERS = {
  'hatchway-hub': {
    label: 'hatchway Hub + redisBroker', impl: 'hatchway-hub-redis', requires: 'Hub', file: 'adapters/redis.js', modules: ['redis'],
  },
  'socket.io': {
    label: 'socket.io + redis-adapter', impl: 'socket.io-redis', env: { WS_NO_BUFFER_UTIL: '1' },
    modules: ['socket.io', '@socket.io/redis-adapter', 'redis'], gen: { sio: 1 },
  },
};
/**
 * The cost of the diagnostics channels (docs/observability.md): the same hatchway server without and
 * with a subscriber on all six channels (HATCHWAY_BENCH_DIAGNOSTICS=1 makes bench/server.cjs count
 * every message). The `diag-*` scenarios only (--only=diag-handshake-c50,diag-echo-64-c100,diag-hub-bcast-1k);
 * `--variant=NAME=DIR` adds a build without the channels (a ws scenario's plain `hatchway` server).
 */
const DIAG_ENV = { HATCHWAY_BENCH_DIAGNOSTICS: '1' };
const DIAG_SERVERS = {
  hatchway: { label: 'hatchway, no subscriber', impl: 'hatchway' },
  'hatchway+diag': { label: 'hatchway + diagnostics subscriber', impl: 'hatchway', env: DIAG_ENV },
  'hatchway-hub': { label: 'Hub.publish, no subscriber', impl: 'hatchway-hub', requires: 'Hub' },
  'hatchway-hub+diag': { label: 'Hub.publish + diagnostics subscriber', impl: 'hatchway-hub', requires: 'Hub', env: DIAG_ENV },
};
/**
 * WebSockets routed through a framework app (bench/server.cjs, setupFramework): the route is /chat, behind
 * a logger-like no-op, a cookie parser (Express: cookie-parser; Koa: its own ctx.cookies) and an auth check
 * on the session cookie, which the generator sends (FRAMEWORK_HEADER). hatchway's websocket() route on an
 * attach()ed server against express-ws (`app.ws(path)`) and koa-websocket (`app.ws.use(router.routes())`)
 * doing the same; hatchway's plain `new WebSocket(req, socket, head)` server (any path, no middleware)
 * beside them as the reference the echo through an app should equal, and attach() with websocket() as the
 * whole app (no framework) in the Express handshakes, where it splits the framework's cost from attach()'s.
 * express-ws runs on ws 7, which has no WS_NO_BUFFER_UTIL switch: it uses bufferutil when installed
 * (ws 8's own rows show no difference with it at 64 B).
 */
const FRAMEWORK_HEADER = 'Cookie: theme=dark; session=bench-token; _ga=GA1.2.1234567890.1700000000';
const EXPRESS_SERVERS = {
  'hatchway-express': { label: 'hatchway websocket() in Express', impl: 'hatchway-express', modules: ['express', 'cookie-parser'] },
  'express-ws': {
    label: 'express-ws', impl: 'express-ws', env: { WS_NO_BUFFER_UTIL: '1' }, modules: ['express', 'cookie-parser', 'express-ws'],
  },
  'hatchway-attached': { label: 'hatchway attach(), no framework', impl: 'hatchway-attached' },
  hatchway: { label: 'hatchway plain (no app)', impl: 'hatchway' },
};
const KOA_SERVERS = {
  'hatchway-koa': {
    label: 'hatchway websocket() in Koa + @koa/router', impl: 'hatchway-koa', file: 'adapters/koa.js', modules: ['koa', '@koa/router'],
  },
  'koa-websocket': {
    label: 'koa-websocket + @koa/router', impl: 'koa-websocket', env: { WS_NO_BUFFER_UTIL: '1' }, modules: ['koa', '@koa/router', 'koa-websocket'],
  },
  hatchway: { label: 'hatchway plain (no app)', impl: 'hatchway' },
};
const SERVER_SETS = {
  ws: WS_SERVERS, sse: SSE_SERVERS, deflate: DEFLATE_SERVERS, hub: HUB_SERVERS, redis: REDIS_SERVERS, diag: DIAG_SERVERS,
  express: EXPRESS_SERVERS, koa: KOA_SERVERS,
};
/** The framework scenarios' common fields: their route, their cookie, their references. */
const viaExpress = {
  set: 'express', path: '/chat', header: FRAMEWORK_HEADER, baseline: 'express-ws', baselineLabel: 'express-ws',
  alsoVs: 'hatchway', alsoVsLabel: 'plain', profiled: ['hatchway-express', 'hatchway-attached', 'hatchway', 'express-ws'],
};
const viaKoa = {
  set: 'koa', path: '/chat', header: FRAMEWORK_HEADER, baseline: 'koa-websocket', baselineLabel: 'koa-websocket',
  alsoVs: 'hatchway', alsoVsLabel: 'plain', profiled: ['hatchway-koa', 'hatchway', 'koa-websocket'],
};
const DEFLATE_OFFER = 'permessage-deflate; client_max_window_bits';

const SCENARIOS = [
  { id: 'echo-64-c1', title: '64 B text echo, 1 connection', kind: 'echo', conns: 1, inflight: 1, size: 64, text: 1 },
  { id: 'echo-64-c100', title: '64 B text echo, 100 connections', kind: 'echo', conns: 100, inflight: 1, size: 64, text: 1 },
  {
    id: 'echo-64-c1000x4', title: '64 B text echo, 1,000 connections x 4 in flight', kind: 'echo',
    conns: 1000, inflight: 4, size: 64, text: 1, coalesceUs: 200,
  },
  { id: 'bin-16k-c10', title: '16 KiB binary echo, 10 connections x 4 in flight', kind: 'echo', conns: 10, inflight: 4, size: 16384, text: 0 },
  { id: 'bin-1m-c4', title: '1 MiB binary echo, 4 connections x 2 in flight', kind: 'echo', conns: 4, inflight: 2, size: 1 << 20, text: 0 },
  { id: 'handshake-c50', title: 'opening handshakes, 50 concurrent', kind: 'handshake', conns: 50 },
  { id: 'idle-10k', title: 'memory per idle connection', kind: 'idle', conns: 10000 },
  {
    id: 'sse-1k', title: 'SSE fan-out, 1,000 clients (one 64 B event per round to all)', kind: 'sse', set: 'sse', conns: 1000, coalesceUs: 200,
    alsoVs: 'hatchway-channel', alsoVsLabel: 'Channel', profiled: ['hatchway-hub', 'hatchway-channel'],
  },
  { id: 'bcast-1k', title: 'WebSocket broadcast, 1,000 clients (one 64 B text per round to all)', kind: 'bcast', conns: 1000, coalesceUs: 200 },
  {
    id: 'hub-bcast-1k', title: 'Hub broadcast, 1,000 WebSocket subscribers (one 64 B text per round to all, each library\'s broadcast)',
    kind: 'bcast', set: 'hub', conns: 1000, coalesceUs: 200, alsoVs: 'socket.io', alsoVsLabel: 'socket.io', profiled: ['hatchway-hub', 'hatchway'],
  },
  {
    id: 'redis-fanout-2p',
    title: 'Redis fan-out, 2 processes, 1,000 WebSocket subscribers (500 each), 64 B events published on one, saturated (at most 16 events outstanding)',
    kind: 'redis-fanout', set: 'redis', conns: 1000, window: 16, coalesceUs: 200, baseline: 'socket.io', baselineLabel: 'socket.io',
    profiled: ['hatchway-hub'],
  },
  {
    id: 'deflate-echo', title: 'permessage-deflate: 4 KiB JSON text echo, 50 connections x 4 in flight (MB/s = compressed bytes)',
    kind: 'echo', set: 'deflate', conns: 50, inflight: 4, deflate: true,
  },
  {
    id: 'deflate-idle', title: 'permessage-deflate: memory per connection after one 4 KiB message each way, 1,000 connections',
    kind: 'idle', set: 'deflate', conns: 1000, deflate: true,
  },
  {
    id: 'express-handshake-c50', title: 'Express 5 app (logger, cookie-parser, auth, route): opening handshakes, 50 concurrent',
    kind: 'handshake', conns: 50, ...viaExpress,
  },
  {
    id: 'express-echo-64-c1000x4', title: 'Express 5 app: 64 B text echo, 1,000 connections x 4 in flight', kind: 'echo',
    conns: 1000, inflight: 4, size: 64, text: 1, coalesceUs: 200, ...viaExpress, servers: ['hatchway-express', 'express-ws', 'hatchway'],
  },
  {
    id: 'koa-handshake-c50', title: 'Koa 3 app (logger, auth, @koa/router route): opening handshakes, 50 concurrent',
    kind: 'handshake', conns: 50, ...viaKoa,
  },
  {
    id: 'koa-echo-64-c1000x4', title: 'Koa 3 app: 64 B text echo, 1,000 connections x 4 in flight', kind: 'echo',
    conns: 1000, inflight: 4, size: 64, text: 1, coalesceUs: 200, ...viaKoa,
  },
];
/** Not in the default run; for --only and bench/ablate.mjs. */
const EXTRA_SCENARIOS = [
  { id: 'text-16k-c10', title: '16 KiB text echo, 10 connections x 4 in flight', kind: 'echo', conns: 10, inflight: 4, size: 16384, text: 1 },
  { id: 'bin-16k-c10-zero', title: '16 KiB binary echo, all-zero masks', kind: 'echo', conns: 10, inflight: 4, size: 16384, text: 0, zeroMask: 1 },
  { id: 'bin-1m-c4-zero', title: '1 MiB binary echo, all-zero masks', kind: 'echo', conns: 4, inflight: 2, size: 1 << 20, text: 0, zeroMask: 1 },
  { id: 'echo-64-c100x16-bin', title: '64 B binary echo, 100 connections x 16 in flight', kind: 'echo', conns: 100, inflight: 16, size: 64, text: 0, coalesceUs: 200 },
  // hub-bcast-1k with 8 broadcasts per event-loop turn: what batching a socket's frames into one write buys.
  {
    id: 'hub-bcast-1k-burst8', title: 'Hub broadcast, 1,000 WebSocket subscribers, 8 x 64 B texts per round (in one event-loop turn) to all',
    kind: 'bcast', set: 'hub', conns: 1000, coalesceUs: 200, burst: 8, alsoVs: 'socket.io', alsoVsLabel: 'socket.io', profiled: ['hatchway-hub', 'hatchway'],
    // The raw row writes each frame on its own: no ceiling here.
    servers: ['hatchway-hub', 'hatchway', 'ws', 'socket.io'],
  },
  // redis-fanout-2p at a fixed offered rate that neither library saturates at: CPU per delivered event at equal load.
  {
    id: 'redis-fanout-2p-rate',
    title: 'Redis fan-out, 2 processes, 1,000 WebSocket subscribers (500 each), 64 B events published on one at 30 events/s (30,000 deliveries/s)',
    kind: 'redis-fanout', set: 'redis', conns: 1000, window: 16, rate: 30, coalesceUs: 200, baseline: 'socket.io', baselineLabel: 'socket.io',
    profiled: ['hatchway-hub'],
  },
  // The diagnostics channels without and with a subscriber (DIAG_SERVERS): a handshake publishes open
  // and close, an echoed message nothing, a Hub publish one message.
  {
    id: 'diag-handshake-c50', title: 'diagnostics: opening handshakes (open + close each), 50 concurrent', kind: 'handshake', set: 'diag', conns: 50,
    servers: ['hatchway', 'hatchway+diag'], baseline: 'hatchway', baselineLabel: 'no subscriber',
  },
  {
    id: 'diag-echo-64-c100', title: 'diagnostics: 64 B text echo, 100 connections', kind: 'echo', set: 'diag', conns: 100, inflight: 1, size: 64, text: 1,
    servers: ['hatchway', 'hatchway+diag'], baseline: 'hatchway', baselineLabel: 'no subscriber',
  },
  {
    id: 'diag-hub-bcast-1k', title: 'diagnostics: Hub broadcast, 1,000 WebSocket subscribers (one hub:publish per round)', kind: 'bcast', set: 'diag',
    conns: 1000, coalesceUs: 200, servers: ['hatchway-hub', 'hatchway-hub+diag'], baseline: 'hatchway-hub', baselineLabel: 'no subscriber',
  },
  // Through the framework apps: one message in flight per connection, and memory per idle connection.
  {
    id: 'express-echo-64-c100', title: 'Express 5 app: 64 B text echo, 100 connections', kind: 'echo', conns: 100, inflight: 1, size: 64, text: 1,
    ...viaExpress, servers: ['hatchway-express', 'express-ws', 'hatchway'],
  },
  {
    id: 'koa-echo-64-c100', title: 'Koa 3 app: 64 B text echo, 100 connections', kind: 'echo', conns: 100, inflight: 1, size: 64, text: 1, ...viaKoa,
  },
  { id: 'express-idle-10k', title: 'Express 5 app: memory per idle connection', kind: 'idle', conns: 10000, ...viaExpress },
  { id: 'koa-idle-10k', title: 'Koa 3 app: memory per idle connection', kind: 'idle', conns: 10000, ...viaKoa },
  // The Hub and Channel rows of sse-1k alone (the full run has them in sse-1k).
  {
    id: 'hub-sse-1k', title: 'SSE fan-out through the Hub and Channel, 1,000 clients (one 64 B event per round to all)', kind: 'sse', set: 'sse',
    conns: 1000, coalesceUs: 200, servers: ['hatchway-hub', 'hatchway-channel'], baseline: 'hatchway-channel', baselineLabel: 'Channel',
    profiled: ['hatchway-hub', 'hatchway-channel'],
  },
];
const SMOKE_SCENARIO = { id: 'smoke-echo', set: 'ws', title: '64 B text echo, 2 connections (smoke)', kind: 'echo', conns: 2, inflight: 2, size: 64, text: 1 };

if (flags.list) {
  for (const s of [...SCENARIOS, ...EXTRA_SCENARIOS]) console.log(`${s.id.padEnd(22)} ${s.title}`);
  process.exit(0);
}

/**
 * glibc keeps freed memory instead of trimming it back to the kernel after every burst. Here a
 * page the process gives back and touches again costs a page fault of ~20 us (this VM hands freed
 * pages back to its host), and how often that happens varies between runs: with large messages
 * it made the same server's CPU per message vary up to 3x. Applied to every server alike;
 * `--no-malloc-tuning` runs with glibc's defaults.
 */
const MALLOC_ENV = flags['no-malloc-tuning']
  ? {}
  : { GLIBC_TUNABLES: 'glibc.malloc.trim_threshold=268435456:glibc.malloc.mmap_threshold=33554432:glibc.malloc.top_pad=67108864' };

// --- child processes: tracked, bounded, always killed --------------------------------------------

const children = new Set();
/** Every process started, for the report (the smoke test checks that none outlives the run). */
const spawnedPids = [];
function killAll() {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) {
      try {
        process.kill(child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
}
process.on('exit', killAll);
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    killAll();
    process.exit(130);
  });
}

function track(child) {
  children.add(child);
  spawnedPids.push(child.pid);
  child.on('exit', () => children.delete(child));
  return child;
}

function exited(child) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', resolve));
}

function withTimeout(promise, ms, what) {
  let timer;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
    }),
  ]);
}

// --- environment: pinning, file descriptors, generator, hatchway build ----------------------------

const cpus = os.availableParallelism?.() ?? os.cpus().length;
const hasTaskset = spawnSync('taskset', ['-c', '0', 'true']).status === 0;
const pinning = hasTaskset && cpus >= 2;
const notes = [];
if (!pinning) notes.push(hasTaskset ? 'fewer than 2 cores: server and generator are not pinned' : 'taskset not found: processes are not pinned');

function pinned(core, command, args, fdLimit) {
  let cmd = command;
  let list = args;
  if (pinning) {
    list = ['-c', String(core), cmd, ...list];
    cmd = 'taskset';
  }
  if (fdLimit !== undefined) {
    list = ['-c', `ulimit -n ${fdLimit} && exec "$@"`, 'sh', cmd, ...list];
    cmd = 'sh';
  }
  return [cmd, list];
}

/** The open-file limit the children get, raised through `ulimit -n` when the hard limit allows it. */
function fdPlan(needed) {
  const soft = Number(spawnSync('sh', ['-c', 'ulimit -n']).stdout.toString().trim()) || 1024;
  const hard = spawnSync('sh', ['-c', 'ulimit -Hn']).stdout.toString().trim();
  const hardLimit = hard === 'unlimited' ? Infinity : Number(hard) || soft;
  // Node and the C generator raise their soft limit to the hard one by themselves.
  if (hardLimit >= needed) return { raise: undefined, usable: needed };
  const tryRaise = spawnSync('sh', ['-c', `ulimit -n ${needed} && ulimit -n`]);
  if (tryRaise.status === 0 && Number(tryRaise.stdout.toString().trim()) >= needed) return { raise: needed, usable: needed };
  return { raise: undefined, usable: hardLimit };
}

function buildGenerator() {
  if (!flags['node-gen']) {
    const exe = path.join(outDir, 'loadgen');
    for (const cc of [process.env.CC, 'cc', 'gcc', 'clang'].filter(Boolean)) {
      const r = spawnSync(cc, ['-O2', '-o', exe, path.join(BENCH, 'loadgen.c')], { encoding: 'utf8' });
      if (r.status === 0) return { kind: 'c', command: exe, args: [] };
      if (r.error === undefined) {
        notes.push(`${cc} failed to build bench/loadgen.c: ${r.stderr.trim().split('\n')[0]}`);
        break;
      }
    }
    notes.push('no C compiler: using the Node generator (bench/loadgen.mjs), which costs more CPU');
  }
  return { kind: 'node', command: process.execPath, args: [path.join(BENCH, 'loadgen.mjs')] };
}

/** Compiles the current sources (CommonJS) into .bench-out, leaving the shared dist/ alone. */
function buildHatchway() {
  if (typeof flags.hatchway === 'string') return path.resolve(flags.hatchway);
  const dist = path.join(ROOT, 'dist', 'cjs');
  if (flags.dist || (mode === 'smoke' && fs.existsSync(path.join(dist, 'adapters', 'index.js')))) return dist;
  const dir = path.join(outDir, 'hatchway');
  fs.rmSync(dir, { recursive: true, force: true });
  const tsc = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  const r = spawnSync(
    process.execPath,
    [tsc, '-p', path.join(ROOT, 'tsconfig.build.json'), '--module', 'CommonJS', '--moduleResolution', 'Node10', '--declaration', 'false', '--outDir', dir],
    { encoding: 'utf8', cwd: ROOT },
  );
  const entry = path.join(dir, 'adapters', 'index.js');
  if (!fs.existsSync(entry)) {
    if (fs.existsSync(path.join(dist, 'adapters', 'index.js'))) {
      notes.push('could not compile src/ for the bench: using dist/cjs as built last');
      return dist;
    }
    throw new Error(`cannot build hatchway:\n${r.stdout}${r.stderr}`);
  }
  if (r.status !== 0) notes.push('tsc reported errors while compiling src/ for the bench (output emitted anyway)');
  fs.writeFileSync(path.join(dir, 'package.json'), '{"type":"commonjs"}\n');
  return dir;
}

// --- one server, one generator ----------------------------------------------------------------------

/** Lines of a child's output, awaited by a test; `intercept(line)` returning true takes a line first (not kept). */
function lineReader(stream, intercept = null) {
  const waiting = [];
  const queued = [];
  readline.createInterface({ input: stream }).on('line', (line) => {
    if (intercept !== null && intercept(line)) return;
    const i = waiting.findIndex((w) => w.test(line));
    if (i !== -1) waiting.splice(i, 1)[0].resolve(line);
    else queued.push(line);
  });
  return {
    next(test, ms, what) {
      const j = queued.findIndex(test);
      if (j !== -1) return Promise.resolve(queued.splice(j, 1)[0]);
      return withTimeout(new Promise((resolve) => waiting.push({ test, resolve })), ms, what);
    },
  };
}

async function startServer(spec, extraArgs, { fdLimit, nodeFlags = [], hatchwayDir, onLine = null }) {
  const args = [
    '--expose-gc', ...nodeFlags, path.join(BENCH, 'server.cjs'), '--impl', spec.impl, '--hatchway', spec.hatchwayDir ?? hatchwayDir,
    '--max-seconds', '300', ...extraArgs,
  ];
  const [cmd, list] = pinned(0, process.execPath, args, fdLimit);
  const env = { ...process.env, ...MALLOC_ENV, ...(spec.env ?? {}) };
  if (spec.env && spec.env.WS_NO_BUFFER_UTIL === '') delete env.WS_NO_BUFFER_UTIL;
  const child = track(spawn(cmd, list, { cwd: ROOT, env, stdio: ['pipe', 'pipe', 'pipe'] }));
  let stderr = '';
  child.stderr.on('data', (d) => {
    if (stderr.length < 4000) stderr += d;
  });
  const lines = lineReader(child.stdout, onLine);
  let listening;
  try {
    listening = await withTimeout(
      Promise.race([lines.next((l) => l.startsWith('LISTENING '), 20000, 'server start'), exited(child).then(() => null)]),
      20000,
      'server start',
    );
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  if (listening === null) throw new Error(`server ${spec.label} did not start:\n${stderr.trim()}`);
  const [, port, json] = listening.match(/^LISTENING (\d+) (.*)$/);
  return {
    child,
    pid: child.pid,
    port: Number(port),
    info: JSON.parse(json),
    stderr: () => stderr,
    async memory() {
      child.stdin.write('mem\n');
      const line = await lines.next((l) => l.startsWith('MEM '), 30000, 'server memory');
      return JSON.parse(line.slice(4));
    },
    /** A line to the server's stdin (the Redis fan-out's commands). */
    send(line) {
      if (child.exitCode === null && child.signalCode === null && child.stdin.writable) child.stdin.write(`${line}\n`);
    },
    async stats() {
      child.stdin.write('stats\n');
      const line = await lines.next((l) => l.startsWith('STATS '), 5000, 'server stats');
      return JSON.parse(line.slice(6));
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.stdin.end('quit\n');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited(child);
        clearTimeout(timer);
      }
    },
  };
}

function startGenerator(gen, modeName, params, fdLimit) {
  const args = [...gen.args, modeName];
  for (const [k, v] of Object.entries(params)) if (v !== undefined) args.push(`--${k}`, String(v));
  const [cmd, list] = pinned(1, gen.command, args, fdLimit);
  const child = track(spawn(cmd, list, { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] }));
  let stderr = '';
  child.stderr.on('data', (d) => {
    if (stderr.length < 4000) stderr += d;
  });
  const lines = lineReader(child.stdout);
  const limit = (params['timeout-ms'] ?? 60000) + 15000;
  const killer = setTimeout(() => child.kill('SIGKILL'), limit);
  const result = exited(child).then(async () => {
    clearTimeout(killer);
    const line = await lines.next((l) => l.startsWith('{'), 1000, 'generator result').catch(() => null);
    if (line === null) throw new Error(`generator gave no result (exit ${child.exitCode ?? child.signalCode}): ${stderr.trim()}`);
    const r = JSON.parse(line);
    if (r.status !== 'ok') throw new Error(`generator: ${r.status} ${stderr.trim()}`);
    return r;
  });
  result.catch(() => {});
  return { child, lines, result, stderr: () => stderr };
}

// --- trials -------------------------------------------------------------------------------------------

function deflateParams(ctx, scenario) {
  return scenario.deflate ? { 'frames-file': ctx.deflateFrames, extensions: DEFLATE_OFFER } : {};
}

/**
 * How the server's core spent the window besides the server process: interrupts and softirqs
 * (mostly loopback TCP delivery of this run's own traffic) and everything else (other processes
 * on the machine: interference).
 */
function coreShares(r) {
  if (!(r.serverCoreBusySec >= 0 && r.serverCpuSec >= 0)) return { irqPct: null, otherOnServerCorePct: null };
  const irq = r.serverCoreIrqSec >= 0 ? r.serverCoreIrqSec : 0;
  return {
    irqPct: (100 * irq) / r.seconds,
    otherOnServerCorePct: Math.max(0, (100 * (r.serverCoreBusySec - r.serverCpuSec - irq)) / r.seconds),
  };
}

async function echoTrial(ctx, scenario, spec, opts = {}) {
  const server = await startServer(spec, [], { ...ctx, nodeFlags: opts.nodeFlags });
  try {
    const gen = startGenerator(ctx.gen, scenario.kind, {
      ...deflateParams(ctx, scenario),
      port: server.port, conns: scenario.conns, inflight: scenario.inflight, size: scenario.size, text: scenario.text,
      path: scenario.path, header: scenario.header, 'zero-mask': scenario.zeroMask, 'warmup-ms': opts.warmup ?? warmupMs, 'duration-ms': opts.duration ?? durationMs,
      'server-pid': server.pid, 'server-core': pinning ? 0 : undefined, 'coalesce-us': scenario.coalesceUs,
      'timeout-ms': (opts.warmup ?? warmupMs) + (opts.duration ?? durationMs) + 30000,
    }, ctx.fdLimit);
    const r = await gen.result;
    return {
      msgPerSec: r.msgPerSec, mbPerSec: r.mbPerSec, p50us: r.p50us, p99us: r.p99us,
      cpuUsPerMsg: r.messages > 0 && r.serverCpuSec >= 0 ? (r.serverCpuSec * 1e6) / r.messages : null,
      serverCpuPct: r.serverCpuSec >= 0 ? (100 * r.serverCpuSec) / r.seconds : null,
      ...coreShares(r),
      faultsPerMsg: r.messages > 0 && r.serverMinorFaults >= 0 ? r.serverMinorFaults / r.messages : null,
      genCpuPct: r.genCpuPct, messages: r.messages, seconds: r.seconds, errors: r.errors,
    };
  } finally {
    await server.stop();
  }
}

async function idleTrial(ctx, scenario, spec) {
  const server = await startServer(spec, [], ctx);
  try {
    const before = await server.memory();
    const conns = scenario.id === 'idle-10k' ? ctx.idleConns : Math.min(scenario.conns, ctx.idleConns);
    const gen = startGenerator(ctx.gen, 'idle', {
      ...deflateParams(ctx, scenario), hello: scenario.deflate ? 1 : undefined,
      port: server.port, conns, path: scenario.path, header: scenario.header, 'server-pid': server.pid, 'timeout-ms': 120000,
    }, ctx.fdLimit);
    await Promise.race([
      gen.lines.next((l) => l.startsWith('READY '), 120000, 'idle connections'),
      gen.result.then(() => {
        throw new Error('generator ended before all connections were open');
      }),
    ]);
    // Wait until the server has seen every connection and handled every handshake.
    let after = await server.memory();
    for (let i = 0; i < 50 && after.live < conns; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      after = await server.memory();
    }
    await new Promise((resolve) => setTimeout(resolve, 300));
    after = await server.memory();
    gen.child.stdin.end('close\n');
    await gen.result;
    return {
      conns,
      live: after.live,
      rssPerConn: (after.rss - before.rss) / conns,
      heapPerConn: (after.heapUsed - before.heapUsed) / conns,
      externalPerConn: (after.external - before.external) / conns,
    };
  } finally {
    await server.stop();
  }
}

/** SSE fan-out, or (kind `bcast`) a WebSocket broadcast: the server sends, the generator counts. */
async function fanOutTrial(ctx, scenario, spec, opts = {}) {
  const bcast = scenario.kind === 'bcast';
  const extra = scenario.burst ? ['--bcast-burst', String(scenario.burst)] : [];
  const server = await startServer(spec, [bcast ? '--bcast-clients' : '--sse-clients', String(scenario.conns), ...extra], { ...ctx, nodeFlags: opts.nodeFlags });
  try {
    const gen = startGenerator(ctx.gen, scenario.kind, {
      ...(spec.gen ?? {}),
      port: server.port, conns: scenario.conns, 'warmup-ms': warmupMs, 'duration-ms': durationMs, 'coalesce-us': scenario.coalesceUs,
      'server-pid': server.pid, 'server-core': pinning ? 0 : undefined, 'timeout-ms': warmupMs + durationMs + 30000,
    }, ctx.fdLimit);
    const r = await gen.result;
    return {
      msgPerSec: r.msgPerSec, mbPerSec: r.mbPerSec,
      cpuUsPerMsg: r.messages > 0 && r.serverCpuSec >= 0 ? (r.serverCpuSec * 1e6) / r.messages : null,
      serverCpuPct: r.serverCpuSec >= 0 ? (100 * r.serverCpuSec) / r.seconds : null,
      ...coreShares(r),
      faultsPerMsg: r.messages > 0 && r.serverMinorFaults >= 0 ? r.serverMinorFaults / r.messages : null,
      genCpuPct: r.genCpuPct, messages: r.messages, seconds: r.seconds, errors: r.errors,
    };
  } finally {
    await server.stop();
  }
}

/**
 * The Hub on Redis across two processes (see REDIS_SERVERS): a publisher and a subscriber process on
 * the scenario's redis-server (emptied first), the generator's clients split between them, the
 * publisher started once all are connected. CPU per delivered event is the two server processes'
 * utime + stime over the window (read by the generator, `--cpu-pids`) over the events the clients
 * received; Redis's own is reported beside it.
 */
async function redisFanOutTrial(ctx, scenario, spec, opts = {}) {
  const redis = ctx.redis;
  await redis.command(['FLUSHALL']);
  const window = Number(flags['fanout-window'] ?? scenario.window);
  const rate = Number(flags['fanout-rate'] ?? scenario.rate ?? 0);
  const common = ['--redis-url', redis.url, '--fanout-window', String(window), ...(rate > 0 ? ['--fanout-rate', String(rate)] : [])];
  const withFlags = (role) =>
    opts.profileDir ? { nodeFlags: ['--cpu-prof', `--cpu-prof-dir=${path.join(opts.profileDir, role)}`, ...(opts.nodeFlags ?? [])] } : {};
  let publisher = null;
  // The subscriber's progress, relayed to the publisher (which paces on it).
  const relay = (line) => {
    if (!line.startsWith('SEQ ')) return false;
    publisher?.send(`remote ${line.slice(4)}`);
    return true;
  };
  const started = await Promise.allSettled([
    startServer(spec, ['--role', 'publisher', ...common], { ...ctx, ...withFlags('publisher') }),
    startServer(spec, ['--role', 'subscriber', ...common], { ...ctx, ...withFlags('subscriber'), onLine: relay }),
  ]);
  const servers = started.filter((x) => x.status === 'fulfilled').map((x) => x.value);
  try {
    const failed = started.find((x) => x.status === 'rejected');
    if (failed) throw failed.reason;
    const subscriber = servers[1];
    publisher = servers[0];
    const warmup = opts.warmup ?? warmupMs;
    const duration = opts.duration ?? durationMs;
    const gen = startGenerator(ctx.gen, 'bcast', {
      ...(spec.gen ?? {}),
      port: publisher.port, port2: subscriber.port, conns: scenario.conns, 'warmup-ms': warmup, 'duration-ms': duration,
      'coalesce-us': scenario.coalesceUs, 'server-pid': publisher.pid, 'server-core': pinning ? 0 : undefined,
      'cpu-pids': `${publisher.pid},${subscriber.pid},${redis.pid}`, 'timeout-ms': warmup + duration + 30000,
    }, ctx.fdLimit);
    await Promise.race([
      gen.lines.next((l) => l.startsWith('READY '), 60000, 'fan-out clients'),
      gen.result.then(() => {
        throw new Error('generator ended before all clients were connected');
      }),
    ]);
    publisher.send('start');
    const r = await gen.result;
    publisher.send('stop');
    const stats = await publisher.stats().catch(() => null);
    const [pubCpu, subCpu, redisCpu] = (r.pidCpuSec ?? []).map((x) => (typeof x === 'number' && x >= 0 ? x : null));
    const [pubFaults, subFaults] = r.pidFaults ?? [];
    const serverCpu = pubCpu !== null && subCpu !== null ? pubCpu + subCpu : null;
    const per = (cpu) => (cpu !== null && cpu !== undefined && r.messages > 0 ? (cpu * 1e6) / r.messages : null);
    const pct = (cpu) => (cpu !== null && cpu !== undefined && r.seconds > 0 ? (100 * cpu) / r.seconds : null);
    const onCore = serverCpu !== null && redisCpu !== null ? serverCpu + redisCpu : -1;
    return {
      msgPerSec: r.msgPerSec, eventsPerSec: r.msgPerSec / scenario.conns,
      cpuUsPerMsg: per(serverCpu), redisUsPerMsg: per(redisCpu), allUsPerMsg: per(onCore >= 0 ? onCore : null),
      pubCpuPct: pct(pubCpu), subCpuPct: pct(subCpu), redisCpuPct: pct(redisCpu), serverCpuPct: pct(serverCpu),
      // The server core's other occupants besides the two servers and Redis.
      ...coreShares({ ...r, serverCpuSec: onCore }),
      faultsPerMsg: r.messages > 0 && pubFaults >= 0 && subFaults >= 0 ? (pubFaults + subFaults) / r.messages : null,
      subscriberShare: r.messages > 0 ? r.messagesPort2 / r.messages : null,
      genCpuPct: r.genCpuPct, messages: r.messages, seconds: r.seconds, errors: r.errors,
      window, rate, published: stats?.published ?? null, skipped: stats?.skipped ?? null,
    };
  } finally {
    await Promise.all(servers.map((server) => server.stop()));
  }
}

// --- statistics and printing ----------------------------------------------------------------------------

function median(values) {
  const v = values.filter((x) => typeof x === 'number' && Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return null;
  const m = v.length >> 1;
  return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
}

function medians(trials) {
  const out = {};
  for (const key of Object.keys(trials[0] ?? {})) out[key] = median(trials.map((t) => t[key]));
  return out;
}

const fmt = {
  int: (x) => (x === null || x === undefined ? '-' : Math.round(x).toLocaleString('en-US')),
  num: (x, d = 1) => (x === null || x === undefined ? '-' : x.toFixed(d)),
  pct: (x) => (x === null || x === undefined ? '-' : `${x.toFixed(0)}%`),
  ratio: (x) => (x === null || x === undefined || !Number.isFinite(x) ? '-' : `${x.toFixed(2)}x`),
  time: (us) => (us === null || us === undefined || us < 0 ? '-' : us < 1000 ? `${us.toFixed(0)} us` : `${(us / 1000).toFixed(us < 10000 ? 2 : 1)} ms`),
  bytes: (b) => (b === null || b === undefined ? '-' : Math.abs(b) >= 10240 ? `${(b / 1024).toFixed(1)} KiB` : `${Math.round(b)} B`),
};

function table(headers, rows, align) {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) => cells.map((c, i) => (align[i] === 'l' ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join('  ');
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

function mdTable(headers, rows) {
  return [`| ${headers.join(' | ')} |`, `|${headers.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

function renderScenario(s) {
  if (s.kind === 'pending') return { text: `${s.title}: ${s.note}`, md: `*${s.note}*` };
  const base = s.baseline && s.results[s.baseline]?.median;
  const rows = [];
  let headers;
  let align;
  if (s.kind === 'redis-fanout') return renderRedisFanOut(s, base);
  if (s.kind === 'idle') {
    headers = ['server', 'RSS/conn', 'heap/conn', 'external/conn', `RSS x ${s.baselineLabel ?? 'ws'}`, `heap x ${s.baselineLabel ?? 'ws'}`];
    align = ['l', 'r', 'r', 'r', 'r', 'r'];
    for (const [name, r] of Object.entries(s.results)) {
      if (r.pending) {
        rows.push([r.label, r.pending, '', '', '', '']);
        continue;
      }
      const m = r.median;
      rows.push([
        r.label, fmt.bytes(m.rssPerConn), fmt.bytes(m.heapPerConn), fmt.bytes(m.externalPerConn),
        fmt.ratio(base && name !== s.baseline ? m.rssPerConn / base.rssPerConn : name === s.baseline ? 1 : null),
        fmt.ratio(base && name !== s.baseline ? m.heapPerConn / base.heapPerConn : name === s.baseline ? 1 : null),
      ]);
    }
  } else {
    const unit = s.kind === 'handshake' ? 'hs/s' : s.kind === 'sse' ? 'events/s' : 'msg/s';
    const per = s.kind === 'handshake' ? 'CPU us/hs' : s.kind === 'sse' ? 'CPU us/event' : 'CPU us/msg';
    const vs = `x ${s.baselineLabel}`;
    // Fan-outs have no round trip to time.
    const withLatency = s.kind !== 'sse' && s.kind !== 'bcast';
    // A second reference (the Hub's scenarios: socket.io, Channel), when it ran.
    const also = s.alsoVs ? s.results[s.alsoVs]?.median : null;
    const alsoVs = also ? `x ${s.alsoVsLabel}` : null;
    headers = [
      'server', unit, ...(s.kind === 'echo' ? ['MB/s'] : []), ...(withLatency ? ['p50', 'p99'] : []), per, 'faults/msg',
      'srv CPU', 'gen CPU', 'irq', 'other', vs, `CPU ${vs}`, ...(alsoVs ? [alsoVs, `CPU ${alsoVs}`] : []),
    ];
    align = headers.map((_, i) => (i === 0 ? 'l' : 'r'));
    for (const [, r] of Object.entries(s.results)) {
      if (r.pending || r.error) {
        rows.push([r.label, r.pending ?? `error: ${r.error}`.slice(0, 60), ...headers.slice(2).map(() => '')]);
        continue;
      }
      const m = r.median;
      rows.push([
        r.label, fmt.int(m.msgPerSec), ...(s.kind === 'echo' ? [fmt.num(m.mbPerSec, 1)] : []),
        ...(withLatency ? [fmt.time(m.p50us), fmt.time(m.p99us)] : []), fmt.num(m.cpuUsPerMsg, 2),
        fmt.num(m.faultsPerMsg, m.faultsPerMsg !== null && m.faultsPerMsg >= 10 ? 0 : 2),
        fmt.pct(m.serverCpuPct), fmt.pct(m.genCpuPct), fmt.pct(m.irqPct), fmt.pct(m.otherOnServerCorePct),
        fmt.ratio(base ? m.msgPerSec / base.msgPerSec : null), fmt.ratio(base ? m.cpuUsPerMsg / base.cpuUsPerMsg : null),
        ...(alsoVs ? [fmt.ratio(m.msgPerSec / also.msgPerSec), fmt.ratio(m.cpuUsPerMsg / also.cpuUsPerMsg)] : []),
      ]);
    }
  }
  return { text: table(headers, rows, align), md: mdTable(headers, rows) };
}

/**
 * The Redis fan-out: delivered events (at the clients) per second, CPU per delivered event of both
 * server processes together, Redis's beside it, each process's share of the server core; then the
 * spread of the trials.
 */
function renderRedisFanOut(s, base) {
  const vs = `x ${s.baselineLabel}`;
  const headers = [
    'server', 'delivered/s', 'events/s', 'CPU us/msg', 'Redis us/msg', 'pub CPU', 'sub CPU', 'Redis CPU', 'gen CPU', 'irq', 'other',
    vs, `CPU ${vs}`,
  ];
  const align = headers.map((_, i) => (i === 0 ? 'l' : 'r'));
  const rows = [];
  const spread = [];
  for (const [, r] of Object.entries(s.results)) {
    if (r.pending || r.error) {
      rows.push([r.label, r.pending ?? `error: ${r.error}`.slice(0, 60), ...headers.slice(2).map(() => '')]);
      continue;
    }
    const m = r.median;
    rows.push([
      r.label, fmt.int(m.msgPerSec), fmt.num(m.eventsPerSec, 0), fmt.num(m.cpuUsPerMsg, 2), fmt.num(m.redisUsPerMsg, 3),
      fmt.pct(m.pubCpuPct), fmt.pct(m.subCpuPct), fmt.pct(m.redisCpuPct), fmt.pct(m.genCpuPct), fmt.pct(m.irqPct), fmt.pct(m.otherOnServerCorePct),
      fmt.ratio(base ? m.msgPerSec / base.msgPerSec : null), fmt.ratio(base ? m.cpuUsPerMsg / base.cpuUsPerMsg : null),
    ]);
    const range = (key, f) => {
      const v = r.trials.map((t) => t[key]).filter((x) => typeof x === 'number');
      return v.length > 1 ? `${f(Math.min(...v))}-${f(Math.max(...v))}` : f(v[0] ?? null);
    };
    const skipped = r.trials.reduce((n, t) => n + (t.skipped ?? 0), 0);
    spread.push(
      `${r.label}: ${r.trials.length} trial(s), delivered/s ${range('msgPerSec', fmt.int)}, CPU us/msg ${range('cpuUsPerMsg', (x) => fmt.num(x, 2))}` +
        `, subscriber process's share of deliveries ${range('subscriberShare', (x) => fmt.num(x * 100, 1))}%` +
        (skipped > 0 ? `, ${skipped} events skipped (window full at their time)` : ''),
    );
  }
  const window = Object.values(s.results).find((r) => r.median)?.median?.window;
  const rate = Object.values(s.results).find((r) => r.median)?.median?.rate;
  const pacing = rate > 0 ? `fixed rate ${rate} events/s (at most ${window} outstanding)` : `saturated, at most ${window} events outstanding`;
  const note = `CPU us/msg: both server processes per delivered event; Redis us/msg: redis-server's own. Pacing: ${pacing}.`;
  return {
    text: `${table(headers, rows, align)}\n${note}\n${spread.map((x) => `  ${x}`).join('\n')}`,
    md: `${mdTable(headers, rows)}\n\n${note}\n\n${spread.map((x) => `- ${x}`).join('\n')}`,
  };
}

/** The targets of issue #7, checked on the medians of this run. */
function targets(results) {
  const get = (id, name) => results.find((s) => s.id === id)?.results?.[name]?.median ?? null;
  const out = [];
  const speed = (id, against, factor, text, who = 'hatchway', { both = false } = {}) => {
    const h = get(id, who);
    const b = get(id, against);
    if (!h || !b) return;
    const thr = h.msgPerSec / b.msgPerSec;
    const cpu = h.cpuUsPerMsg / b.cpuUsPerMsg;
    // Judged on server CPU per message, the figure other processes on the machine disturb least
    // (`both`: on throughput as well, where the target names both).
    out.push({ text, throughput: thr, cpu, met: cpu <= 1 / factor && (!both || thr >= factor) });
  };
  speed('echo-64-c1000x4', 'ws', 2, '64 B, 1,000 conns pipelined: >= 2x ws (CPU/msg <= 0.5x)');
  speed('echo-64-c100', 'ws', 1.2, '64 B, 100 conns: >= 1.2x ws (CPU/msg <= 0.83x)');
  speed('bin-16k-c10', 'ws+bufferutil', 1, '16 KiB: >= ws + bufferutil (CPU/msg <= 1x)');
  speed('bin-1m-c4', 'ws+bufferutil', 1, '1 MiB: >= ws + bufferutil (CPU/msg <= 1x)');
  speed('handshake-c50', 'ws', 1.5, 'handshakes: >= 1.5x ws (CPU/handshake <= 0.67x)');
  const hi = get('idle-10k', 'hatchway');
  const wi = get('idle-10k', 'ws');
  if (hi && wi) out.push({ text: 'idle memory: <= 0.75x ws per connection (RSS)', memory: hi.rssPerConn / wi.rssPerConn, met: hi.rssPerConn / wi.rssPerConn <= 0.75 });
  speed('sse-1k', 'better-sse', 1.5, 'SSE fan-out (Channel): >= 1.5x better-sse (CPU/event <= 0.67x)', 'hatchway-channel');
  speed('sse-1k', 'node:http', 1, 'SSE fan-out (Channel): >= bare node:http (CPU/event <= 1x)', 'hatchway-channel');
  speed('sse-1k', 'better-sse', 1.5, 'SSE fan-out (es.send loop): >= 1.5x better-sse (CPU/event <= 0.67x)');
  speed('sse-1k', 'node:http', 1, 'SSE fan-out (es.send loop): >= bare node:http (CPU/event <= 1x)');
  for (const g of out) g.group ??= 'issue #7';
  // The targets judged by `speed`, under a heading of their own.
  const grouped = (group) => (...a) => {
    const n = out.length;
    speed(...a);
    for (const g of out.slice(n)) g.group = group;
  };
  // The Hub's (delivered messages: CPU per message each subscriber received).
  const hub = grouped('the Hub');
  hub('hub-bcast-1k', 'ws', 2, 'Hub broadcast, 1,000 WebSockets: CPU/msg <= 0.5x ws\'s clients loop', 'hatchway-hub');
  hub('hub-bcast-1k', 'socket.io', 4, 'Hub broadcast, 1,000 WebSockets: CPU/msg <= 0.25x socket.io\'s room emit', 'hatchway-hub');
  hub('hub-bcast-1k', 'hatchway', 1, 'Hub broadcast, 1,000 WebSockets: CPU/msg <= hatchway\'s own send() loop (1x)', 'hatchway-hub');
  const sseHub = get('sse-1k', 'hatchway-hub') ? 'sse-1k' : 'hub-sse-1k';
  // A Channel is one topic of a Hub of its own: the two rows run the same code, so "not slower" is
  // judged within 5%, about what one row moves between trials here.
  hub(sseHub, 'hatchway-channel', 1 / 1.05, 'SSE fan-out (Hub): not slower than Channel, the same code (CPU/event <= 1.05x)', 'hatchway-hub');
  // The Redis broker's: throughput and CPU per delivered event over both processes, saturated.
  const redis = grouped('the Redis broker');
  redis(
    'redis-fanout-2p', 'socket.io', 2,
    'Redis fan-out, 2 processes, 1,000 WebSockets: >= 2x socket.io + redis-adapter delivered/s and CPU/delivered <= 0.5x', 'hatchway-hub',
    { both: true },
  );
  // Issue #18's framework-routed rows: handshakes against each framework's own WebSocket plugin, and the
  // echo through the app level with the plain path's (within 10%: a trial's own spread on this machine).
  const framework = grouped('issue #18 (through the frameworks)');
  framework('express-handshake-c50', 'express-ws', 1.3, 'Express handshakes: >= 1.3x express-ws (CPU/handshake <= 0.77x)', 'hatchway-express');
  framework('koa-handshake-c50', 'koa-websocket', 1.3, 'Koa handshakes: >= 1.3x koa-websocket (CPU/handshake <= 0.77x)', 'hatchway-koa');
  framework('express-echo-64-c1000x4', 'hatchway', 1 / 1.1, 'Express 64 B echo, 1,000 conns x 4: the plain path\'s (CPU/msg <= 1.1x plain)', 'hatchway-express');
  framework('koa-echo-64-c1000x4', 'hatchway', 1 / 1.1, 'Koa 64 B echo, 1,000 conns x 4: the plain path\'s (CPU/msg <= 1.1x plain)', 'hatchway-koa');
  return out;
}

// --- main -------------------------------------------------------------------------------------------------

/** A saved run as markdown (what latest-MODE.md holds; `--render=FILE` prints it again). */
function renderReport(report) {
  const { date, mode, machine, reps, warmupMs, durationMs, notes, scenarios, targets } = report;
  return [
    `Run of ${date.slice(0, 10)} (${mode}): node ${machine.node}, ${machine.cpus} cores (${machine.model}), kernel ${machine.kernel}, ` +
      `generator ${machine.generator}, ${reps} rep(s) x ${durationMs} ms after ${warmupMs} ms warm-up; medians.`,
    ...notes.map((n) => `Note: ${n}.`),
    ...scenarios.map((s) => `\n**${s.title}**\n\n${renderScenario(s).md}`),
    ...[...new Set(targets.map((g) => g.group ?? 'issue #7'))].flatMap((group) => [
      `\n**Targets of ${group}**, judged on server CPU per message (RSS for memory)\n`,
      ...targets
        .filter((g) => (g.group ?? 'issue #7') === group)
        .map((g) => `- ${g.met ? 'met' : '**not met**'}: ${g.text}: ${g.memory !== undefined ? `RSS ${fmt.ratio(g.memory)}` : `throughput ${fmt.ratio(g.throughput)}, CPU ${fmt.ratio(g.cpu)}`}`),
    ]),
  ].join('\n');
}

async function main() {
  if (typeof flags.render === 'string') {
    console.log(renderReport(JSON.parse(fs.readFileSync(flags.render, 'utf8'))));
    return 0;
  }
  fs.mkdirSync(outDir, { recursive: true });
  const started = Date.now();
  const gen = buildGenerator();
  const hatchwayDir = buildHatchway();

  let scenarios;
  const picked = () => {
    const all = [...SCENARIOS, ...EXTRA_SCENARIOS];
    return flags.only.split(',').map((id) => {
      const s = all.find((x) => x.id === id);
      if (!s) throw new Error(`unknown scenario ${id} (see --list)`);
      return s;
    });
  };
  // --smoke --only=ID: those scenarios' code paths, on at most 20 connections.
  const smokeSized = (s) => (s.conns > 20 ? { ...s, conns: 20, title: `${s.title} [smoke: 20 connections]` } : s);
  if (mode === 'smoke') scenarios = typeof flags.only === 'string' ? picked().map(smokeSized) : [SMOKE_SCENARIO];
  else if (typeof flags.only === 'string') scenarios = picked();
  else if (mode === 'profile') scenarios = SCENARIOS.filter((s) => s.id === 'echo-64-c1000x4' || s.id === 'bin-16k-c10');
  else scenarios = SCENARIOS;

  const wanted = typeof flags.servers === 'string' ? flags.servers.split(',') : null;
  const namesOf = (set) => {
    let names = Object.keys(SERVER_SETS[set]);
    if (mode === 'smoke' && set === 'ws') names = ['hatchway', 'ws'];
    if (wanted) names = names.filter((n) => wanted.includes(n));
    names.push(...Object.keys(variantDirs));
    return names;
  };
  // A variant is another hatchway build run as one more server: in the SSE set as a Channel, in the
  // Redis fan-out as a Hub on redisBroker (another broker build beside this one).
  const VARIANT_IMPL = {
    ws: 'hatchway', sse: 'sse-hatchway-channel', deflate: 'hatchway-deflate', redis: 'hatchway-hub-redis', diag: 'hatchway',
    express: 'hatchway-express', koa: 'hatchway-koa',
  };
  const variantDirs = {};
  for (const v of flags.variant ?? []) {
    const [name, dir] = v.split('=');
    variantDirs[name] = path.resolve(dir);
  }
  const specOf = (set, name) =>
    SERVER_SETS[set][name] ??
    (variantDirs[name] === undefined ? undefined : { label: `hatchway [${name}]`, impl: VARIANT_IMPL[set], hatchwayDir: variantDirs[name] });

  // bufferutil must load for the "with" rows to mean anything.
  const hasBufferutil = spawnSync(process.execPath, ['-e', "require('bufferutil')"], { cwd: ROOT }).status === 0;
  if (!hasBufferutil) notes.push('bufferutil is not installed: the ws + bufferutil rows are left out');

  let idleConns = Number(flags['idle-conns'] ?? preset.idleConns);
  const fd = fdPlan(idleConns + 256);
  if (fd.usable < idleConns + 256) {
    const scaled = Math.max(100, fd.usable - 256);
    notes.push(`open-file limit ${fd.usable} cannot be raised: idle memory measured with ${scaled} connections instead of ${idleConns}`);
    idleConns = scaled;
  }
  const ctx = { gen, hatchwayDir, fdLimit: fd.raise, idleConns, deflateFrames: null };
  if (scenarios.some((x) => x.deflate)) ctx.deflateFrames = writeDeflateFrames(path.join(outDir, 'deflate-frames.bin'));

  // Features still being written show as pending rows rather than errors.
  const exported = hatchwayExports(hatchwayDir);
  // The Redis fan-out needs a redis-server (Debian's package: /usr/bin/redis-server, or $REDIS_SERVER).
  const redisVersion = scenarios.some((x) => x.kind === 'redis-fanout') ? redisServerVersion(spawnSync) : null;
  const tempDirs = [];

  const machine = {
    node: process.version, cpus, model: os.cpus()[0]?.model ?? '', kernel: os.release(), pinning,
    generator: gen.kind, totalMemGiB: Math.round(os.totalmem() / 2 ** 30),
  };
  console.log(`hatchway bench (${mode}): ${reps} rep(s), warm-up ${warmupMs} ms, window ${durationMs} ms; ` +
    `node ${machine.node}, ${cpus} cores (${machine.model}), generator: ${gen.kind}${pinning ? ', server on core 0, generator on core 1' : ''}`);
  console.log(`hatchway build: ${path.relative(ROOT, hatchwayDir) || hatchwayDir}`);
  for (const n of notes) console.log(`note: ${n}`);

  const results = [];
  const profiles = [];
  for (const scenario of scenarios) {
    const s = { ...scenario, results: {} };
    if (scenario.kind === 'redis-fanout') {
      const overrides = ['fanout-window', 'fanout-rate'].filter((k) => flags[k] !== undefined).map((k) => `--${k}=${flags[k]}`);
      if (overrides.length > 0) s.title = `${s.title} [${overrides.join(' ')}]`;
    }
    results.push(s);
    const set = scenario.set ?? 'ws';
    const names = namesOf(set).filter((n) => (n !== 'ws+bufferutil' || hasBufferutil) && (!scenario.servers || scenario.servers.includes(n) || n in variantDirs));
    s.baseline = scenario.baseline ?? (set === 'sse' ? 'better-sse' : 'ws');
    s.baselineLabel = scenario.baselineLabel ?? (set === 'sse' ? 'better-sse' : 'ws');
    if (!names.includes(s.baseline)) s.baseline = null;
    if (s.alsoVs && !names.includes(s.alsoVs)) delete s.alsoVs;
    const runnable = [];
    // --profile: the hatchway rows the scenario names (its plain `hatchway` row by default).
    const profiled = scenario.profiled ?? ['hatchway'];
    for (const name of names) {
      const spec = specOf(set, name);
      s.results[name] = { label: spec.label, trials: [] };
      const missing = [spec.module, ...(spec.modules ?? [])].filter((m) => m && !installed(m));
      if (spec.requires && !exported.includes(spec.requires)) s.results[name].pending = `pending: no ${spec.requires} export yet`;
      else if (spec.file && !fs.existsSync(path.join(spec.hatchwayDir ?? hatchwayDir, spec.file))) s.results[name].pending = `pending: no ${spec.file} in the build yet`;
      else if (missing.length > 0) s.results[name].pending = `pending: ${missing.join(', ')} not installed (npm install)`;
      else if (scenario.kind === 'redis-fanout' && redisVersion === null) s.results[name].pending = 'pending: no redis-server (apt-get install redis-server, or REDIS_SERVER=...)';
      else if (mode !== 'profile' || profiled.includes(name)) runnable.push(name);
    }
    if (mode === 'profile') for (const name of names) if (!profiled.includes(name)) delete s.results[name];
    const r = mode === 'profile' ? 1 : scenario.kind === 'idle' ? Math.min(reps, preset.idleReps) : reps;
    process.stdout.write(`\n== ${scenario.title} `);
    // The Redis fan-out's redis-server: one for the scenario (emptied before each trial), on the servers' core.
    if (scenario.kind === 'redis-fanout' && runnable.length > 0) {
      try {
        ctx.redis = await startRedisServer({ wrap: (command, args) => pinned(0, command, args), track });
        tempDirs.push(ctx.redis.dir);
        s.redisServer = redisVersion;
      } catch (error) {
        for (const name of runnable) s.results[name].error = error.message.split('\n')[0];
        runnable.length = 0;
      }
    }
    for (let rep = 0; rep < r; rep++) {
      // A B C, B C A, ...: every server in every position, each rep interleaved.
      const order = runnable.slice(rep % runnable.length).concat(runnable.slice(0, rep % runnable.length));
      for (const name of order) {
        const spec = specOf(set, name);
        try {
          let trial;
          const fanOut = scenario.kind === 'sse' || scenario.kind === 'bcast';
          if (scenario.kind === 'idle') trial = await idleTrial(ctx, scenario, spec);
          else if (scenario.kind === 'redis-fanout' && mode === 'profile') {
            // Both processes profiled: the publisher's and the subscriber's profile each.
            const dir = path.join(outDir, 'profiles', `${scenario.id}-${name}`);
            fs.rmSync(dir, { recursive: true, force: true });
            const extra = typeof flags['node-flags'] === 'string' ? flags['node-flags'].split(' ').filter(Boolean) : [];
            trial = await redisFanOutTrial(ctx, scenario, spec, { profileDir: dir, nodeFlags: extra });
            for (const role of ['publisher', 'subscriber']) profiles.push({ scenario, dir: path.join(dir, role), label: `${spec.label} (${role})` });
          } else if (scenario.kind === 'redis-fanout') trial = await redisFanOutTrial(ctx, scenario, spec);
          else if (mode === 'profile') {
            const dir = path.join(outDir, 'profiles', name === 'hatchway' ? scenario.id : `${scenario.id}-${name}`);
            fs.rmSync(dir, { recursive: true, force: true });
            const extra = typeof flags['node-flags'] === 'string' ? flags['node-flags'].split(' ').filter(Boolean) : [];
            const opts = { nodeFlags: ['--cpu-prof', `--cpu-prof-dir=${dir}`, ...extra] };
            trial = fanOut ? await fanOutTrial(ctx, scenario, spec, opts) : await echoTrial(ctx, scenario, spec, opts);
            profiles.push({ scenario, dir, label: spec.label });
          } else if (fanOut) trial = await fanOutTrial(ctx, scenario, spec);
          else trial = await echoTrial(ctx, scenario, spec);
          s.results[name].trials.push(trial);
          process.stdout.write('.');
        } catch (error) {
          s.results[name].error = error.message.split('\n')[0];
          (s.results[name].failures ??= []).push(s.results[name].error);
          process.stdout.write('x');
          if (mode === 'smoke') console.error(`\n${name}: ${error.message}`);
        }
      }
    }
    if (ctx.redis) {
      await ctx.redis.stop();
      ctx.redis = null;
    }
    process.stdout.write('\n');
    for (const [name, res] of Object.entries(s.results)) {
      if (res.trials.length > 0) {
        res.median = medians(res.trials);
        delete res.error;
      }
      for (const f of res.failures ?? []) if (res.median) console.log(`note: one ${res.label} trial failed: ${f}`);
    }
    if (s.baseline && !s.results[s.baseline]?.median) s.baseline = null;
    console.log(renderScenario(s).text);
  }

  const seconds = (Date.now() - started) / 1000;
  const goals = mode === 'full' || mode === 'quick' ? targets(results) : [];
  for (const group of [...new Set(goals.map((g) => g.group))]) {
    console.log(`\n== targets of ${group}, judged on server CPU per message (throughput ratio / CPU ratio)`);
    for (const g of goals.filter((x) => x.group === group)) {
      const detail = g.memory !== undefined ? `RSS ${fmt.ratio(g.memory)}` : `throughput ${fmt.ratio(g.throughput)} / CPU ${fmt.ratio(g.cpu)}`;
      console.log(`${g.met ? 'met    ' : 'NOT met'}  ${g.text}: ${detail}`);
    }
  }

  if (profiles.length > 0) {
    for (const { scenario, dir, label } of profiles) {
      const files = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.cpuprofile')) : [];
      if (files.length === 0) {
        console.log(`\nno profile written for ${scenario.id}`);
        continue;
      }
      const summary = summarizeProfile(JSON.parse(fs.readFileSync(path.join(dir, files[0]), 'utf8')), { root: ROOT });
      console.log(`\n== profile: ${label}, ${scenario.title} (${path.relative(ROOT, path.join(dir, files[0]))})`);
      console.log(formatProfileSummary(summary, 25));
    }
  }

  const date = new Date().toISOString();
  const report = {
    date, mode, seconds, machine, reps, warmupMs, durationMs, notes, hatchwayBuild: path.relative(ROOT, hatchwayDir),
    scenarios: results.map((s) => ({ ...s })), targets: goals, children: spawnedPids, tempDirs,
  };
  const stamp = date.replace(/[:.]/g, '-');
  const jsonFile = path.join(outDir, `bench-${mode}-${stamp}.json`);
  fs.writeFileSync(jsonFile, `${JSON.stringify(report, null, 2)}\n`);
  fs.writeFileSync(path.join(outDir, `latest-${mode}.json`), `${JSON.stringify(report, null, 2)}\n`);
  fs.writeFileSync(path.join(outDir, `latest-${mode}.md`), `${renderReport(report)}\n`);
  console.log(`\n${results.length} scenario(s) in ${seconds.toFixed(0)} s; results: ${path.relative(ROOT, jsonFile)}`);
  const failed = results.some((s) => Object.values(s.results).some((r) => r.error));
  return failed && mode === 'smoke' ? 1 : 0;
}

/** Whether a server's module (socket.io) resolves from the project (checked once, in a child). */
const installedCache = new Map();
function installed(name) {
  if (!installedCache.has(name)) {
    installedCache.set(name, spawnSync(process.execPath, ['-e', `require.resolve(${JSON.stringify(name)})`], { cwd: ROOT }).status === 0);
  }
  return installedCache.get(name);
}

/** The names the built package exports (checked in a child: the runner itself loads none of it). */
function hatchwayExports(dir) {
  const entry = JSON.stringify(path.join(dir, 'adapters', 'index.js'));
  const r = spawnSync(process.execPath, ['-e', `process.stdout.write(JSON.stringify(Object.keys(require(${entry}))))`], { encoding: 'utf8' });
  try {
    return JSON.parse(r.stdout);
  } catch {
    return [];
  }
}

/**
 * 32 different 4 KiB JSON messages, each compressed on its own (a fresh raw deflate stream,
 * sync-flushed, the 00 00 ff ff tail removed: RFC 7692 §7.2.1), framed as masked text frames
 * with RSV1 and random keys. Valid for a server whether or not it keeps its inflate context.
 */
function writeDeflateFrames(file) {
  const words = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf', 'hotel', 'india', 'juliet', 'kilo', 'lima'];
  const frames = [];
  for (let f = 0; f < 32; f++) {
    const items = [];
    let text = '';
    for (let i = 0; text.length < 4096 - 120; i++) {
      const words3 = Array.from({ length: 6 }, () => words[randomInt(words.length)]).join(' ');
      items.push({ id: f * 1000 + i, user: `user${randomInt(100)}`, ts: 1700000000000 + randomInt(1e9), text: words3 });
      text = JSON.stringify({ type: 'batch', items });
    }
    text = text.padEnd(4096, ' ');
    const body = zlib.deflateRawSync(Buffer.from(text), { finishFlush: zlib.constants.Z_SYNC_FLUSH });
    const payload = body.subarray(0, body.length - 4); // drop 00 00 ff ff
    const key = randomBytes(4);
    if (key.readUInt32BE(0) === 0) key[0] = 1;
    const header = payload.length < 126 ? Buffer.from([0xc1, 0x80 | payload.length]) : Buffer.from([0xc1, 0x80 | 126, payload.length >> 8, payload.length & 255]);
    const masked = Buffer.from(payload);
    for (let i = 0; i < masked.length; i++) masked[i] ^= key[i & 3];
    frames.push(header, key, masked);
  }
  fs.writeFileSync(file, Buffer.concat(frames));
  return file;
}

main().then(
  (code) => {
    killAll();
    process.exit(code);
  },
  (error) => {
    console.error(error.stack ?? error);
    killAll();
    process.exit(1);
  },
);

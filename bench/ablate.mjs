#!/usr/bin/env node
/*
 * What each hatchway technique buys: builds scratch copies of the sources with one technique
 * turned off (under .bench-out/ablate/, never committed), then runs them beside the real build
 * in the scenarios where the technique matters.
 *
 *   node bench/ablate.mjs [--reps=3] [--only=per-frame-writes,byte-unmask,...] [--quick]
 *   node bench/ablate.mjs --proposals [--only=...]   changes not (yet) in the tree, measured the other way
 *                                                     round: a copy with the change beside the tree as it is
 *
 * A patch that no longer applies (the source moved on) is reported and skipped. Memory scenarios
 * (idle-10k, koa-idle-10k, ...) are compared on RSS and heap per connection, the others on CPU per message.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const OUT = path.join(ROOT, '.bench-out', 'ablate');
const flags = Object.fromEntries(
  process.argv.slice(2).filter((a) => a.startsWith('--')).map((a) => {
    const eq = a.indexOf('=');
    return eq === -1 ? [a.slice(2), true] : [a.slice(2, eq), a.slice(eq + 1)];
  }),
);
const reps = Number(flags.reps ?? (flags.quick ? 1 : 3));
const windowArgs = flags.quick ? ['--warmup=500', '--duration=1500'] : ['--warmup=1000', '--duration=3000'];

/** Each: the file, what to find (string or RegExp), what to put instead. */
const TECHNIQUES = [
  {
    name: 'per-frame-writes',
    what: 'per-turn write batching (src/websocket-session/write-batcher.ts + src/websocket-session/frame-writer.ts): off = one socket.write per frame',
    file: 'src/websocket-session/frame-writer.ts',
    find: /(\n {4}writer\.push\(data\);\n {2}\}\n)(\})/,
    replace: '$1  writer.flush();\n$2',
    scenarios: ['echo-64-c100', 'echo-64-c1000x4', 'bin-16k-c10'],
    servers: ['hatchway', 'ws'],
  },
  {
    name: 'no-simd-unmask',
    what: 'unmasking through the WebAssembly SIMD window (src/ws-frame-parser/mask.ts, xor-window.ts): off = the JavaScript word loop',
    file: 'src/ws-frame-parser/mask.ts',
    find: /const SIMD_THRESHOLD = \d+;/,
    replace: 'const SIMD_THRESHOLD = Infinity;',
    scenarios: ['bin-16k-c10', 'bin-1m-c4'],
    servers: ['hatchway'],
  },
  {
    name: 'byte-unmask',
    what: 'SIMD and word-wise unmasking (src/ws-frame-parser/mask.ts): off = byte loop',
    file: 'src/ws-frame-parser/mask.ts',
    find: /const WORD_THRESHOLD = \d+;([^]*)const SIMD_THRESHOLD = \d+;/,
    replace: 'const WORD_THRESHOLD = Infinity;$1const SIMD_THRESHOLD = Infinity;',
    scenarios: ['bin-16k-c10', 'bin-1m-c4'],
    servers: ['hatchway'],
  },
  {
    name: 'no-reserve',
    what: 'a single-frame message unmasked straight into its own buffer once a quarter has arrived (src/ws-frame-parser/frame-parser.ts): off = pieces joined at the end',
    file: 'src/ws-frame-parser/frame-parser.ts',
    find: /const RESERVE_MIN = \d+;/,
    replace: 'const RESERVE_MIN = Infinity;',
    scenarios: ['bin-1m-c4'],
    servers: ['hatchway'],
  },
  {
    name: 'concat-chunks',
    what: 'chunk lists without re-concatenation (src/ws-frame-parser/chunk-list.ts): off = Buffer.concat-style join on every chunk',
    file: 'src/ws-frame-parser/chunk-list.ts',
    find: /( {2}append\(piece: Uint8Array\): void \{\n)/,
    replace:
      '$1    if (piece.length === 0) return;\n' +
      '    const joined = this.allocate(this.byteLength + piece.length);\n' +
      '    if (this.pieces.length > 0) joined.set(this.pieces[0]!, 0);\n' +
      '    joined.set(piece, this.byteLength);\n' +
      '    this.byteLength += piece.length;\n' +
      '    this.pieces = [joined];\n' +
      '    this.lastIsCarry = false;\n' +
      '    if (joined.length >= 0) return;\n',
    scenarios: ['bin-16k-c10', 'bin-1m-c4'],
    servers: ['hatchway'],
  },
  {
    name: 'js-utf8',
    what: 'native buffer.isUtf8 for runs of complete code points (src/ws-frame-parser/utf8-validator.ts): off = byte automaton only',
    file: 'src/ws-frame-parser/frame-parser.ts',
    find: 'this.isUtf8 = options.isUtf8 ?? null;',
    replace: 'this.isUtf8 = null;',
    scenarios: ['echo-64-c1000x4', 'text-16k-c10'],
    servers: ['hatchway'],
  },
  {
    name: 'no-zero-skip',
    what: 'zero-mask skip (src/ws-frame-parser/frame-parser.ts): off = XOR even with an all-zero key',
    file: 'src/ws-frame-parser/frame-parser.ts',
    find: /if \(this\.masked && !this\.zeroMask\) /g,
    replace: 'if (this.masked) ',
    scenarios: ['bin-16k-c10-zero', 'bin-1m-c4-zero'],
    servers: ['hatchway'],
  },
  {
    name: 'no-text-memo',
    what: 'the text memo (src/websocket-session/text-memo.ts): off = every text sent is encoded again',
    file: 'src/websocket-session/text-memo.ts',
    find: /return text !== null && value === text \? end - start : -1;/,
    replace: 'return -1;',
    scenarios: ['echo-64-c1000x4', 'bcast-1k'],
    servers: ['hatchway'],
  },
  {
    name: 'sse-chunked',
    what: 'event streams not chunked on HTTP/1.1 (src/event-source/response-stream.ts): off = chunked transfer coding',
    file: 'src/event-source/response-stream.ts',
    find: /if \(this\.response\.useChunkedEncodingByDefault === true\) this\.response\.useChunkedEncodingByDefault = false;/,
    replace: '',
    scenarios: ['sse-1k'],
    // In the SSE set a variant runs as a Channel: compared with hatchway's own Channel row.
    servers: ['hatchway-channel'],
    baseline: 'hatchway-channel',
  },
  {
    name: 'slab-retention',
    what: 'a flushed write batcher keeps no reference into a slab (src/websocket-session/write-batcher.ts): off = it points into the last slab it wrote until its next write',
    patches: [
      { file: 'src/websocket-session/write-batcher.ts', find: 'target: Buffer = NO_TARGET;', replace: 'target: Buffer = slab;' },
      { file: 'src/websocket-session/write-batcher.ts', find: /\n {4}this\.target = NO_TARGET;/g, replace: '' },
    ],
    scenarios: ['idle-10k', 'echo-64-c1000x4'],
    servers: ['hatchway'],
  },
  {
    name: 'lazy-parser',
    what: 'a connection\'s frame parser is made with its peer\'s first bytes (src/websocket-session/frame-parser-for.ts): off = made when the socket is attached',
    file: 'src/websocket-session/connection.ts',
    find: '    this.outbox.attach(s);\n',
    replace: '    this.outbox.attach(s);\n    this.parser = frameParserFor(this, this.role, this.extensionRsv, this.options);\n',
    scenarios: ['idle-10k', 'echo-64-c1000x4'],
    servers: ['hatchway'],
  },
  {
    name: 'shared-untrack',
    what: 'one close listener shared by every session the server tracks, which finds its registry on the session (src/server/session-registry.ts): off = a closure and a once wrapper per socket',
    file: 'src/server/session-registry.ts',
    find: "    session.on('close', untrackSession);\n",
    replace: "    session.once('close', () => this.sessions.delete(session));\n",
    scenarios: ['express-idle-10k', 'express-handshake-c50'],
    servers: ['hatchway-express'],
    baseline: 'hatchway-express',
  },
  {
    name: 'fewer-text-views',
    what: 'a received text is decoded through toString() without arguments and checked as UTF-8 without a view of its own (src/websocket-session/incoming-frames.ts, src/ws-frame-parser/utf8-validator.ts): off = toString(\'utf8\') and a subarray per check',
    patches: [
      { file: 'src/websocket-session/incoming-frames.ts', find: 'const text = bytes.toString();', replace: "const text = bytes.toString('utf8');" },
      { file: 'src/ws-frame-parser/utf8-validator.ts', find: 'i === 0 && tail === bytes.length ? bytes : bytes.subarray(i, tail)', replace: 'bytes.subarray(i, tail)' },
    ],
    scenarios: ['echo-64-c100', 'echo-64-c1000x4'],
    servers: ['hatchway'],
  },
  {
    name: 'four-byte-rounds',
    what: 'masks under 128 bytes unmasked four bytes a round with the key bytes in locals (src/ws-frame-parser/mask.ts): off = one byte at a time with its key index, and words from 64 bytes',
    patches: [
      { file: 'src/ws-frame-parser/mask.ts', find: 'const WORD_THRESHOLD = 128;', replace: 'const WORD_THRESHOLD = 64;' },
      { file: 'src/ws-frame-parser/mask.ts', find: /for \(const rounds = [^]*?\n {2}\}\n/, replace: '' },
    ],
    scenarios: ['echo-64-c1000x4', 'echo-64-c100x16-bin'],
    servers: ['hatchway'],
  },
  {
    name: 'release-response',
    what: 'the response bound to an upgraded socket emits finish once the upgrade is claimed (adapters/upgrade-dispatch.ts): off = on-finished listeners (Koa\'s error handler with its context, loggers) hold the socket for its whole life',
    file: 'adapters/upgrade-dispatch.ts',
    find: "  response.emit('finish');\n",
    replace: '',
    scenarios: ['koa-handshake-c50', 'koa-idle-10k'],
    servers: ['hatchway-koa'],
    baseline: 'hatchway-koa',
  },
  {
    name: 'error-without-stack',
    what: 'the ConnectionError for a socket that fails under the session has no stack of its own (src/websocket-session/socket-error.ts): off = a V8 stack capture per reset',
    file: 'src/websocket-session/socket-error.ts',
    find: '  Error.stackTraceLimit = 0;\n',
    replace: '',
    scenarios: ['handshake-c50', 'express-handshake-c50'],
    servers: ['hatchway', 'hatchway-express'],
    baseline: ['hatchway-express', 'hatchway'],
  },
  {
    name: 'fast-listener-table',
    what: 'a session\'s listener table is an instance of a null-prototype class (src/event-handlers.ts): off = the dictionary-mode `{ __proto__: null }` EventEmitter makes',
    file: 'src/event-handlers.ts',
    find: '    (this as unknown as { _events: object })._events = new ListenerTable();\n',
    replace: '',
    scenarios: ['idle-10k'],
    servers: ['hatchway'],
  },
  {
    name: 'shared-default-options',
    what: 'one frozen empty options object for every `new WebSocket(...)` made without options (src/server/websocket.ts): off = a new `{}` each',
    file: 'src/server/websocket.ts',
    find: 'options: WebSocketOptions = NO_OPTIONS,',
    replace: 'options: WebSocketOptions = {},',
    scenarios: ['idle-10k'],
    servers: ['hatchway'],
  },
];

/**
 * Changes not in the tree yet, measured before they are made (`--proposals`): each patch is
 * applied to a copy, which runs beside the tree as it is. The table reads "with the change / without".
 * (Empty while none is pending: the last four measured this way are techniques above now.)
 */
const PROPOSALS = [];

function copyTree(from, to) {
  fs.cpSync(from, to, { recursive: true, filter: (p) => !p.includes(`${path.sep}node_modules`) && !p.endsWith('.test.ts') });
}

function buildVariant(t) {
  const dir = path.join(OUT, t.name);
  const tree = path.join(dir, 'tree');
  const build = path.join(dir, 'build');
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(tree, { recursive: true });
  for (const d of ['src', 'adapters', 'middleware']) if (fs.existsSync(path.join(ROOT, d))) copyTree(path.join(ROOT, d), path.join(tree, d));
  fs.copyFileSync(path.join(ROOT, 'tsconfig.json'), path.join(tree, 'tsconfig.json'));
  fs.copyFileSync(path.join(ROOT, 'tsconfig.build.json'), path.join(tree, 'tsconfig.build.json'));
  for (const patch of t.patches ?? [t]) {
    const file = path.join(tree, patch.file);
    const source = fs.readFileSync(file, 'utf8');
    const patched = source.replace(patch.find, patch.replace);
    if (patched === source) return { error: `patch for ${t.name} no longer applies to ${patch.file}` };
    fs.writeFileSync(file, patched + (patch.append ?? ''));
  }
  const tsc = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  spawnSync(process.execPath, [
    tsc, '-p', path.join(tree, 'tsconfig.build.json'), '--module', 'CommonJS', '--moduleResolution', 'Node10', '--declaration', 'false',
    '--noUnusedLocals', 'false', '--noUnusedParameters', 'false', '--outDir', build,
  ], { encoding: 'utf8', cwd: tree });
  if (!fs.existsSync(path.join(build, 'adapters', 'index.js'))) return { error: `variant ${t.name} did not compile` };
  fs.writeFileSync(path.join(build, 'package.json'), '{"type":"commonjs"}\n');
  return { build };
}

const proposals = flags.proposals === true;
const pool = proposals ? PROPOSALS : TECHNIQUES;
if (pool.length === 0) console.log('no proposals pending: every measured change is in the tree (see TECHNIQUES)');
const selected = typeof flags.only === 'string' ? pool.filter((t) => flags.only.split(',').includes(t.name)) : pool;
fs.mkdirSync(OUT, { recursive: true });
// The unmodified build is compiled afresh by the first run, from the same sources as the variants.
fs.rmSync(path.join(OUT, 'baseline'), { recursive: true, force: true });
const rows = [];
for (const t of selected) {
  const v = buildVariant(t);
  if (v.error) {
    console.log(`skip: ${v.error}`);
    rows.push({ technique: t, error: v.error });
    continue;
  }
  const out = path.join(OUT, t.name, 'results');
  console.log(`\n### ${t.name}: ${t.what}`);
  const r = spawnSync(process.execPath, [
    path.join(ROOT, 'bench', 'run.mjs'), `--only=${t.scenarios.join(',')}`, `--servers=${t.servers.join(',')}`,
    `--variant=${t.name}=${v.build}`, `--reps=${reps}`, ...windowArgs, ...(flags.quick ? ['--quick'] : []), `--out=${path.relative(ROOT, out)}`,
    // The baseline build is compiled once by the first run and reused.
    ...(fs.existsSync(path.join(OUT, 'baseline', 'adapters', 'index.js')) ? [`--hatchway=${path.join(OUT, 'baseline')}`] : []),
  ], { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status !== 0) console.log(`run for ${t.name} failed (exit ${r.status})`);
  if (!fs.existsSync(path.join(OUT, 'baseline'))) {
    const built = path.join(out, 'hatchway');
    if (fs.existsSync(built)) fs.cpSync(built, path.join(OUT, 'baseline'), { recursive: true });
  }
  const latest = JSON.parse(fs.readFileSync(path.join(out, `latest-${flags.quick ? 'quick' : 'full'}.json`), 'utf8'));
  for (const s of latest.scenarios) {
    // The tree's own row: the scenario's server of the technique's baseline list (one per set).
    const baselines = [t.baseline ?? 'hatchway'].flat();
    const on = baselines.map((b) => s.results[b]?.median).find(Boolean);
    const off = s.results[t.name]?.median;
    if (!on || !off) continue;
    rows.push({ technique: t, scenario: s.title, on, off, memory: s.kind === 'idle' });
  }
}

const KiB = (b) => (Math.abs(b) >= 10240 ? `${(b / 1024).toFixed(1)} KiB` : `${Math.round(b)} B`);
const cpuLines = proposals
  ? ['| proposed change | scenario | CPU us/msg now | with the change | CPU with / without | msg/s with / without |', '|---|---|---|---|---|---|']
  : ['| technique turned off | scenario | hatchway CPU us/msg | without it | CPU cost of removing it | msg/s with / without |', '|---|---|---|---|---|---|'];
const memLines = proposals
  ? ['| proposed change | scenario | RSS/conn now | with the change | heap/conn now | with the change |', '|---|---|---|---|---|---|']
  : ['| technique turned off | scenario | RSS/conn | without it | heap/conn | without it |', '|---|---|---|---|---|---|'];
for (const r of rows) {
  if (r.error) {
    cpuLines.push(`| ${r.technique.name} | ${r.error} | | | | |`);
    continue;
  }
  if (r.memory) {
    memLines.push(`| ${r.technique.name} | ${r.scenario} | ${KiB(r.on.rssPerConn)} | ${KiB(r.off.rssPerConn)} | ${KiB(r.on.heapPerConn)} | ${KiB(r.off.heapPerConn)} |`);
    continue;
  }
  // For a proposal the variant is the tree *with* the change: its ratio reads with / without.
  const cpu = proposals ? r.off.cpuUsPerMsg / r.on.cpuUsPerMsg : r.off.cpuUsPerMsg / r.on.cpuUsPerMsg;
  const thr = proposals ? r.off.msgPerSec / r.on.msgPerSec : r.on.msgPerSec / r.off.msgPerSec;
  cpuLines.push(
    `| ${r.technique.name} | ${r.scenario} | ${r.on.cpuUsPerMsg.toFixed(2)} | ${r.off.cpuUsPerMsg.toFixed(2)} | ${cpu.toFixed(2)}x | ${thr.toFixed(2)}x |`,
  );
}
const tables = [cpuLines.length > 2 ? cpuLines.join('\n') : null, memLines.length > 2 ? memLines.join('\n') : null].filter(Boolean);
const summary = `${proposals ? 'Proposals' : 'Ablation'} of ${new Date().toISOString().slice(0, 10)}, ${reps} rep(s) each, medians:\n\n${tables.join('\n\n')}\n`;
fs.writeFileSync(path.join(OUT, proposals ? 'proposals.md' : 'summary.md'), summary);
console.log(`\n${summary}`);

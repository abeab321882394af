#!/usr/bin/env node
/*
 * Server memory with many idle permessage-deflate connections: hatchway's permessageDeflate()
 * next to ws's perMessageDeflate, each with default settings and with no context takeover.
 *
 *   node bench/deflate-memory.mjs            1,000 and 10,000 connections per server
 *   node bench/deflate-memory.mjs --quick    1,000 only
 *   options: --counts=1000,10000  --servers=hatchway,hatchway-nctx,ws,ws-nctx,hatchway-none,ws-none
 *            (the -none servers run without compression, for the cost of a bare connection)
 *            --hatchway=DIR (a CommonJS build whose adapters/index.js is loaded; default dist/cjs,
 *            so run `npm run build` first)  --json=FILE
 *
 * Every server runs in a child process of its own (node --expose-gc); the clients in another.
 * Each client connection offers `permessage-deflate; client_max_window_bits` (what ws and
 * browsers offer), sends one 2 KiB compressed text message (RSV1), waits for its echo and
 * checks that it came back compressed: by then the server holds the connection's zlib state,
 * if its settings keep any. The clients are raw sockets with one precompressed message shared
 * by all, so the client process holds no zlib state of its own.
 *
 * The server reports process.memoryUsage() after full garbage collections, before the clients
 * connect and once they are all idle; the table gives the growth, in total and per connection.
 * Each process needs a file descriptor per connection: children are started under a raised
 * `ulimit -n` when the hard limit allows it, otherwise the counts are scaled down (with a note).
 * Loopback only; every child is bounded in time and killed when the run ends.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';

const SELF = fileURLToPath(import.meta.url);
const ROOT = path.resolve(path.dirname(SELF), '..');
const require = createRequire(import.meta.url);

const args = Object.fromEntries(
  process.argv
    .slice(2)
    .filter((a) => a.startsWith('--'))
    .map((a) => {
      const eq = a.indexOf('=');
      return eq < 0 ? [a.slice(2), 'true'] : [a.slice(2, eq), a.slice(eq + 1)];
    }),
);

const SERVERS = {
  hatchway: { label: 'hatchway permessageDeflate()', impl: 'hatchway', noContext: false },
  'hatchway-nctx': { label: 'hatchway permessageDeflate({ server/clientNoContextTakeover })', impl: 'hatchway', noContext: true },
  ws: { label: 'ws perMessageDeflate: true', impl: 'ws', noContext: false },
  'ws-nctx': { label: 'ws perMessageDeflate: { server/clientNoContextTakeover }', impl: 'ws', noContext: true },
  'hatchway-none': { label: 'hatchway, no compression (reference)', impl: 'hatchway', noContext: false, plain: true },
  'ws-none': { label: 'ws, no compression (reference)', impl: 'ws', noContext: false, plain: true },
};

const OFFER = 'permessage-deflate; client_max_window_bits';
const MESSAGE_BYTES = 2048;

// --- the server child ------------------------------------------------------------------------

function runServer() {
  const config = SERVERS[args.server];
  const noop = () => {};
  let live = 0;
  const server = http.createServer((_req, res) => res.end('deflate-memory bench server\n'));
  server.on('connection', (socket) => {
    live++;
    socket.on('close', () => live--);
  });
  if (config.impl === 'hatchway') {
    const hw = require(path.resolve(args.hatchway, 'adapters', 'index.js'));
    const extensions = config.plain ? [] : [hw.permessageDeflate(config.noContext ? { serverNoContextTakeover: true, clientNoContextTakeover: true } : {})];
    server.on('upgrade', (req, socket, head) => {
      const ws = new hw.WebSocket(req, socket, head, null, { extensions });
      ws.on('message', (event) => ws.send(event.data));
      ws.on('error', noop);
    });
  } else {
    const { WebSocketServer } = require('ws');
    const wss = new WebSocketServer({
      noServer: true,
      perMessageDeflate: config.plain ? false : config.noContext ? { serverNoContextTakeover: true, clientNoContextTakeover: true } : true,
    });
    server.on('upgrade', (req, socket, head) => {
      wss.handleUpgrade(req, socket, head, (ws) => {
        ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
        ws.on('error', noop);
      });
    });
  }

  const memory = async () => {
    for (let i = 0; i < 4; i++) {
      globalThis.gc();
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const m = process.memoryUsage();
    return { rss: m.rss, heapUsed: m.heapUsed, heapTotal: m.heapTotal, external: m.external, arrayBuffers: m.arrayBuffers, live };
  };
  readline.createInterface({ input: process.stdin }).on('line', (line) => {
    if (line === 'mem') memory().then((m) => process.stdout.write(`MEM ${JSON.stringify(m)}\n`));
    else if (line === 'quit') process.exit(0);
  });
  process.stdin.on('end', () => process.exit(0));
  setTimeout(() => process.exit(3), Number(args['max-seconds'] ?? 600) * 1000).unref();
  server.listen({ host: '127.0.0.1', port: 0, backlog: 4096 }, () => {
    process.stdout.write(`LISTENING ${server.address().port}\n`);
  });
}

// --- the client child ------------------------------------------------------------------------

function runClients() {
  const port = Number(args.port);
  const count = Number(args.count);
  const deflate = args.deflate !== '0';
  const text = Buffer.from(JSON.stringify(Array.from({ length: 40 }, (_, i) => ({ id: i, name: `user ${i}`, ok: i % 2 === 0 }))).padEnd(MESSAGE_BYTES, ' ').slice(0, MESSAGE_BYTES));
  const compressed = zlib.deflateRawSync(text, { finishFlush: zlib.constants.Z_SYNC_FLUSH }).subarray(0, -4);
  const frame = deflate ? maskedFrame(0x80 | 0x40 | 0x01, compressed) : maskedFrame(0x80 | 0x01, text);
  const sockets = [];
  let compressedEchoes = 0;
  let opened = 0;

  const connectOne = () =>
    new Promise((resolve, reject) => {
      const key = randomBytes(16).toString('base64');
      const socket = net.connect({ host: '127.0.0.1', port });
      sockets.push(socket);
      let buffer = Buffer.alloc(0);
      let upgraded = false;
      socket.setNoDelay(true);
      socket.on('error', reject);
      socket.on('connect', () => {
        socket.write(
          `GET / HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n` +
            (deflate ? `Sec-WebSocket-Extensions: ${OFFER}\r\n` : '') +
            '\r\n',
        );
      });
      socket.on('data', (chunk) => {
        buffer = Buffer.concat([buffer, chunk]);
        if (!upgraded) {
          const end = buffer.indexOf('\r\n\r\n');
          if (end < 0) return;
          const head = buffer.subarray(0, end).toString('latin1');
          const accept = createHash('sha1').update(key + '258EAFA5-E914-47DA-95CA-C5AB0DC85B11').digest('base64');
          if (!head.startsWith('HTTP/1.1 101') || !head.includes(accept) || /sec-websocket-extensions: permessage-deflate/i.test(head) !== deflate) {
            reject(new Error(`handshake failed or deflate not agreed:\n${head}`));
            return;
          }
          upgraded = true;
          buffer = buffer.subarray(end + 4);
          opened++;
          socket.write(frame);
        }
        if (buffer.length < 2) return;
        const len7 = buffer[1] & 0x7f;
        const hlen = len7 === 126 ? 4 : len7 === 127 ? 10 : 2;
        if (buffer.length < hlen) return;
        const length = len7 === 126 ? buffer.readUInt16BE(2) : len7 === 127 ? Number(buffer.readBigUInt64BE(2)) : len7;
        if (buffer.length < hlen + length) return;
        if ((buffer[0] & 0x0f) !== 0x01) return reject(new Error(`expected a text echo, got opcode ${buffer[0] & 0x0f}`));
        if ((buffer[0] & 0x40) !== 0) compressedEchoes++;
        buffer = Buffer.alloc(0);
        socket.removeAllListeners('data');
        socket.on('data', () => {});
        resolve();
      });
    });

  (async () => {
    const started = Date.now();
    const BATCH = 250;
    for (let i = 0; i < count; i += BATCH) {
      await Promise.all(Array.from({ length: Math.min(BATCH, count - i) }, connectOne));
    }
    process.stdout.write(`READY ${JSON.stringify({ opened, compressedEchoes, ms: Date.now() - started })}\n`);
  })().catch((error) => {
    process.stdout.write(`FAILED ${JSON.stringify(String(error?.stack ?? error))}\n`);
    process.exit(1);
  });
  process.stdin.resume();
  process.stdin.on('end', () => process.exit(0));
  setTimeout(() => process.exit(3), Number(args['max-seconds'] ?? 600) * 1000).unref();
}

function maskedFrame(b0, payload) {
  const length = payload.length;
  const head = length < 126 ? 2 : length < 65536 ? 4 : 10;
  const out = Buffer.alloc(head + 4 + length);
  out[0] = b0;
  if (length < 126) out[1] = 0x80 | length;
  else if (length < 65536) {
    out[1] = 0x80 | 126;
    out.writeUInt16BE(length, 2);
  } else {
    out[1] = 0x80 | 127;
    out.writeBigUInt64BE(BigInt(length), 2);
  }
  const key = randomBytes(4);
  key.copy(out, head);
  for (let i = 0; i < length; i++) out[head + 4 + i] = payload[i] ^ key[i & 3];
  return out;
}

// --- the runner ------------------------------------------------------------------------------

let fdLimit = 0;

/** Soft and hard `ulimit -n` as a child would get them. */
function fileLimits() {
  const out = spawnSync('sh', ['-c', 'ulimit -Sn; ulimit -Hn'], { encoding: 'utf8' }).stdout.trim().split('\n');
  const parse = (v) => (v === 'unlimited' ? Infinity : Number(v));
  return { soft: parse(out[0]), hard: parse(out[1]) };
}

function child(role, extra) {
  const argv = ['--expose-gc', SELF, `--role=${role}`, ...extra];
  const proc =
    fdLimit > 0
      ? spawn('sh', ['-c', `ulimit -n ${fdLimit} && exec "$0" "$@"`, process.execPath, ...argv], { stdio: ['pipe', 'pipe', 'inherit'] })
      : spawn(process.execPath, argv, { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = readline.createInterface({ input: proc.stdout });
  const waiters = [];
  const seen = [];
  lines.on('line', (line) => {
    const waiter = waiters.findIndex((w) => line.startsWith(w.prefix) || line.startsWith('FAILED'));
    if (waiter >= 0) waiters.splice(waiter, 1)[0].resolve(line);
    else seen.push(line);
  });
  proc.on('exit', (code) => {
    for (const w of waiters.splice(0)) w.reject(new Error(`${role} exited with ${code}`));
  });
  return {
    proc,
    send: (line) => proc.stdin.write(`${line}\n`),
    wait: (prefix, ms = 300_000) =>
      new Promise((resolve, reject) => {
        const early = seen.findIndex((l) => l.startsWith(prefix));
        if (early >= 0) return resolve(seen.splice(early, 1)[0]);
        const timer = setTimeout(() => reject(new Error(`${role}: no ${prefix} within ${ms} ms`)), ms);
        waiters.push({
          prefix,
          resolve: (line) => {
            clearTimeout(timer);
            if (line.startsWith('FAILED')) reject(new Error(`${role}: ${line}`));
            else resolve(line);
          },
          reject,
        });
      }),
    stop: () =>
      new Promise((resolve) => {
        if (proc.exitCode !== null) return resolve();
        proc.once('exit', () => resolve());
        proc.stdin.end();
        setTimeout(() => proc.kill('SIGKILL'), 5000).unref();
      }),
  };
}

async function measure(serverName, count, hatchwayDir) {
  const server = child('server', [`--server=${serverName}`, `--hatchway=${hatchwayDir}`]);
  let clients;
  try {
    const port = Number((await server.wait('LISTENING')).split(' ')[1]);
    server.send('mem');
    const before = JSON.parse((await server.wait('MEM')).slice(4));
    clients = child('clients', [`--port=${port}`, `--count=${count}`, `--deflate=${SERVERS[serverName].plain ? 0 : 1}`]);
    const ready = JSON.parse((await clients.wait('READY')).slice(6));
    // Let the last echoes' buffers go before measuring.
    await new Promise((resolve) => setTimeout(resolve, 500));
    server.send('mem');
    const after = JSON.parse((await server.wait('MEM')).slice(4));
    return { server: serverName, count, ready, before, after };
  } finally {
    await clients?.stop();
    await server.stop();
  }
}

function mib(bytes) {
  return (bytes / 1024 / 1024).toFixed(1);
}

function kib(bytes) {
  return (bytes / 1024).toFixed(1);
}

async function runBench() {
  let counts = (args.counts ?? (args.quick ? '1000' : '1000,10000')).split(',').map(Number);
  const servers = (args.servers ?? 'hatchway,hatchway-nctx,ws,ws-nctx,hatchway-none,ws-none').split(',');
  const hatchwayDir = path.resolve(args.hatchway ?? path.join(ROOT, 'dist', 'cjs'));
  if (!fs.existsSync(path.join(hatchwayDir, 'adapters', 'index.js'))) {
    console.error(`no hatchway build at ${hatchwayDir}: run \`npm run build\` or pass --hatchway=DIR`);
    process.exit(2);
  }
  // One descriptor per connection, plus some for the process itself.
  const need = Math.max(...counts) + 200;
  const limits = fileLimits();
  if (limits.soft < need) {
    if (limits.hard >= need) fdLimit = need;
    else {
      const most = Math.max(100, limits.hard - 200);
      console.log(`note: ulimit -n allows ${limits.hard} descriptors at most; counts above ${most} are scaled down to ${most}`);
      counts = [...new Set(counts.map((c) => Math.min(c, most)))];
      fdLimit = limits.soft < limits.hard ? limits.hard : 0;
    }
  }
  console.log(`deflate-memory: node ${process.version}, ${os.cpus().length} CPUs, ws ${require('ws/package.json').version}, hatchway from ${path.relative(ROOT, hatchwayDir) || '.'}`);
  console.log(`each connection offers "${OFFER}" and echoes one ${MESSAGE_BYTES}-byte compressed text message; server memory after full GCs\n`);
  const results = [];
  for (const count of counts) {
    for (const name of servers) {
      if (!SERVERS[name]) throw new Error(`unknown server ${name}`);
      process.stdout.write(`  ${SERVERS[name].label}, ${count} connections ... `);
      const r = await measure(name, count, hatchwayDir);
      results.push(r);
      const compressed = SERVERS[name].plain ? 0 : count;
      if (r.ready.opened !== count || r.ready.compressedEchoes !== compressed || r.after.live !== count) {
        throw new Error(`expected ${count} open connections with compressed echoes, got ${JSON.stringify(r.ready)} and ${r.after.live} live`);
      }
      console.log(`done in ${r.ready.ms} ms`);
    }
  }
  console.log();
  const rows = [['server', 'conns', 'RSS before', 'RSS after', 'RSS/conn', 'heap/conn', 'external+ab/conn']];
  for (const r of results) {
    const d = (key) => r.after[key] - r.before[key];
    rows.push([
      SERVERS[r.server].label,
      String(r.count),
      `${mib(r.before.rss)} MiB`,
      `${mib(r.after.rss)} MiB`,
      `${kib(d('rss') / r.count)} KiB`,
      `${kib(d('heapUsed') / r.count)} KiB`,
      `${kib((d('external') + d('arrayBuffers')) / r.count)} KiB`,
    ]);
  }
  const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => row[i].length)));
  for (const [i, row] of rows.entries()) {
    console.log(row.map((cell, j) => (j < 1 ? cell.padEnd(widths[j]) : cell.padStart(widths[j]))).join('  '));
    if (i === 0) console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  }
  if (args.json) fs.writeFileSync(args.json, JSON.stringify(results, null, 2));
}

if (args.role === 'server') runServer();
else if (args.role === 'clients') runClients();
else await runBench();

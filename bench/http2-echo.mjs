#!/usr/bin/env node
/*
 * `npm run bench:http2`: the same 64 B text echo over HTTP/1.1 upgrades and over HTTP/2 extended CONNECT
 * streams (RFC 8441), on one attached `http2.createSecureServer({ allowHTTP1: true })` running in a child
 * process pinned to core 0, clients (hatchway's `Client`, `http2: true` or not) in this process. Prints
 * messages per second and the server's CPU per message for each, and the ratio HTTP/2 : HTTP/1.1.
 *
 *   node bench/http2-echo.mjs [--conns=100] [--messages=300] [--reps=3]
 * Runs against dist/ (npm run build first). Loopback only; the child is killed on exit.
 */
import { fork } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const flags = Object.fromEntries(process.argv.slice(2).filter((a) => a.startsWith('--')).map((a) => a.slice(2).split('=')));
const CONNS = Number(flags.conns ?? 100);
const MESSAGES = Number(flags.messages ?? 300);
const REPS = Number(flags.reps ?? 3);

if (process.env.HTTP2_ECHO_SERVER) {
  // The server: the echo route of an attached app, on TLS with both protocols.
  const http2 = require('node:http2');
  const { attach, websocket } = require(path.join(ROOT, 'dist/cjs/adapters/index.js'));
  const { key, cert } = JSON.parse(process.env.HTTP2_ECHO_SERVER);
  const chat = websocket((ws) => ws.on('message', (event) => ws.send(event.data)));
  const app = (req, res) => chat(req, res, () => res.writeHead(404).end());
  const server = attach(http2.createSecureServer({ key, cert, allowHTTP1: true }, app), app);
  server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }));
  process.on('message', (m) => {
    if (m === 'cpu') process.send({ cpu: process.cpuUsage() });
  });
  process.on('disconnect', () => process.exit(0));
} else {
  const selfsigned = require('selfsigned');
  const pems = await selfsigned.generate([{ name: 'commonName', value: 'localhost' }], { keyType: 'ec', algorithm: 'sha256' });
  const child = fork(fileURLToPath(import.meta.url), [], {
    env: { ...process.env, HTTP2_ECHO_SERVER: JSON.stringify({ key: pems.private, cert: pems.cert }) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  process.on('exit', () => child.kill('SIGKILL'));
  spawnPin(child.pid);
  const ask = (message) => new Promise((resolve) => { child.once('message', resolve); if (message) child.send(message); });
  const { port } = await ask(null);
  const { Client } = require(path.join(ROOT, 'dist/cjs/adapters/index.js'));
  const url = `wss://localhost:${port}/echo`;

  async function run(http2) {
    const clients = await Promise.all(Array.from({ length: CONNS }, () => new Promise((resolve, reject) => {
      const ws = new Client(url, null, { http2, tls: { verifyPeer: false } });
      ws.once('open', () => resolve(ws));
      ws.once('error', (event) => reject(event.error ?? new Error('error')));
    })));
    const payload = 'x'.repeat(64);
    const before = (await ask('cpu')).cpu;
    const started = process.hrtime.bigint();
    await Promise.all(clients.map((ws) => new Promise((resolve) => {
      let left = MESSAGES;
      ws.on('message', () => (--left === 0 ? resolve() : ws.send(payload)));
      ws.send(payload);
    })));
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const after = (await ask('cpu')).cpu;
    await Promise.all(clients.map((ws) => new Promise((resolve) => { ws.once('close', resolve); ws.close(); })));
    const total = CONNS * MESSAGES;
    return { rate: total / seconds, cpuUs: (after.user + after.system - before.user - before.system) / total };
  }

  const rows = { 'HTTP/1.1': [], 'HTTP/2': [] };
  await run(false); // warm-up
  await run(true);
  for (let rep = 0; rep < REPS; rep++) {
    rows['HTTP/1.1'].push(await run(false));
    rows['HTTP/2'].push(await run(true));
  }
  const median = (values) => values.sort((a, b) => a - b)[values.length >> 1];
  const summary = Object.fromEntries(Object.entries(rows).map(([name, runs]) => [name, {
    rate: median(runs.map((r) => r.rate)), cpuUs: median(runs.map((r) => r.cpuUs)),
  }]));
  console.log(`64 B text echo, ${CONNS} connections x ${MESSAGES} sequential messages, TLS, median of ${REPS}`);
  for (const [name, { rate, cpuUs }] of Object.entries(summary)) {
    console.log(`  ${name.padEnd(9)} ${Math.round(rate).toLocaleString('en-US').padStart(9)} msg/s   server CPU ${cpuUs.toFixed(2)} µs/msg`);
  }
  const [h1, h2] = [summary['HTTP/1.1'], summary['HTTP/2']];
  console.log(`  HTTP/2 : HTTP/1.1   throughput ${(h2.rate / h1.rate).toFixed(2)}x, server CPU per message ${(h2.cpuUs / h1.cpuUs).toFixed(2)}x`);
  child.kill();
  process.exit(0);
}

/** Server on core 0 (as `npm run bench` does), when `taskset` is there. */
function spawnPin(pid) {
  try {
    require('node:child_process').spawnSync('taskset', ['-pc', '0', String(pid)], { stdio: 'ignore' });
  } catch {}
}

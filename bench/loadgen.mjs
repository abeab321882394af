#!/usr/bin/env node
/*
 * The Node fallback of bench/loadgen.c, used when no C compiler is found (or with
 * `npm run bench -- --node-gen`): the same command line, the same output lines. It sends
 * pre-built masked frames over raw `net` sockets and only counts the frames coming back, so
 * it costs much less than a WebSocket library, but more than the C generator: its CPU time is
 * printed with every result. `bcast --sio 1` speaks engine.io v4 / socket.io v5 as loadgen.c does;
 * `--port2 P` (bcast: odd connections to P), `--cpu-pids A,B` and `--header 'Name: value'` as in loadgen.c.
 */
import net from 'node:net';
import { randomBytes, randomFillSync } from 'node:crypto';
import { readFileSync } from 'node:fs';

const [modeName, ...rest] = process.argv.slice(2);
const opt = {
  port: 0, conns: 1, inflight: 1, size: 64, text: 0, 'zero-mask': 0, 'warmup-ms': 1000, 'duration-ms': 3000,
  'timeout-ms': 0, 'server-pid': 0, 'max-pending': 200, path: '/', 'coalesce-us': 0, 'server-core': -1,
  'frames-file': '', extensions: '', hello: 0, sio: 0, port2: 0, 'cpu-pids': '', header: '',
};
const STRING_OPTIONS = new Set(['path', 'frames-file', 'extensions', 'cpu-pids', 'header']);
for (let i = 0; i + 1 < rest.length; i += 2) {
  const key = rest[i].replace(/^--/, '');
  if (!(key in opt)) usage();
  opt[key] = STRING_OPTIONS.has(key) ? rest[i + 1] : Number(rest[i + 1]);
}
if (!['echo', 'handshake', 'idle', 'sse', 'bcast'].includes(modeName) || !(opt.port > 0)) usage();
if (modeName === 'sse' && opt.path === '/') opt.path = '/sse';
if (opt.sio && modeName !== 'bcast') usage();
if (opt.port2 && modeName !== 'bcast') usage();
const cpuPids = opt['cpu-pids'] ? opt['cpu-pids'].split(',').map(Number) : [];
if (modeName === 'bcast' && opt.path === '/') opt.path = opt.sio ? '/socket.io/?EIO=4&transport=websocket' : '/bcast';
const timeoutMs = opt['timeout-ms'] > 0 ? opt['timeout-ms'] : opt['warmup-ms'] + opt['duration-ms'] + 60000;

function usage() {
  process.stderr.write('usage: loadgen.mjs echo|handshake|idle|sse|bcast --port P [--conns N] [--inflight W] [--size B] ...\n');
  process.exit(2);
}

const clkTck = 100;
/** utime+stime of a process in seconds and its minor faults (-1 when unreadable). */
function pidStat(pid) {
  if (!(pid > 0)) return { cpu: -1, faults: -1 };
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { cpu: (Number(fields[11]) + Number(fields[12])) / clkTck, faults: Number(fields[7]) };
  } catch {
    return { cpu: -1, faults: -1 };
  }
}
function serverCpu() {
  return pidStat(opt['server-pid']).cpu;
}
function selfCpu() {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

const latencies = [];
let messages = 0;
let messagesPort2 = 0;
let bytes = 0;
let measuring = false;
let stopping = false;
let errors = 0;
let open = 0;

function wsRequest(port = opt.port) {
  const key = randomBytes(16).toString('base64');
  const ext = opt.extensions ? `Sec-WebSocket-Extensions: ${opt.extensions}\r\n` : '';
  const extra = opt.header ? `${opt.header}\r\n` : '';
  return `GET ${opt.path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
    `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n${ext}${extra}\r\n`;
}

/** Connects and completes the HTTP exchange; resolves with the socket and the bytes after the head. */
function connect(request, expectStatus, port = opt.port) {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.setNoDelay(true);
    let head = Buffer.alloc(0);
    const onData = (chunk) => {
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end === -1) return;
      socket.off('data', onData);
      socket.off('error', reject);
      // A socket.io server talks first (its open packet): hold what follows until a reader is attached.
      if (opt.sio) socket.pause();
      const text = head.subarray(0, end).toString('latin1');
      if (!text.startsWith(`HTTP/1.1 ${expectStatus}`)) {
        socket.destroy();
        reject(new Error(`unexpected status: ${text.split('\r\n')[0]}`));
        return;
      }
      resolve({ socket, rest: head.subarray(end + 4), head: text, t0, alt: port !== opt.port || undefined });
    };
    socket.on('data', onData);
    socket.on('error', reject);
    socket.write(request);
  });
}

/** Opens `n` connections with at most max-pending handshakes at a time (`open1(i)` opens the i-th). */
async function openAll(n, open1) {
  const sockets = [];
  let next = 0;
  const worker = async () => {
    while (next < n) {
      sockets.push(await open1(next++));
    }
  };
  await Promise.all(Array.from({ length: Math.min(n, opt['max-pending']) }, worker));
  return sockets;
}

function buildFrame() {
  const size = opt.size;
  const hdr = 2 + (size >= 65536 ? 8 : size >= 126 ? 2 : 0) + 4;
  const frame = Buffer.alloc(hdr + size);
  frame[0] = 0x80 | (opt.text ? 1 : 2);
  let i = 2;
  if (size >= 65536) {
    frame[1] = 0x80 | 127;
    frame.writeBigUInt64BE(BigInt(size), 2);
    i = 10;
  } else if (size >= 126) {
    frame[1] = 0x80 | 126;
    frame.writeUInt16BE(size, 2);
    i = 4;
  } else {
    frame[1] = 0x80 | size;
  }
  const key = Buffer.alloc(4);
  if (!opt['zero-mask']) do randomFillSync(key); while (key.readUInt32BE(0) === 0);
  key.copy(frame, i);
  i += 4;
  const payload = randomBytes(size);
  for (let j = 0; j < size; j++) {
    const c = opt.text ? 0x20 + (payload[j] % 95) : payload[j];
    frame[i + j] = c ^ key[j & 3];
  }
  return frame;
}

/** Frames prepared by the runner (back to back in one file), or built here. */
function framePool() {
  if (!opt['frames-file']) {
    const count = Math.max(2, Math.min(64, Math.floor((16 * 1024 * 1024) / (opt.size + 14))));
    return Array.from({ length: count }, buildFrame);
  }
  const all = readFileSync(opt['frames-file']);
  const pool = [];
  for (let at = 0; at + 2 <= all.length; ) {
    let len = all[at + 1] & 0x7f;
    let hdr = 2;
    if (len === 126) {
      len = all.readUInt16BE(at + 2);
      hdr = 4;
    } else if (len === 127) {
      len = Number(all.readBigUInt64BE(at + 2));
      hdr = 10;
    }
    if (all[at + 1] & 0x80) hdr += 4;
    pool.push(all.subarray(at, at + hdr + len));
    at += hdr + len;
  }
  return pool;
}

async function runEcho() {
  const pool = framePool();
  let poolIndex = 0;
  const sockets = await openAll(opt.conns, () => connect(wsRequest(), 101));
  open = sockets.length;
  for (const { socket, rest } of sockets) {
    const sent = [];
    const send = (n) => {
      const now = process.hrtime.bigint();
      const out = [];
      for (let k = 0; k < n; k++) {
        sent.push(now);
        out.push(pool[poolIndex]);
        poolIndex = (poolIndex + 1) % pool.length;
      }
      if (out.length === 1) socket.write(out[0]);
      else {
        socket.cork();
        for (const b of out) socket.write(b);
        socket.uncork();
      }
    };
    let now = 0n;
    let done = 0;
    const read = frameReader((opcode, fin, length) => {
      if (opcode === 8) {
        errors++;
        socket.destroy();
        return false;
      }
      if (opcode < 8 && fin) {
        const t = sent.shift();
        if (measuring) {
          latencies.push(Number(now - t) / 1000);
          messages++;
          bytes += length;
        }
        done++;
      }
      return true;
    });
    const onData = (chunk) => {
      now = process.hrtime.bigint();
      done = 0;
      read(chunk);
      if (done > 0 && !stopping) send(done);
    };
    socket.on('data', onData);
    socket.on('error', () => errors++);
    socket.on('close', () => open--);
    if (rest.length > 0) onData(rest);
    socket.__start = () => send(opt.inflight);
  }
  process.stdout.write(`READY ${open}\n`);
  for (const { socket } of sockets) socket.__start();
  return measure(() => sockets.forEach(({ socket }) => socket.destroy()));
}

/**
 * Reads server frames from a byte stream; `onFrame(opcode, fin, length, prefix)` per frame, `false`
 * to stop; `prefix` is the frame's first two payload bytes as `b0 << 8 | b1` (-1 where missing).
 */
function frameReader(onFrame) {
  let hdr = Buffer.alloc(0);
  let remaining = -1;
  let frameLen = 0;
  let opcode = 0;
  let fin = true;
  let prefix = 0;
  let prefixHave = 0;
  return (chunk) => {
    let pos = 0;
    while (pos < chunk.length) {
      if (remaining < 0) {
        const need = hdr.length >= 2 ? headerSize(hdr[1]) : 2;
        const take = Math.min(need - hdr.length, chunk.length - pos);
        hdr = Buffer.concat([hdr, chunk.subarray(pos, pos + take)]);
        pos += take;
        if (hdr.length < 2 || hdr.length < headerSize(hdr[1])) continue;
        let len = hdr[1] & 0x7f;
        if (len === 126) len = hdr.readUInt16BE(2);
        else if (len === 127) len = Number(hdr.readBigUInt64BE(2));
        opcode = hdr[0] & 0x0f;
        fin = (hdr[0] & 0x80) !== 0;
        frameLen = remaining = len;
        hdr = Buffer.alloc(0);
        prefix = 0;
        prefixHave = 0;
      }
      const take = Math.min(remaining, chunk.length - pos);
      for (let k = 0; k < take && prefixHave < 2; k++, prefixHave++) prefix = (prefix << 8) | chunk[pos + k];
      remaining -= take;
      pos += take;
      if (remaining === 0) {
        remaining = -1;
        const first = prefixHave === 2 ? prefix : prefixHave === 1 ? (prefix << 8) | 0xff : -1;
        if (onFrame(opcode, fin, frameLen, prefixHave === 0 ? -1 : first) === false) return;
      }
    }
  };
}

function headerSize(b1) {
  const len = b1 & 0x7f;
  return 2 + (len === 126 ? 2 : len === 127 ? 8 : 0) + (b1 & 0x80 ? 4 : 0);
}

async function runHandshake() {
  const slot = async () => {
    while (!stopping) {
      try {
        const { socket, t0 } = await connect(wsRequest(), 101);
        if (measuring) {
          messages++;
          latencies.push(Number(process.hrtime.bigint() - t0) / 1000);
        }
        socket.on('error', () => {});
        socket.resetAndDestroy();
      } catch {
        errors++;
      }
    }
  };
  const slots = Array.from({ length: opt.conns }, slot);
  const result = await measure(() => {});
  await Promise.all(slots);
  return result;
}

async function runIdle() {
  const t0 = Date.now();
  const pool = opt.hello ? framePool() : [];
  const sockets = await openAll(opt.conns, async () => {
    const c = await connect(wsRequest(), 101);
    if (opt.hello) {
      // One message each way first (with permessage-deflate this is what creates the zlib state).
      await new Promise((resolve) => {
        c.socket.once('data', resolve);
        c.socket.write(pool[Math.floor(Math.random() * pool.length)]);
      });
    }
    return c;
  });
  open = sockets.length;
  for (const { socket } of sockets) {
    socket.on('error', () => errors++);
    socket.on('data', () => {});
  }
  process.stdout.write(`READY ${open}\n`);
  await new Promise((resolve) => {
    process.stdin.once('data', resolve);
    process.stdin.once('end', resolve);
  });
  const openAtEnd = sockets.filter(({ socket }) => !socket.destroyed).length;
  for (const { socket } of sockets) socket.destroy();
  return { seconds: (Date.now() - t0) / 1000, serverCpuSec: -1, genCpuSec: selfCpu(), openAtEnd };
}

async function runSse() {
  const request = `GET ${opt.path} HTTP/1.1\r\nHost: 127.0.0.1:${opt.port}\r\nAccept: text/event-stream\r\n\r\n`;
  const sockets = await openAll(opt.conns, () => connect(request, 200));
  open = sockets.length;
  return receiveAll(sockets, (_socket, head) => {
    const chunked = /transfer-encoding:\s*chunked/i.test(head);
    let lastNl = false;
    let state = 0; // 0 size line, 1 data, 2 CRLF after data
    let size = '';
    let left = 0;
    const count = (b) => {
      let events = 0;
      let from = 0;
      let nl;
      while ((nl = b.indexOf(10, from)) !== -1) {
        if (nl > 0 ? b[nl - 1] === 10 : lastNl) events++;
        from = nl + 1;
      }
      if (b.length > 0) lastNl = b[b.length - 1] === 10;
      if (measuring) {
        messages += events;
        bytes += b.length;
      }
    };
    const onData = (chunk) => {
      if (!chunked) return count(chunk);
      let pos = 0;
      while (pos < chunk.length) {
        if (state === 0) {
          const nl = chunk.indexOf(10, pos);
          if (nl === -1) {
            size += chunk.toString('latin1', pos);
            return;
          }
          size += chunk.toString('latin1', pos, nl);
          left = parseInt(size, 16) || 0;
          size = '';
          pos = nl + 1;
          state = left > 0 ? 1 : 3;
        } else if (state === 1) {
          const take = Math.min(left, chunk.length - pos);
          count(chunk.subarray(pos, pos + take));
          pos += take;
          left -= take;
          if (left === 0) state = 2;
        } else if (state === 2) {
          if (chunk[pos++] === 10) state = 0;
        } else {
          return;
        }
      }
    };
    return onData;
  });
}

/** One short masked text frame (a client's frames are masked). */
function maskedText(text) {
  const payload = Buffer.from(text);
  const frame = Buffer.alloc(6 + payload.length);
  frame[0] = 0x81;
  frame[1] = 0x80 | payload.length;
  const key = frame.subarray(2, 6);
  do randomFillSync(key); while (key.readUInt32BE(0) === 0);
  for (let i = 0; i < payload.length; i++) frame[6 + i] = payload[i] ^ key[i & 3];
  return frame;
}

const CH = (s) => s.charCodeAt(0);
/** socket.io clients: `0{...}` is answered with `40`, `40{...}` means connected, ping `2` gets `3`, `42[...]` is counted. */
/** bcast: the i-th connection's port (odd ones to --port2 when given). */
function bcastPort(i) {
  return opt.port2 > 0 && i % 2 === 1 ? opt.port2 : opt.port;
}

async function runSocketIo() {
  const sockets = await openAll(opt.conns, (i) => connect(wsRequest(bcastPort(i)), 101, bcastPort(i)));
  open = sockets.length;
  let connected = 0;
  let allConnected;
  const ready = new Promise((resolve) => {
    allConnected = resolve;
  });
  const pong = maskedText('3');
  let pings = 0;
  const result = receiveAll(sockets, (socket, _head, alt) =>
    frameReader((opcode, fin, length, prefix) => {
      if (opcode === 8) {
        errors++;
        socket.destroy();
        return false;
      }
      if (opcode !== 1 || !fin || length === 0) return true;
      const type = prefix >> 8;
      if (type === CH('4') && (prefix & 0xff) === CH('2')) {
        if (measuring) {
          messages++;
          bytes += length;
          if (alt) messagesPort2++;
        }
      } else if (type === CH('2') && length === 1) {
        pings++;
        socket.write(pong);
      } else if (type === CH('0')) {
        socket.write(maskedText('40'));
      } else if (type === CH('4') && (prefix & 0xff) === CH('0')) {
        if (++connected === opt.conns) allConnected();
      } else if (type === CH('1') || (type === CH('4') && ((prefix & 0xff) === CH('4') || (prefix & 0xff) === CH('1')))) {
        errors++;
        socket.destroy();
        return false;
      }
      return true;
    }),
    ready,
  );
  return { ...(await result), sioPings: pings };
}

async function runBcast() {
  if (opt.sio) return runSocketIo();
  const sockets = await openAll(opt.conns, (i) => connect(wsRequest(bcastPort(i)), 101, bcastPort(i)));
  open = sockets.length;
  return receiveAll(sockets, (socket, _head, alt) =>
    frameReader((opcode, fin, length) => {
      if (opcode === 8) {
        errors++;
        socket.destroy();
        return false;
      }
      if (opcode < 8 && fin && measuring) {
        messages++;
        bytes += length;
        if (alt) messagesPort2++;
      }
      return true;
    }),
  );
}

/** Feeds each socket's bytes (the handshake's leftover first) to the reader made for it, then measures (once `ready`). */
async function receiveAll(sockets, makeReader, ready = null) {
  for (const { socket, rest, head, alt } of sockets) {
    const onData = makeReader(socket, head, alt === true);
    socket.on('data', onData);
    socket.on('error', () => errors++);
    socket.on('close', () => open--);
    if (rest.length > 0) onData(rest);
    socket.resume();
  }
  if (ready !== null) await ready;
  process.stdout.write(`READY ${open}\n`);
  return measure(() => sockets.forEach(({ socket }) => socket.destroy()));
}

/** Warm-up, then the measurement window; `stop` closes everything. */
async function measure(stop) {
  await sleep(opt['warmup-ms']);
  const srv0 = serverCpu();
  const pids0 = cpuPids.map(pidStat);
  const gen0 = selfCpu();
  const t0 = process.hrtime.bigint();
  measuring = true;
  await sleep(opt['duration-ms']);
  measuring = false;
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const srv1 = serverCpu();
  const pids1 = cpuPids.map(pidStat);
  const gen1 = selfCpu();
  stopping = true;
  const openAtEnd = open;
  stop();
  const delta = (key) => pids0.map((a, i) => (a[key] >= 0 && pids1[i][key] >= 0 ? pids1[i][key] - a[key] : -1));
  return {
    seconds, serverCpuSec: srv0 >= 0 && srv1 >= 0 ? srv1 - srv0 : -1, genCpuSec: gen1 - gen0, openAtEnd,
    pidCpuSec: delta('cpu'), pidFaults: delta('faults'),
  };
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function percentile(values, q) {
  if (values.length === 0) return -1;
  const sorted = Float64Array.from(values).sort();
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

const timer = setTimeout(() => {
  process.stderr.write('loadgen.mjs: timed out\n');
  process.stdout.write(`${JSON.stringify({ status: 'timeout', mode: modeName, conns: opt.conns, errors, generator: 'node' })}\n`);
  process.exit(1);
}, timeoutMs);
timer.unref();

const run = { echo: runEcho, handshake: runHandshake, idle: runIdle, sse: runSse, bcast: runBcast }[modeName];
run().then(
  (r) => {
    const lost = modeName !== 'handshake' && r.openAtEnd < opt.conns;
    const out = {
      status: lost ? 'lost-connections' : 'ok', mode: modeName, conns: opt.conns, open: r.openAtEnd, messages, bytes,
      seconds: r.seconds, msgPerSec: r.seconds > 0 ? messages / r.seconds : 0, mbPerSec: r.seconds > 0 ? bytes / r.seconds / 1e6 : 0,
      p50us: percentile(latencies, 0.5), p99us: percentile(latencies, 0.99), serverCpuSec: r.serverCpuSec,
      genCpuSec: r.genCpuSec, genCpuPct: r.seconds > 0 ? (100 * r.genCpuSec) / r.seconds : 0, errors,
      ...(r.sioPings === undefined ? {} : { sioPings: r.sioPings }), messagesPort2, pidCpuSec: r.pidCpuSec ?? [], pidFaults: r.pidFaults ?? [],
      generator: 'node',
    };
    process.stdout.write(`${JSON.stringify(out)}\n`, () => process.exit(lost ? 1 : 0));
  },
  (error) => {
    process.stderr.write(`loadgen.mjs: ${error.message}\n`);
    process.stdout.write(`${JSON.stringify({ status: 'connect-failed', mode: modeName, conns: opt.conns, errors: errors + 1, generator: 'node' })}\n`);
    process.exit(1);
  },
);

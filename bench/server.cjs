'use strict';
/*
 * One bench server process: `node bench/server.cjs --impl NAME [--hatchway DIR] [--sse-clients N]
 * [--bcast-clients N] [--bcast-burst N] [--sio-ping-ms MS]`.
 *
 * WebSocket echo servers (every message sent back as it came, text as text):
 *   hatchway  new WebSocket(req, socket, head) from the built package
 *   ws        WebSocketServer({ noServer: true }) + handleUpgrade (bufferutil is used when
 *             installed unless WS_NO_BUFFER_UTIL=1 is in the environment)
 *   faye      faye-websocket
 *   raw       the 101 answer, then every received chunk written back as is (the ceiling)
 *   hatchway-deflate, ws-deflate   the same with permessage-deflate on default settings
 * SSE fan-out servers (GET /sse; once --sse-clients streams are open, one event per round
 * to every client, the next round when no response is over its high-water mark):
 *   sse-hatchway (es.send per client), sse-hatchway-channel (Channel.send),
 *   sse-better (better-sse channel.broadcast), sse-bare (node:http res.write per client)
 *
 * Broadcast (--bcast-clients N, any WebSocket impl): connections to /bcast are not echoed; once N
 * are open, one 64 B text per round goes to every one of them with each library's own send(), the
 * next round when no socket holds more than 16 KiB (raw: one frame built per round, written to all;
 * ws: `for (const c of wss.clients) c.send(text)`); --bcast-burst N makes a round N such broadcasts
 * in one event-loop turn. Broadcast only, through each library's own broadcast call:
 *   hatchway-hub  hub.subscribe(ws, 'room') on upgrade, hub.publish('room', text) per round
 *   socket.io     socket.io's Server on the same http server (its own upgrade listener on
 *                 /socket.io/), socket.join('room') on connection, io.to('room').emit('m', text)
 * Echo through a framework app on /chat (a cookie-checking auth middleware in front, see
 * setupFramework): hatchway-attached, hatchway-express, express-ws, hatchway-koa, koa-websocket.
 * SSE fan-out through the Hub: sse-hatchway-hub (hub.subscribe(new EventSource(req, res), 'room'),
 * hub.publish('room', text) per round).
 *
 * Fan-out across processes through Redis (--redis-url URL --role publisher|subscriber
 * --fanout-window W [--fanout-rate R]): every WebSocket that connects is put on one topic / room, in
 * every process; the publisher process publishes 64 B events, the subscriber process only delivers.
 *   hatchway-hub-redis  new Hub({ broker: redisBroker({ client: createClient({ url }) }) }) (node-redis),
 *                       hub.subscribe(ws, 'room') on upgrade (any path), hub.publish('room', text)
 *   socket.io-redis     socket.io's Server with createAdapter(pub, sub) of @socket.io/redis-adapter
 *                       (node-redis clients), socket.join('room'), io.to('room').emit('m', text)
 * Both processes count the events their library handed to its sockets (hatchway: one more listener
 * on the broker's topic, beside the Hub's; socket.io: around the base Adapter's local broadcast,
 * which the Redis adapter calls for its own emits and for those it receives) and remember the
 * highest sequence number. The subscriber prints "SEQ <n>" (at most once per event-loop turn), which
 * the runner relays to the publisher's stdin as "remote <n>". The publisher starts on "start" and
 * publishes one event per event-loop turn while fewer than W events are published but not yet
 * delivered by both processes; with --fanout-rate R it instead publishes at R events per second (on
 * a timer; an event whose turn comes while W are outstanding is skipped and counted); "stop" ends
 * that. "stats" prints "STATS <json>".
 *
 * Listens on 127.0.0.1 only and prints "LISTENING <port> <json info>". Commands on stdin, one
 * per line: "mem" prints "MEM <json>" after full garbage collections; "heap FILE" writes a heap
 * snapshot there after the same collections and prints "HEAP FILE"; "quit" exits. The
 * process exits when stdin closes (so it never outlives the runner), on SIGTERM/SIGINT, and
 * after --max-seconds in any case.
 */
const http = require('node:http');
const path = require('node:path');
const { createHash } = require('node:crypto');

const args = parseArgs(process.argv.slice(2));
const impl = args.impl;
const maxSeconds = Number(args['max-seconds'] ?? 600);
const noop = () => {};

const info = { impl, pid: process.pid, node: process.version };
// HATCHWAY_BENCH_DIAGNOSTICS=1: a subscriber on every diagnostics channel, counting its messages (the
// diag-* scenarios of bench/run.mjs compare with and without); "stats" prints the counts.
const diagnostics = {};
if (process.env.HATCHWAY_BENCH_DIAGNOSTICS === '1') {
  const dc = require('node:diagnostics_channel');
  for (const name of ['websocket:open', 'websocket:close', 'websocket:error', 'eventsource:open', 'eventsource:close', 'hub:publish']) {
    diagnostics[name] = 0;
    dc.subscribe(`hatchway:${name}`, () => diagnostics[name]++);
  }
  info.diagnostics = true;
}
let live = 0;
const server = http.createServer(onRequest);
server.on('clientError', (_err, socket) => socket.destroy());
server.on('connection', (socket) => {
  live++;
  socket.on('close', () => live--);
});

function makeUpgradeHandler() {
  switch (impl) {
    case 'hatchway':
    case 'hatchway-deflate': {
      const hw = require(hatchwayModule());
      const options = impl === 'hatchway-deflate' ? { extensions: [hw.permessageDeflate()] } : undefined;
      return (req, socket, head) => {
        const ws = new hw.WebSocket(req, socket, head, null, options);
        ws.on('error', noop);
        if (req.url === '/bcast') return bcastRegister(ws, () => ws.bufferedAmount);
        ws.on('message', (e) => ws.send(e.data));
      };
    }
    case 'hatchway-hub': {
      const hw = require(hatchwayModule());
      if (typeof hw.Hub !== 'function') throw new Error('hatchway has no Hub export yet');
      const hub = new hw.Hub();
      bcastSend = (text) => {
        hub.publish(BCAST_TOPIC, text).catch(noop);
      };
      return (req, socket, head) => {
        const ws = new hw.WebSocket(req, socket, head, null);
        ws.on('error', noop);
        if (req.url !== '/bcast') return ws.on('message', (e) => ws.send(e.data));
        hub.subscribe(ws, BCAST_TOPIC).catch(noop);
        bcastRegister(ws, () => ws.bufferedAmount);
      };
    }
    case 'socket.io': {
      const { Server } = require('socket.io');
      info.bufferutil = bufferutilInUse();
      info.socketIo = require('socket.io/package.json').version;
      // Its defaults (perMessageDeflate off, so a room broadcast frames each packet once for all);
      // --sio-ping-ms shortens the ping interval (default 25 s) to check that the clients answer pings.
      const ping = args['sio-ping-ms'] === undefined ? {} : { pingInterval: Number(args['sio-ping-ms']), pingTimeout: Number(args['sio-ping-ms']) };
      const io = new Server(server, { serveClient: false, ...ping });
      bcastSend = (text) => io.to(BCAST_TOPIC).emit('m', text);
      io.on('connection', (socket) => {
        socket.join(BCAST_TOPIC);
        const conn = socket.conn;
        // Bytes waiting: packets in engine.io's buffer (while the transport's last send is pending) and in ws.
        bcastRegister(socket, () => conn.writeBuffer.length * bcastFrameBytes + (conn.transport.socket?.bufferedAmount ?? 0));
      });
      // engine.io answers its own upgrades; anything else on the socket.io server is refused by engine.io.
      return noop;
    }
    case 'ws':
    case 'ws-deflate': {
      const { WebSocketServer } = require('ws');
      info.bufferutil = bufferutilInUse();
      const wss = new WebSocketServer({ noServer: true, perMessageDeflate: impl === 'ws-deflate' });
      bcastSend = (text) => {
        for (const c of wss.clients) c.send(text);
      };
      return (req, socket, head) => {
        wss.handleUpgrade(req, socket, head, (ws) => {
          ws.on('error', noop);
          if (req.url === '/bcast') return bcastRegister(ws, () => ws.bufferedAmount);
          ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
        });
      };
    }
    case 'faye': {
      const FayeWebSocket = require('faye-websocket');
      return (req, socket, head) => {
        const ws = new FayeWebSocket(req, socket, head);
        ws.on('error', noop);
        if (req.url === '/bcast') return bcastRegister(ws, () => ws.bufferedAmount);
        ws.on('message', (e) => ws.send(e.data));
      };
    }
    case 'raw':
      // The raw ceiling frames the text once (server frames are unmasked) and writes the same bytes to all.
      bcastSend = (text) => {
        const frame = Buffer.concat([Buffer.from([0x81, Buffer.byteLength(text)]), Buffer.from(text)]);
        for (const [target] of bcastTargets) target.write(frame);
      };
      return (req, socket, head) => {
        const accept = createHash('sha1')
          .update(`${req.headers['sec-websocket-key']}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`)
          .digest('base64');
        socket.setNoDelay(true);
        socket.on('error', noop);
        socket.write(
          `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`,
        );
        if (req.url === '/bcast') return bcastRegister(socket, () => socket.writableLength);
        if (head.length > 0) socket.write(head);
        socket.on('data', (chunk) => socket.write(chunk));
      };
    case 'hatchway-hub-redis':
    case 'socket.io-redis':
      return setupFanout();
    case 'hatchway-attached':
    case 'hatchway-express':
    case 'express-ws':
    case 'hatchway-koa':
    case 'koa-websocket':
      setupFramework();
      // Each sets its own 'upgrade' listener on the server.
      return noop;
    default:
      return (_req, socket) => socket.destroy();
  }
}

// --- fan-out across processes through Redis ----------------------------------------------------

const FANOUT_TOPIC = 'room';
const fanout = {
  role: args.role ?? 'subscriber',
  window: Math.max(1, Number(args['fanout-window'] ?? 16)),
  rate: Number(args['fanout-rate'] ?? 0),
  running: false,
  published: 0,
  skipped: 0,
  /** Events this process handed to its sockets, and the highest sequence number among them. */
  delivered: 0,
  localSeq: 0,
  /** The other process's highest delivered sequence number (relayed by the runner). */
  remoteSeq: 0,
  publish: null,
  pumpScheduled: false,
  reportScheduled: false,
  reportedSeq: 0,
};

/** The sequence number of one of our event texts, `{"seq":N,"pad":"..."}`. */
function seqOf(text) {
  return typeof text === 'string' && text.startsWith('{"seq":') ? Number(text.slice(7, text.indexOf(',', 7))) : 0;
}

/** One event handed to this process's sockets (called once per event, not per socket). */
function fanoutDelivered(text) {
  fanout.delivered++;
  const seq = seqOf(text);
  if (seq > fanout.localSeq) fanout.localSeq = seq;
  if (fanout.role === 'publisher') fanoutPumpSoon();
  else if (!fanout.reportScheduled) {
    fanout.reportScheduled = true;
    setImmediate(fanoutReport);
  }
}

function fanoutReport() {
  fanout.reportScheduled = false;
  if (fanout.localSeq === fanout.reportedSeq) return;
  fanout.reportedSeq = fanout.localSeq;
  process.stdout.write(`SEQ ${fanout.localSeq}\n`);
}

/** Events published that one of the two processes has not yet handed to its sockets. */
function fanoutOutstanding() {
  return fanout.published - Math.min(fanout.localSeq, fanout.remoteSeq);
}

function fanoutPublishOne() {
  fanout.published++;
  fanout.publish(`{"seq":${fanout.published},"pad":"${PAD}"}`);
}

function fanoutPumpSoon() {
  if (fanout.pumpScheduled || !fanout.running || fanout.rate > 0) return;
  fanout.pumpScheduled = true;
  setImmediate(fanoutPump);
}

/** Saturation: one event per event-loop turn while fewer than `window` are outstanding. */
function fanoutPump() {
  fanout.pumpScheduled = false;
  if (!fanout.running || fanoutOutstanding() >= fanout.window) return;
  fanoutPublishOne();
  fanoutPumpSoon();
}

/** A fixed offered rate: event k is due at start + k / rate. */
function fanoutStartRate() {
  const interval = 1000 / fanout.rate;
  const t0 = performance.now();
  let k = 0;
  const tick = () => {
    if (!fanout.running) return;
    if (fanoutOutstanding() < fanout.window) fanoutPublishOne();
    else fanout.skipped++;
    k++;
    setTimeout(tick, Math.max(0, t0 + k * interval - performance.now()));
  };
  tick();
}

function fanoutCommand(line) {
  if (line === 'start' && fanout.role === 'publisher' && !fanout.running) {
    fanout.running = true;
    if (fanout.rate > 0) fanoutStartRate();
    else fanoutPumpSoon();
  } else if (line === 'stop') {
    fanout.running = false;
  } else if (line.startsWith('remote ')) {
    const seq = Number(line.slice(7));
    if (seq > fanout.remoteSeq) fanout.remoteSeq = seq;
    fanoutPumpSoon();
  } else if (line === 'stats' && impl !== 'hatchway-hub-redis' && impl !== 'socket.io-redis') {
    process.stdout.write(`STATS ${JSON.stringify({ live, diagnostics })}\n`);
  } else if (line === 'stats') {
    const { role, window, rate, published, skipped, delivered, localSeq, remoteSeq } = fanout;
    process.stdout.write(`STATS ${JSON.stringify({ role, window, rate, published, skipped, delivered, localSeq, remoteSeq, live })}\n`);
  }
}

/** Connects to Redis and sets the library up; resolves with the upgrade handler once events can flow. */
async function setupFanout() {
  const url = args['redis-url'];
  if (!url) throw new Error('--redis-url is required');
  const { createClient } = require('redis');
  info.role = fanout.role;
  info.redisClient = `redis ${require('redis/package.json').version}`;
  if (impl === 'hatchway-hub-redis') {
    const hw = require(hatchwayModule());
    const { redisBroker } = require(hatchwayModule('redis'));
    const client = createClient({ url });
    client.on('error', noop);
    await client.connect();
    const broker = redisBroker({ client });
    const hub = new hw.Hub({ broker });
    // The counter, on the broker's topic beside the Hub's own listener (the same Redis subscription):
    // subscribed before listening, so the topic is followed before the first client comes.
    await broker.subscribe(FANOUT_TOPIC, (events) => {
      for (const event of events) fanoutDelivered(event.data);
    });
    fanout.publish = (text) => {
      hub.publish(FANOUT_TOPIC, text).catch(noop);
    };
    return (req, socket, head) => {
      const ws = new hw.WebSocket(req, socket, head, null);
      ws.on('error', noop);
      hub.subscribe(ws, FANOUT_TOPIC).catch(noop);
    };
  }
  const { Server } = require('socket.io');
  const { createAdapter, RedisAdapter } = require('@socket.io/redis-adapter');
  info.bufferutil = bufferutilInUse();
  info.socketIo = require('socket.io/package.json').version;
  info.redisAdapter = require('@socket.io/redis-adapter/package.json').version;
  const pub = createClient({ url });
  const sub = pub.duplicate();
  pub.on('error', noop);
  sub.on('error', noop);
  await Promise.all([pub.connect(), sub.connect()]);
  // The local broadcast every room emit ends in, on this process (the Redis adapter's own emit and
  // the ones it receives from Redis both call it): counted once per event.
  const base = Object.getPrototypeOf(RedisAdapter.prototype);
  const localBroadcast = base.broadcast;
  base.broadcast = function broadcast(packet, opts) {
    localBroadcast.call(this, packet, opts);
    const data = packet.data;
    if (Array.isArray(data) && data[0] === 'm') fanoutDelivered(data[1]);
  };
  const io = new Server(server, { serveClient: false, adapter: createAdapter(pub, sub) });
  fanout.publish = (text) => io.to(FANOUT_TOPIC).emit('m', text);
  io.on('connection', (socket) => socket.join(FANOUT_TOPIC));
  // engine.io answers its own upgrades.
  return noop;
}

// --- WebSocket echo through a framework app -------------------------------------------------

/** The session cookie the framework apps' auth check wants (the generator sends it with --header). */
const SESSION_TOKEN = 'bench-token';

/** A request logger's work (method, URL and a start time read per request), printed nowhere. */
function loggerLike(req, _res, next) {
  req.benchLog = { method: req.method, url: req.originalUrl ?? req.url, started: performance.now() };
  next();
}

/** An auth check on the session cookie that cookie-parser parsed: 401 without it. */
function sessionAuth(req, res, next) {
  if (req.cookies?.session === SESSION_TOKEN) return next();
  res.status(401).end();
}

async function koaLoggerLike(ctx, next) {
  ctx.state.benchLog = { method: ctx.method, url: ctx.url, started: performance.now() };
  await next();
}

/** Koa parses cookies itself (ctx.cookies); koa-websocket's socket is open already, so it is closed (1008) instead. */
async function koaSessionAuth(ctx, next) {
  if (ctx.cookies.get('session') === SESSION_TOKEN) return next();
  if (ctx.websocket) ctx.websocket.close(1008);
  else ctx.status = 401;
}

/**
 * The same echo route on /chat behind the same middleware, in each framework's idiom:
 *   hatchway-attached  attach(server, listener) with websocket() as the whole app (the attached path alone)
 *   hatchway-express   Express 5: logger-like no-op, cookie-parser, auth, app.get('/chat', websocket(...)), attach()
 *   express-ws         the same three middlewares, app.ws('/chat', ...) (express-ws runs them after its 101)
 *   hatchway-koa       Koa 3: logger-like no-op, auth on ctx.cookies, @koa/router get('/chat', websocket(...)), attach()
 *   koa-websocket      the same two middlewares and an @koa/router route on app.ws (run after its 101)
 */
function setupFramework() {
  const hatchwayEcho = (ws) => {
    ws.on('error', noop);
    ws.on('message', (e) => ws.send(e.data));
  };
  if (impl === 'hatchway-attached') {
    const hw = require(hatchwayModule());
    const route = hw.websocket(hatchwayEcho);
    hw.attach(server, (req, res) =>
      route(req, res, () => {
        res.statusCode = 404;
        res.end();
      }));
    return;
  }
  if (impl === 'hatchway-express' || impl === 'express-ws') {
    const express = require('express');
    const cookieParser = require('cookie-parser');
    info.express = require('express/package.json').version;
    const app = express();
    app.use(loggerLike, cookieParser(), sessionAuth);
    if (impl === 'hatchway-express') {
      const hw = require(hatchwayModule('express'));
      app.get('/chat', hw.websocket(hatchwayEcho));
      hw.attach(server, app);
      return;
    }
    const expressWs = require('express-ws');
    info.expressWs = require('express-ws/package.json').version;
    info.ws = require(require.resolve('ws/package.json', { paths: [path.dirname(require.resolve('express-ws'))] })).version;
    // express-ws brings ws 7, which has no WS_NO_BUFFER_UTIL switch: it loads bufferutil whenever installed.
    info.bufferutil = loads('bufferutil');
    expressWs(app, server);
    app.ws('/chat', (ws) => {
      ws.on('error', noop);
      // ws 7 hands a text message over as a string and a binary one as a Buffer: send() keeps the kind.
      ws.on('message', (data) => ws.send(data));
    });
    return;
  }
  const Koa = require('koa');
  const { Router } = require('@koa/router');
  info.koa = require('koa/package.json').version;
  const router = new Router();
  if (impl === 'hatchway-koa') {
    const hw = require(hatchwayModule('koa'));
    const app = new Koa();
    app.use(koaLoggerLike);
    app.use(koaSessionAuth);
    router.get('/chat', hw.websocket(hatchwayEcho));
    app.use(router.routes());
    hw.attach(server, app);
    return;
  }
  const websockify = require('koa-websocket');
  info.koaWebsocket = require('koa-websocket/package.json').version;
  info.bufferutil = bufferutilInUse();
  const app = websockify(new Koa());
  app.ws.use(koaLoggerLike);
  app.ws.use(koaSessionAuth);
  router.get('/chat', (ctx) => {
    const ws = ctx.websocket;
    ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
  });
  app.ws.use(router.routes());
  app.ws.listen({ server });
}

// --- WebSocket broadcast ---------------------------------------------------------------------

const bcastClients = Number(args['bcast-clients'] ?? 0);
const BCAST_HIGH_WATER = 16 * 1024;
const BCAST_TOPIC = 'room';
/** Messages per round (--bcast-burst N): several broadcasts in one event-loop turn. */
const bcastBurst = Math.max(1, Number(args['bcast-burst'] ?? 1));
/** [socket, its bytes waiting] */
const bcastTargets = [];
let bcastRunning = false;
/** One round's text to every target: each library's own send() in a loop unless the impl set its own. */
let bcastSend = (text) => {
  for (const [ws] of bcastTargets) ws.send(text);
};
/** socket.io: the size of one broadcast packet's frame, for the bytes its engine still buffers. */
let bcastFrameBytes = 0;

function bcastRegister(ws, waiting) {
  bcastTargets.push([ws, waiting]);
  if (!bcastRunning && bcastClients > 0 && bcastTargets.length >= bcastClients) {
    bcastRunning = true;
    setImmediate(bcastRound);
  }
}

function bcastRound() {
  for (let i = 0; i < bcastBurst; i++) {
    const text = `{"seq":${seq++},"pad":"${PAD}"}`;
    if (impl === 'socket.io') bcastFrameBytes = 2 + Buffer.byteLength(JSON.stringify(['m', text])) + 2;
    bcastSend(text);
  }
  for (const [, waiting] of bcastTargets) {
    if (waiting() > BCAST_HIGH_WATER) {
      setTimeout(bcastRound, 1);
      return;
    }
  }
  setImmediate(bcastRound);
}

// --- SSE fan-out --------------------------------------------------------------------------

const sseClients = Number(args['sse-clients'] ?? 0);
/** The underlying responses, for backpressure checks (the same for every implementation). */
const responses = [];
let broadcast = null;
let addClient = null;
let running = false;
let seq = 0;
const PAD = 'x'.repeat(40);

if (impl.startsWith('sse-')) setupSse();

function setupSse() {
  if (impl === 'sse-bare') {
    broadcast = (text) => {
      const chunk = `data: ${text}\n\n`;
      for (const res of responses) res.write(chunk);
    };
    addClient = (req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache', Connection: 'keep-alive' });
      res.write(':\n\n');
      registered(res);
    };
  } else if (impl === 'sse-better') {
    const { createSession, createChannel } = require('better-sse');
    const channel = createChannel();
    broadcast = (text) => channel.broadcast(text);
    addClient = (req, res) => {
      createSession(req, res).then((session) => {
        channel.register(session);
        registered(res);
      }, noop);
    };
  } else if (impl === 'sse-hatchway') {
    const hw = require(hatchwayModule());
    if (typeof hw.EventSource !== 'function') throw new Error('hatchway has no EventSource export yet');
    const sources = new Set();
    broadcast = (text) => {
      for (const es of sources) es.send(text);
    };
    addClient = (req, res) => {
      const es = new hw.EventSource(req, res);
      es.on('error', noop);
      es.on('close', () => sources.delete(es));
      sources.add(es);
      registered(res);
    };
  } else if (impl === 'sse-hatchway-hub') {
    const hw = require(hatchwayModule());
    if (typeof hw.Hub !== 'function') throw new Error('hatchway has no Hub export yet');
    const hub = new hw.Hub();
    broadcast = (text) => {
      hub.publish('room', text).catch(noop);
    };
    addClient = (req, res) => {
      const es = new hw.EventSource(req, res);
      es.on('error', noop);
      hub.subscribe(es, 'room').catch(noop);
      registered(res);
    };
  } else if (impl === 'sse-hatchway-channel') {
    const hw = require(hatchwayModule());
    if (typeof hw.Channel !== 'function') throw new Error('hatchway has no Channel export yet');
    const channel = new hw.Channel();
    broadcast = (text) => channel.send(text);
    addClient = (req, res) => {
      const es = new hw.EventSource(req, res);
      es.on('error', noop);
      channel.add(es);
      registered(res);
    };
  }
}

function registered(res) {
  responses.push(res);
  res.on('close', () => {
    const i = responses.indexOf(res);
    if (i !== -1) responses.splice(i, 1);
    if (responses.length < sseClients) running = false;
  });
  if (!running && sseClients > 0 && responses.length >= sseClients) {
    running = true;
    setImmediate(round);
  }
}

function round() {
  if (!running) return;
  broadcast(`{"seq":${seq++},"pad":"${PAD}"}`);
  for (const res of responses) {
    if (res.writableNeedDrain) {
      res.once('drain', round);
      return;
    }
  }
  setImmediate(round);
}

function onRequest(req, res) {
  if (addClient !== null && req.url === '/sse') return addClient(req, res);
  res.writeHead(404, { 'Content-Type': 'text/plain' });
  res.end('not found');
}

// --- process control -----------------------------------------------------------------------

function hatchwayModule(entry = 'index') {
  const dir = args.hatchway ?? path.join(__dirname, '..', 'dist', 'cjs');
  return path.resolve(dir, 'adapters', `${entry}.js`);
}

function loads(name) {
  try {
    require(name);
    return true;
  } catch {
    return false;
  }
}

function bufferutilInUse() {
  if (process.env.WS_NO_BUFFER_UTIL) return false;
  try {
    require.resolve('bufferutil');
    require('bufferutil');
    return true;
  } catch {
    return false;
  }
}

async function memory() {
  const gc = globalThis.gc;
  if (typeof gc === 'function') {
    for (let i = 0; i < 4; i++) {
      gc();
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
  const m = process.memoryUsage();
  return { rss: m.rss, heapUsed: m.heapUsed, heapTotal: m.heapTotal, external: m.external, arrayBuffers: m.arrayBuffers, live };
}

/** A V8 heap snapshot written to `file` after the same full collections as "mem" (bench/idle-heap.mjs). */
async function heapSnapshot(file) {
  await memory();
  return require('node:v8').writeHeapSnapshot(file);
}

function quit(code = 0) {
  // process.exit() lets --cpu-prof write its profile.
  process.exit(code);
}

let input = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (text) => {
  input += text;
  let nl;
  while ((nl = input.indexOf('\n')) !== -1) {
    const line = input.slice(0, nl).trim();
    input = input.slice(nl + 1);
    if (line === 'mem') memory().then((m) => process.stdout.write(`MEM ${JSON.stringify(m)}\n`));
    else if (line.startsWith('heap ')) heapSnapshot(line.slice(5)).then((file) => process.stdout.write(`HEAP ${file}\n`));
    else if (line === 'quit') quit(0);
    else fanoutCommand(line);
  }
});
process.stdin.on('end', () => quit(0));
process.on('SIGTERM', () => quit(0));
process.on('SIGINT', () => quit(0));
setTimeout(() => {
  process.stderr.write(`bench server: --max-seconds ${maxSeconds} reached, exiting\n`);
  quit(3);
}, maxSeconds * 1000).unref();

// Made here, once every declaration above is in place (the broadcast state is set by the impls);
// the Redis impls connect first (their handler comes as a promise).
Promise.resolve()
  .then(makeUpgradeHandler)
  .then(
    (onUpgrade) => {
      server.on('upgrade', onUpgrade);
      server.listen({ host: '127.0.0.1', port: 0, backlog: 4096 }, () => {
        info.port = server.address().port;
        process.stdout.write(`LISTENING ${info.port} ${JSON.stringify(info)}\n`);
      });
    },
    (error) => {
      process.stderr.write(`bench server: ${error.stack ?? error}\n`);
      quit(1);
    },
  );

function parseArgs(argv) {
  const out = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) continue;
    const eq = a.indexOf('=');
    if (eq !== -1) out[a.slice(2, eq)] = a.slice(eq + 1);
    else out[a.slice(2)] = argv[++i];
  }
  return out;
}

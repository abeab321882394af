'use strict';
// The hatchway demo: a chat page where every open tab talks over one WebSocket at /chat, beside a live feed of the
// room's activity streamed with Server-Sent Events from /feed. Run it with `npm start` (or
// `PORT=3000 npm run example:demo`) and open http://localhost:3000/ in several tabs. With `REDIS_URL` set the room
// lives in Redis, so that several processes serve it together (`npm run example:cluster`).
//
// Chat protocol, JSON text frames both ways:
//   client -> server  {type: 'name', name}           set or change the nickname (the first one announces a join)
//                     {type: 'message', text}        say something
//   server -> client  {type: 'hello', pid, broker}   once the connection is in the room (from then on it gets
//                                                    every event): the process serving it, and where the room
//                                                    lives ('in-process' or 'redis')
//                     {type: 'message', from, text, at}
//                     {type: 'join' | 'leave', name, at, online}
//                     {type: 'rename', from, name, at}
// `at` is milliseconds since the epoch; `online` is how many named people are in the room.
// A client that opens /chat?since=<id> (the page does) gets each of the room's events wrapped as {topic, id, event,
// data}, data being the JSON above as text (the hello is never wrapped); first, the ones after <id> it missed while
// away (none for an empty id), or {topic, id, reset: true} when they are no longer kept, then the hello.
//
// Feed, GET /feed (text/event-stream): every chat message above as an event named after its type, with the same
// JSON as data and the same id; a browser that reconnects first gets what it missed (the last 50 are kept), or a
// `reset` event when that is too far back. Then, as on /chat, a `hello` event (the JSON of the hello above) once
// the stream is in the room. Each stream also gets `clock` events (the server's time, ISO 8601) at once and then
// every 5 seconds.
const path = require('node:path');
const express = require('express');
const { Hub, permessageDeflate, websocket } = require('hatchway');

const ROOM = 'lobby';
const HISTORY = 50;
const MAX_NAME = 32;
const MAX_TEXT = 1000;
const CLOCK_MS = 5000;

/** A string trimmed and cut to `max` characters, or '' for anything that is not a string. */
function clean(value, max) {
  return typeof value === 'string' ? value.trim().slice(0, max) : '';
}

/**
 * Where the room lives: in this process (the default), or in Redis at `redisUrl`, shared by every process that
 * uses it. `count(by)` changes the number of people online by `by` and gives (or promises) the new number.
 */
function createRoom(redisUrl) {
  if (!redisUrl) {
    const hub = new Hub({ history: HISTORY });
    let online = 0;
    return { broker: 'in-process', hub, count: (by) => (online += by), close: () => hub.close() };
  }
  // Loaded only here: without REDIS_URL the demo needs neither Redis nor the `redis` package.
  const { createClient } = require('redis');
  const { redisBroker } = require('hatchway/redis');
  const client = createClient({ url: redisUrl });
  // node-redis reconnects by itself, with an error at every try: this says it once, until Redis is back (and
  // nothing once the room is closing).
  let quiet = false;
  const onError = (error) => {
    if (!quiet) console.error(`Redis: ${error.message} (reconnecting)`);
    quiet = true;
  };
  client.on('error', onError).on('ready', () => (quiet = false));
  client.connect().catch(onError); // the count below runs on it from the start
  const hub = new Hub({ broker: redisBroker({ client, history: HISTORY, onError }) });
  return {
    broker: 'redis',
    hub,
    // Counted in Redis, so that every process agrees (a process that crashes leaves its people counted).
    count: (by) => client.incrBy(`demo:${ROOM}:online`, by),
    // Closing the Hub closes its broker, and the broker the client.
    close: () => {
      quiet = true;
      return hub.close();
    },
  };
}

/**
 * A fresh Express app with its own chat room, so that every caller (and every test) has its own state; apps given
 * the same `redisUrl` share theirs. `app.locals.close()` lets go of the room (and of Redis).
 */
function createDemoApp({ redisUrl } = {}) {
  const app = express();
  // The room is one topic: its WebSockets and its event streams get the same events in the same order, and the last
  // 50 are kept for whoever comes back.
  const room = createRoom(redisUrl);
  const { hub, count } = room;
  const hello = JSON.stringify({ type: 'hello', pid: process.pid, broker: room.broker });

  // Events go out one at a time, in the order they happened (counting who is online may wait for Redis); one that
  // comes and goes (`change` +1 or -1) carries the new count. A publish that failed (Redis down) is logged.
  let queue = Promise.resolve();
  const broadcast = (message, change = 0) => {
    queue = queue
      .then(async () => {
        if (change !== 0) message.online = await count(change);
        await hub.publish(ROOM, JSON.stringify(message), { event: message.type });
      })
      .catch(console.error);
  };
  // Once the server is closed (which closes the sockets): the last leaves go out, then the room lets go of Redis.
  const sockets = new Set();
  app.locals.broker = room.broker;
  app.locals.close = async () => {
    await Promise.all([...sockets].map((ws) => new Promise((resolve) => ws.once('close', resolve))));
    await queue;
    await room.close();
  };

  // `res.eventSource()` is on every response of an app served with `listen(app)` or `attach(server, app)`.
  app.get('/feed', async (req, res) => {
    const es = res.eventSource({ retry: 2 });
    const tick = () => es.send(new Date().toISOString(), { event: 'clock' });
    tick();
    const timer = setInterval(tick, CLOCK_MS);
    es.on('close', () => clearInterval(timer));
    // A browser back with Last-Event-ID first gets what it missed, or a `reset` event.
    await hub.subscribe(es, ROOM);
    es.send(hello, { event: 'hello' });
  });

  app.use(
    '/chat',
    websocket(
      async (ws, req) => {
        let name = null;
        sockets.add(ws);

        ws.on('message', (event) => {
          if (typeof event.data !== 'string') return;
          let message;
          try {
            message = JSON.parse(event.data);
          } catch {
            return;
          }
          if (message === null || typeof message !== 'object') return;
          const at = Date.now();
          if (message.type === 'name') {
            const wanted = clean(message.name, MAX_NAME);
            if (wanted === '' || wanted === name) return;
            const previous = name;
            name = wanted;
            if (previous === null) broadcast({ type: 'join', name, at }, +1);
            else broadcast({ type: 'rename', from: previous, name, at });
          } else if (message.type === 'message') {
            const text = clean(message.text, MAX_TEXT);
            if (text !== '') broadcast({ type: 'message', from: name ?? 'anonymous', text, at });
          }
        });

        ws.on('close', () => {
          sockets.delete(ws);
          if (name !== null) broadcast({ type: 'leave', name, at: Date.now() }, -1);
        });

        // A socket handed to the handler is still connecting: what the Hub sends it goes out right after the
        // handshake. It leaves the room by itself when it closes.
        const { since } = req.query;
        await hub.subscribe(ws, ROOM, typeof since === 'string' ? { envelope: true, since } : {});
        ws.send(hello);
      },
      // Browsers offer permessage-deflate; threshold 0 compresses even short chat lines, both ways.
      { ping: 30, extensions: [permessageDeflate({ threshold: 0 })] },
    ),
  );

  app.use(express.static(path.join(__dirname, 'public')));
  return app;
}

module.exports = { createDemoApp };

'use strict';
// The hatchway demo: a chat page where every open tab talks over one WebSocket at /chat, beside a live feed of the
// room's activity streamed with Server-Sent Events from /feed. Run it with `npm start` (or
// `PORT=3000 npm run example:demo`) and open http://localhost:3000/ in several tabs.
//
// Chat protocol, JSON text frames both ways:
//   client -> server  {type: 'name', name}           set or change the nickname (the first one announces a join)
//                     {type: 'message', text}        say something
//   server -> client  {type: 'message', from, text, at}
//                     {type: 'join' | 'leave', name, at, online}
//                     {type: 'rename', from, name, at}
// `at` is milliseconds since the epoch; `online` is how many named people are in the room.
// A client that opens /chat?since=<id> (the page does) gets each of these wrapped as {topic, id, event, data}, data
// being the JSON above as text; first, the ones after <id> it missed while away (none for an empty id), or
// {topic, id, reset: true} when they are no longer kept.
//
// Feed, GET /feed (text/event-stream): every chat message above as an event named after its type, with the same
// JSON as data and the same id; a browser that reconnects gets what it missed (the last 50 are kept), or a
// `reset` event when that is too far back. Each stream also gets `clock` events (the server's time, ISO 8601) at
// once and then every 5 seconds.
const path = require('node:path');
const express = require('express');
const { Hub, permessageDeflate, websocket } = require('hatchway');

const ROOM = 'lobby';
const MAX_NAME = 32;
const MAX_TEXT = 1000;
const CLOCK_MS = 5000;

/** A string trimmed and cut to `max` characters, or '' for anything that is not a string. */
function clean(value, max) {
  return typeof value === 'string' ? value.trim().slice(0, max) : '';
}

/** A fresh Express app with its own chat room, so that every caller (and every test) has its own state. */
function createDemoApp() {
  const app = express();
  // The room is one topic: its WebSockets and its event streams get the same events in the same order, and the last
  // 50 are kept for whoever comes back.
  const hub = new Hub({ history: 50 });
  let online = 0;
  // The in-process hub only rejects once closed; another broker can fail, so the rejection is not left unhandled.
  const broadcast = (message) => hub.publish(ROOM, JSON.stringify(message), { event: message.type }).catch(console.error);

  // `res.eventSource()` is on every response of an app served with `listen(app)` or `attach(server, app)`.
  app.get('/feed', async (req, res) => {
    const es = res.eventSource({ retry: 2 });
    const tick = () => es.send(new Date().toISOString(), { event: 'clock' });
    tick();
    const timer = setInterval(tick, CLOCK_MS);
    es.on('close', () => clearInterval(timer));
    // A browser back with Last-Event-ID first gets what it missed, or a `reset` event.
    await hub.subscribe(es, ROOM);
  });

  app.use(
    '/chat',
    websocket(
      async (ws, req) => {
        let name = null;

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
            if (previous === null) broadcast({ type: 'join', name, at, online: ++online });
            else broadcast({ type: 'rename', from: previous, name, at });
          } else if (message.type === 'message') {
            const text = clean(message.text, MAX_TEXT);
            if (text !== '') broadcast({ type: 'message', from: name ?? 'anonymous', text, at });
          }
        });

        ws.on('close', () => {
          if (name !== null) broadcast({ type: 'leave', name, at: Date.now(), online: --online });
        });

        // A socket handed to the handler is still connecting: what the Hub sends it goes out right after the
        // handshake. It leaves the room by itself when it closes.
        const { since } = req.query;
        await hub.subscribe(ws, ROOM, typeof since === 'string' ? { envelope: true, since } : {});
      },
      // Browsers offer permessage-deflate; threshold 0 compresses even short chat lines, both ways.
      { ping: 30, extensions: [permessageDeflate({ threshold: 0 })] },
    ),
  );

  app.use(express.static(path.join(__dirname, 'public')));
  return app;
}

module.exports = { createDemoApp };

'use strict';
// The hatchway demo: a chat page where every open tab talks over one WebSocket at /chat, beside a panel that
// the Server-Sent Events feed will fill. Run it with `npm start` (or `PORT=3000 npm run example:demo`) and
// open http://localhost:3000/ in several tabs.
//
// Chat protocol, JSON text frames both ways:
//   client -> server  {type: 'name', name}           set or change the nickname (the first one announces a join)
//                     {type: 'message', text}        say something
//   server -> client  {type: 'message', from, text, at}
//                     {type: 'join' | 'leave', name, at, online}
//                     {type: 'rename', from, name, at}
// `at` is milliseconds since the epoch; `online` is how many named people are in the room.
const path = require('node:path');
const express = require('express');
const { websocket } = require('hatchway');

const MAX_NAME = 32;
const MAX_TEXT = 1000;

/** A string trimmed and cut to `max` characters, or '' for anything that is not a string. */
function clean(value, max) {
  return typeof value === 'string' ? value.trim().slice(0, max) : '';
}

/** A fresh Express app with its own chat room, so that every caller (and every test) has its own state. */
function createDemoApp() {
  const app = express();
  /** @type {Set<{ ws: any, name: string | null }>} */
  const members = new Set();
  const online = () => [...members].filter((member) => member.name !== null).length;
  const broadcast = (message) => {
    const data = JSON.stringify(message);
    // A socket handed to the handler is still connecting: what it is sent goes out right after the handshake.
    // A closed socket's send() is a no-op (and it leaves the room on 'close').
    for (const { ws } of members) ws.send(data);
  };

  app.use(
    '/chat',
    websocket(
      (ws) => {
        const member = { ws, name: null };
        members.add(member);

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
            const name = clean(message.name, MAX_NAME);
            if (name === '' || name === member.name) return;
            const previous = member.name;
            member.name = name;
            if (previous === null) broadcast({ type: 'join', name, at, online: online() });
            else broadcast({ type: 'rename', from: previous, name, at });
          } else if (message.type === 'message') {
            const text = clean(message.text, MAX_TEXT);
            if (text !== '') broadcast({ type: 'message', from: member.name ?? 'anonymous', text, at });
          }
        });

        ws.on('close', () => {
          members.delete(member);
          if (member.name !== null) broadcast({ type: 'leave', name: member.name, at: Date.now(), online: online() });
        });
      },
      { ping: 30 },
    ),
  );

  app.use(express.static(path.join(__dirname, 'public')));
  return app;
}

module.exports = { createDemoApp };

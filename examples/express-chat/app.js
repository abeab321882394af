'use strict';
// Express chat rooms. README: `npm run example:express-chat`, then connect any number of WebSockets to
// ws://localhost:3000/rooms/<room>?name=<nickname>: each text message is broadcast to everyone in that room only.
//
// Client -> server: plain text frames, one chat message each.
// Server -> client: JSON text frames
//   {type: 'message', room, from, text, at}
//   {type: 'join' | 'leave', room, name, at, online}    (online: people now in the room)
const express = require('express');
const { websocket } = require('hatchway');

/** A fresh Express app with its own rooms. */
function createExpressChatApp() {
  const app = express();
  /** @type {Map<string, Set<any>>} room name -> its sockets */
  const rooms = new Map();

  const broadcast = (room, message) => {
    const data = JSON.stringify(message);
    // A socket handed to the handler is still connecting: what it is sent goes out right after the handshake.
    // A closed socket's send() is a no-op (and it leaves the room on 'close').
    for (const ws of rooms.get(room) ?? []) ws.send(data);
  };

  app.get('/', (req, res) => {
    res.type('text/plain').send('hatchway Express chat: open a WebSocket at /rooms/<room>?name=<nickname>\n');
  });

  app.get(
    '/rooms/:room',
    websocket((ws, req) => {
      const { room } = req.params;
      const name = typeof req.query.name === 'string' && req.query.name.trim() !== '' ? req.query.name.trim().slice(0, 32) : 'anonymous';
      if (!rooms.has(room)) rooms.set(room, new Set());
      const members = rooms.get(room);
      members.add(ws);
      broadcast(room, { type: 'join', room, name, at: Date.now(), online: members.size });

      ws.on('message', (event) => {
        if (typeof event.data !== 'string' || event.data.trim() === '') return;
        broadcast(room, { type: 'message', room, from: name, text: event.data.slice(0, 1000), at: Date.now() });
      });

      ws.on('close', () => {
        members.delete(ws);
        if (members.size === 0) rooms.delete(room);
        else broadcast(room, { type: 'leave', room, name, at: Date.now(), online: members.size });
      });
    }),
  );

  return app;
}

module.exports = { createExpressChatApp };

'use strict';
// Express chat rooms. README: `npm run example:express-chat`, then connect any number of WebSockets to
// ws://localhost:3000/rooms/<room>?name=<nickname>: each text message is broadcast to everyone in that room only.
//
// Client -> server: plain text frames, one chat message each.
// Server -> client: JSON text frames
//   {type: 'message', room, from, text, at}
//   {type: 'join' | 'leave', room, name, at, online}    (online: people now in the room)
const express = require('express');
const { Hub, websocket } = require('hatchway');

/** A fresh Express app with its own rooms. */
function createExpressChatApp() {
  const app = express();
  // One topic per room. Nobody here comes back for what they missed, so topics keep no history.
  const hub = new Hub({ history: 0 });
  // The in-process hub only rejects once closed; another broker can fail, so the rejection is not left unhandled.
  const broadcast = (room, message) => hub.publish(room, JSON.stringify(message)).catch(console.error);

  app.get('/', (req, res) => {
    res.type('text/plain').send('hatchway Express chat: open a WebSocket at /rooms/<room>?name=<nickname>\n');
  });

  app.get(
    '/rooms/:room',
    websocket(async (ws, req) => {
      const { room } = req.params;
      const name = typeof req.query.name === 'string' && req.query.name.trim() !== '' ? req.query.name.trim().slice(0, 32) : 'anonymous';
      // Subscribed first, so that the Hub has taken a closed socket off the room before 'close' below counts who is left.
      // A socket handed to the handler is still connecting: what the Hub sends it goes out right after the handshake.
      const joined = hub.subscribe(ws, room);

      ws.on('message', (event) => {
        if (typeof event.data !== 'string' || event.data.trim() === '') return;
        broadcast(room, { type: 'message', room, from: name, text: event.data.slice(0, 1000), at: Date.now() });
      });
      ws.on('close', () => broadcast(room, { type: 'leave', room, name, at: Date.now(), online: hub.size(room) }));

      await joined;
      broadcast(room, { type: 'join', room, name, at: Date.now(), online: hub.size(room) });
    }),
  );

  return app;
}

module.exports = { createExpressChatApp };

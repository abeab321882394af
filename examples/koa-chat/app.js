'use strict';
// Koa chat rooms with @koa/router. README: `npm run example:koa-chat`, then connect any number of WebSockets to
// ws://localhost:3000/rooms/<room>?name=<nickname>: each text message is broadcast to everyone in that room only.
//
// Client -> server: plain text frames, one chat message each.
// Server -> client: JSON text frames
//   {type: 'message', room, from, text, at}
//   {type: 'join' | 'leave', room, name, at, online}    (online: people now in the room)
const Koa = require('koa');
const Router = require('@koa/router');
const { websocket } = require('hatchway/koa');

/** A fresh Koa app with its own rooms. */
function createKoaChatApp() {
  const app = new Koa();
  const router = new Router();
  /** @type {Map<string, Set<any>>} room name -> its sockets */
  const rooms = new Map();

  const broadcast = (room, message) => {
    const data = JSON.stringify(message);
    // A socket handed to the handler is still connecting: what it is sent goes out right after the handshake.
    // A closed socket's send() is a no-op (and it leaves the room on 'close').
    for (const ws of rooms.get(room) ?? []) ws.send(data);
  };

  router.get('/', (ctx) => {
    ctx.type = 'text/plain';
    ctx.body = 'hatchway Koa chat: open a WebSocket at /rooms/<room>?name=<nickname>\n';
  });

  router.get(
    '/rooms/:room',
    websocket((ws, ctx) => {
      const { room } = ctx.params;
      const name = typeof ctx.query.name === 'string' && ctx.query.name.trim() !== '' ? ctx.query.name.trim().slice(0, 32) : 'anonymous';
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

  app.use(router.routes()).use(router.allowedMethods());
  return app;
}

module.exports = { createKoaChatApp };

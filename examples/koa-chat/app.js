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
const { Hub, websocket } = require('hatchway/koa');

/** A fresh Koa app with its own rooms. */
function createKoaChatApp() {
  const app = new Koa();
  const router = new Router();
  // One topic per room. Nobody here comes back for what they missed, so topics keep no history.
  const hub = new Hub({ history: 0 });
  // The in-process hub only rejects once closed; another broker can fail, so the rejection is not left unhandled.
  const broadcast = (room, message) => hub.publish(room, JSON.stringify(message)).catch(console.error);

  router.get('/', (ctx) => {
    ctx.type = 'text/plain';
    ctx.body = 'hatchway Koa chat: open a WebSocket at /rooms/<room>?name=<nickname>\n';
  });

  router.get(
    '/rooms/:room',
    websocket(async (ws, ctx) => {
      const { room } = ctx.params;
      const name = typeof ctx.query.name === 'string' && ctx.query.name.trim() !== '' ? ctx.query.name.trim().slice(0, 32) : 'anonymous';
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

  app.use(router.routes()).use(router.allowedMethods());
  return app;
}

module.exports = { createKoaChatApp };

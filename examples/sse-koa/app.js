'use strict';
// Server-Sent Events with Koa and @koa/router. README: `npm run example:sse-koa`, then
//   curl -N localhost:3000/clock                      a tick every second (the eventSource() middleware)
//   curl -N localhost:3000/feed                       the message board, live (ctx.eventSource() and a Channel)
//   curl -d '{"from":"ann","text":"hi"}' -H 'Content-Type: application/json' localhost:3000/messages
// A client that reconnects with `Last-Event-ID` gets the messages it missed (the last 100 are kept); one whose id
// is older than that gets a `reset` event and should reload.
//
// /clock events:  event: tick      data: ISO 8601 time
// /feed events:   event: message   id: 1, 2, ...   data: {"from", "text", "at"} (at: ms since the epoch)
const Koa = require('koa');
const Router = require('@koa/router');
const { Channel, eventSource } = require('hatchway/koa');

const MAX_FROM = 32;
const MAX_TEXT = 1000;
const MAX_BODY = 4096;

/** The request body parsed as JSON, or undefined when it is not JSON or longer than MAX_BODY bytes. */
async function readJson(ctx) {
  let size = 0;
  const chunks = [];
  for await (const chunk of ctx.req) {
    size += chunk.length;
    if (size > MAX_BODY) return undefined;
    chunks.push(chunk);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    return undefined;
  }
}

/** A fresh Koa app with its own message board. */
function createSseKoaApp() {
  const app = new Koa();
  const router = new Router();
  const board = new Channel({ history: 100 });

  router.get('/', (ctx) => {
    ctx.type = 'text/plain';
    ctx.body = 'hatchway SSE with Koa: GET /clock, GET /feed (event streams), POST /messages\n';
  });

  // The middleware form: requests that accept text/event-stream get a stream, others fall through (to a 404).
  router.get(
    '/clock',
    eventSource(
      (es) => {
        const tick = () => es.send(new Date().toISOString(), { event: 'tick' });
        tick();
        const timer = setInterval(tick, 1000);
        es.on('close', () => clearInterval(timer));
      },
      { retry: 5 },
    ),
  );

  // The context form, on an attached app (`listen(app)` or `attach(server, app)`).
  router.get('/feed', (ctx) => {
    board.add(ctx.eventSource({ retry: 2 }));
  });

  router.post('/messages', async (ctx) => {
    const body = await readJson(ctx);
    const from = typeof body?.from === 'string' ? body.from.trim().slice(0, MAX_FROM) : '';
    const text = typeof body?.text === 'string' ? body.text.trim().slice(0, MAX_TEXT) : '';
    if (text === '') {
      ctx.status = 400;
      ctx.body = { error: 'text is required' };
      return;
    }
    const id = board.send(JSON.stringify({ from: from || 'anonymous', text, at: Date.now() }), { event: 'message' });
    ctx.status = 201;
    ctx.body = { id };
  });

  app.use(router.routes()).use(router.allowedMethods());
  return app;
}

module.exports = { createSseKoaApp };

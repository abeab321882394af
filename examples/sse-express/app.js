'use strict';
// Server-Sent Events with Express. README: `npm run example:sse-express`, then
//   curl -N localhost:3000/clock                      a tick every second (the eventSource() middleware)
//   curl -N localhost:3000/feed                       the message board, live (res.eventSource() and a Channel)
//   curl -d '{"from":"ann","text":"hi"}' -H 'Content-Type: application/json' localhost:3000/messages
// or `new EventSource('/feed')` in a page. A client that reconnects with `Last-Event-ID` gets the messages it
// missed (the last 100 are kept); one whose id is older than that gets a `reset` event and should reload.
//
// /clock events:  event: tick      data: ISO 8601 time
// /feed events:   event: message   id: 1, 2, ...   data: {"from", "text", "at"} (at: ms since the epoch)
const express = require('express');
const { Channel, eventSource } = require('hatchway');

const MAX_FROM = 32;
const MAX_TEXT = 1000;

/** A fresh Express app with its own message board. */
function createSseExpressApp() {
  const app = express();
  const board = new Channel({ history: 100 });

  app.get('/', (req, res) => {
    res.type('text/plain').send('hatchway SSE with Express: GET /clock, GET /feed (event streams), POST /messages\n');
  });

  // The middleware form: requests that accept text/event-stream get a stream, others fall through (to a 404).
  app.get(
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

  // The response form, on an attached app (`listen(app)` or `attach(server, app)`).
  app.get('/feed', (req, res) => {
    board.add(res.eventSource({ retry: 2 }));
  });

  app.post('/messages', express.json({ limit: '4kb' }), (req, res) => {
    const from = typeof req.body?.from === 'string' ? req.body.from.trim().slice(0, MAX_FROM) : '';
    const text = typeof req.body?.text === 'string' ? req.body.text.trim().slice(0, MAX_TEXT) : '';
    if (text === '') return res.status(400).json({ error: 'text is required' });
    const id = board.send(JSON.stringify({ from: from || 'anonymous', text, at: Date.now() }), { event: 'message' });
    res.status(201).json({ id });
  });

  return app;
}

module.exports = { createSseExpressApp };

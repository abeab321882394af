'use strict';
// Connect echo. README: `npm run example:connect-echo`, then open a WebSocket at ws://localhost:3000/echo
// (optionally with the subprotocol `echo`): every message, text or binary, comes back to its sender as it was.
const connect = require('connect');
const { websocket } = require('hatchway');

/** A fresh Connect app. */
function createConnectEchoApp() {
  const app = connect();

  app.use(
    '/echo',
    websocket(
      (ws) => {
        ws.on('message', (event) => ws.send(event.data));
      },
      { protocols: ['echo'] },
    ),
  );

  app.use((req, res, next) => {
    if (req.url !== '/') return next(); // anything else: Connect's 404
    res.setHeader('Content-Type', 'text/plain; charset=utf-8');
    res.end('hatchway Connect echo: open a WebSocket at /echo\n');
  });

  return app;
}

module.exports = { createConnectEchoApp };

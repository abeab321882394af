'use strict';
// Starts the demo: `npm start` or `PORT=8080 npm run example:demo`; prints `listening on <port>` once it accepts
// connections. With `REDIS_URL=redis://127.0.0.1:6379` the room lives in Redis, shared by every process on it.
const { listen } = require('hatchway');
const { createDemoApp } = require('./app');

const { REDIS_URL } = process.env;
const port = Number(process.env.PORT ?? 3000);
const app = createDemoApp({ redisUrl: REDIS_URL });
const broker = REDIS_URL ? `Redis at ${new URL(REDIS_URL).host}` : 'in-process hub';
const server = listen(app, port, () => {
  console.log(`listening on ${server.address().port} (pid ${process.pid}, ${broker})`);
});
let closing = false;
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    if (closing) return;
    closing = true;
    // Closing the server closes the live WebSockets with 1001 (going away) and ends the event streams; then the
    // room lets go of Redis.
    server.close(() => app.locals.close().finally(() => process.exit(0)));
    setTimeout(() => process.exit(0), 3000).unref();
  });
}

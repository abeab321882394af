'use strict';
// `npm run example:sse-koa` (PORT defaults to 3000); prints `listening on <port>`.
const { listen } = require('hatchway/koa');
const { createSseKoaApp } = require('./app');

const port = Number(process.env.PORT ?? 3000);
const server = listen(createSseKoaApp(), port, () => {
  console.log(`listening on ${server.address().port}`);
});
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    // Closing the server ends the live event streams too.
    server.close(() => process.exit(0));
    setTimeout(() => process.exit(0), 3000).unref();
  });
}

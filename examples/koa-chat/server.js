'use strict';
// `npm run example:koa-chat` (PORT defaults to 3000); prints `listening on <port>`.
const { listen } = require('hatchway/koa');
const { createKoaChatApp } = require('./app');

const port = Number(process.env.PORT ?? 3000);
const server = listen(createKoaChatApp(), port, () => {
  console.log(`listening on ${server.address().port}`);
});
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    server.close(() => process.exit(0));
    setTimeout(() => process.exit(0), 3000).unref();
  });
}

'use strict';
// `npm run example:connect-echo` (PORT defaults to 3000); prints `listening on <port>`.
const { listen } = require('hatchway');
const { createConnectEchoApp } = require('./app');

const port = Number(process.env.PORT ?? 3000);
const server = listen(createConnectEchoApp(), port, () => {
  console.log(`listening on ${server.address().port}`);
});
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    server.close(() => process.exit(0));
    setTimeout(() => process.exit(0), 3000).unref();
  });
}

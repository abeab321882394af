'use strict';
// Starts the demo: `npm start` or `PORT=8080 npm run example:demo`; prints `listening on <port>` once it accepts connections.
const { listen } = require('hatchway');
const { createDemoApp } = require('./app');

const port = Number(process.env.PORT ?? 3000);
const server = listen(createDemoApp(), port, () => {
  console.log(`listening on ${server.address().port}`);
});
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    // Closing the server closes the live WebSockets with 1001 (going away) and ends the event streams.
    server.close(() => process.exit(0));
    setTimeout(() => process.exit(0), 3000).unref();
  });
}

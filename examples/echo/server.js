'use strict';
const { createEchoServer } = require('./app');

const port = Number(process.env.PORT ?? 9001);
const server = createEchoServer();
server.listen(port, () => {
  console.log(`listening on ${server.address().port}`);
});
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => server.close(() => process.exit(0)));
}

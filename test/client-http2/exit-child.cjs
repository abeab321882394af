// Run by process-exit.test.ts with the built package: opens `count` HTTP/2 clients to `url`,
// echoes one message on each, closes them all, and then does nothing more. The process must
// exit by itself: no session, socket or timer of the client may be left holding it.
const { Client } = require('../../dist/cjs/adapters/index.js');

const [url, count] = [process.argv[2], Number(process.argv[3])];
let closed = 0;
for (let i = 0; i < count; i++) {
  const ws = new Client(url, null, { http2: true });
  ws.on('error', (event) => process.stdout.write(`error ${event.error.code}\n`));
  ws.on('open', () => ws.send(`echo ${i}`));
  ws.on('message', () => ws.close(1000));
  ws.on('close', (event) => {
    process.stdout.write(`close ${event.code}\n`);
    if (++closed === count) process.stdout.write('all closed\n');
  });
}

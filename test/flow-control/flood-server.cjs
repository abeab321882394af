/*
 * A naive echo server in a child process, so that its memory can be measured alone: every
 * upgrade becomes `new WebSocket(req, socket, head, null, options)` from the built package, and
 * every message is sent back with `ws.send(e.data)`, ignoring what `send()` returns. With
 * `{"hub": true}` every socket is subscribed to the topic 't' of a Hub instead, and the IPC message
 * `{ publish, size }` publishes that many events of that many bytes. Prints `{"port":N}` once
 * listening; answers the IPC message 'rss' with its RSS after a full GC.
 * Usage: node --expose-gc flood-server.cjs '<options as JSON>'
 */
'use strict';
const http = require('node:http');
const path = require('node:path');
const { Hub, WebSocket } = require(path.join(__dirname, '../../dist/cjs/adapters/index.js'));

const { hub: useHub, ...options } = JSON.parse(process.argv[2] || '{}');
const hub = useHub ? new Hub() : null;
const stats = { messages: 0, pings: 0, errors: [], closes: [] };
const server = http.createServer((req, res) => res.end());
server.on('upgrade', (req, socket, head) => {
  const ws = new WebSocket(req, socket, head, null, options);
  if (hub !== null) void hub.subscribe(ws, 't');
  else ws.on('message', (e) => {
    stats.messages++;
    ws.send(e.data);
  });
  ws.on('ping', () => stats.pings++);
  ws.on('error', (e) => stats.errors.push(e.error.code));
  ws.on('close', (e) => stats.closes.push(e.code));
});
server.listen(0, '127.0.0.1', () => console.log(JSON.stringify({ port: server.address().port })));
process.on('message', async (message) => {
  if (message && typeof message === 'object' && hub !== null) {
    const data = 'x'.repeat(message.size);
    for (let n = 0; n < message.publish; n++) {
      await hub.publish('t', data);
      // One turn per event, as events published from many requests would come.
      await new Promise((resolve) => setImmediate(resolve));
    }
    return process.send({ published: message.publish, subscribers: hub.size('t') });
  }
  if (message !== 'rss') return;
  global.gc();
  process.send({ rss: process.memoryUsage().rss, ...stats });
});
// Bounded in time whatever happens to the test that started it.
setTimeout(() => process.exit(0), 120000).unref();
process.on('disconnect', () => process.exit(0));

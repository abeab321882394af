'use strict';
// A small WebSocket client on hatchway's Client: connects to a URL, sends a line, and prints
// every reply until the server closes (or, with WAIT_FOR=N, until N replies came, then closes).
//
// Usage:
//   node examples/client/client.js ws://127.0.0.1:9001/ "hello"
//   URL=wss://example.test/ws MESSAGE=hello npm run example:client
// Options from the environment: PROTOCOLS (comma-separated), WAIT_FOR (replies before closing),
// CA_FILE (a PEM file to trust for wss:), INSECURE=1 (no certificate checks). A proxy is taken
// from HTTP_PROXY / HTTPS_PROXY / NO_PROXY as the Client does by default.
const { Client } = require('hatchway');

const url = process.argv[2] || process.env.URL || 'ws://127.0.0.1:9001/';
const message = process.argv[3] ?? process.env.MESSAGE ?? 'hello from hatchway';
const protocols = process.env.PROTOCOLS ? process.env.PROTOCOLS.split(',').map((p) => p.trim()) : null;
const waitFor = process.env.WAIT_FOR ? Number(process.env.WAIT_FOR) : 1;
const tls = {};
if (process.env.CA_FILE) tls.rootCertFile = process.env.CA_FILE;
if (process.env.INSECURE === '1') tls.verifyPeer = false;

const ws = new Client(url, protocols, { tls, handshakeTimeout: 10 });
let replies = 0;

ws.on('open', () => {
  console.log(`connected to ${ws.url}${ws.protocol ? ` (protocol ${ws.protocol})` : ''}`);
  ws.send(message);
  console.log(`> ${message}`);
});

ws.on('message', (event) => {
  const text = typeof event.data === 'string' ? event.data : `<${event.data.byteLength} bytes> ${Buffer.from(event.data).toString('hex')}`;
  console.log(`< ${text}`);
  replies += 1;
  if (waitFor > 0 && replies >= waitFor) ws.close(1000, 'done');
});

ws.on('error', (event) => {
  const status = ws.statusCode !== undefined ? ` (HTTP ${ws.statusCode})` : '';
  console.error(`error: ${event.message}${status}`);
});

ws.on('close', (event) => {
  console.log(`closed ${event.code}${event.reason ? ` ${event.reason}` : ''}${event.wasClean ? '' : ' (not clean)'}`);
  process.exitCode = event.wasClean ? 0 : 1;
});

for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => ws.close(1000, 'interrupted'));

'use strict';
// An Express app that echoes every WebSocket message, on any path, back to its sender, with
// permessage-deflate (RFC 7692) offered to clients that ask for it.
const http = require('node:http');
const express = require('express');
const { WebSocket, permessageDeflate } = require('hatchway');

// The timeouts hatchway's listen() and createServer() use: a connection whose request head is not
// complete within 20 s (a trickled handshake, or one that never sends a byte) is cut, checked every 5 s.
// This server answers upgrades itself rather than through attach(), so it sets them itself.
const SERVER_OPTIONS = { headersTimeout: 20_000, connectionsCheckingInterval: 5_000 };

function createEchoServer() {
  const app = express();
  app.get('/', (req, res) => {
    res.type('text/plain').send('hatchway echo server: open a WebSocket on any path\n');
  });

  // One plugin object serves every connection; each gets its own compression session.
  const extensions = [permessageDeflate()];
  const server = http.createServer(SERVER_OPTIONS, app);
  server.on('upgrade', (req, socket, head) => {
    const ws = new WebSocket(req, socket, head, null, { extensions });
    ws.on('message', (event) => ws.send(event.data));
  });
  return server;
}

module.exports = { createEchoServer };

'use strict';
// An Express app that echoes every WebSocket message, on any path, back to its sender, with
// permessage-deflate (RFC 7692) offered to clients that ask for it.
const http = require('node:http');
const express = require('express');
const { WebSocket, permessageDeflate } = require('hatchway');

function createEchoServer() {
  const app = express();
  app.get('/', (req, res) => {
    res.type('text/plain').send('hatchway echo server: open a WebSocket on any path\n');
  });

  // One plugin object serves every connection; each gets its own compression session.
  const extensions = [permessageDeflate()];
  const server = http.createServer(app);
  server.on('upgrade', (req, socket, head) => {
    const ws = new WebSocket(req, socket, head, null, { extensions });
    ws.on('message', (event) => ws.send(event.data));
  });
  return server;
}

module.exports = { createEchoServer };

'use strict';
// An Express app that echoes every WebSocket message, on any path, back to its sender.
const http = require('node:http');
const express = require('express');
const { WebSocket } = require('hatchway');

function createEchoServer() {
  const app = express();
  app.get('/', (req, res) => {
    res.type('text/plain').send('hatchway echo server: open a WebSocket on any path\n');
  });

  const server = http.createServer(app);
  server.on('upgrade', (req, socket, head) => {
    const ws = new WebSocket(req, socket, head);
    ws.on('message', (event) => ws.send(event.data));
  });
  return server;
}

module.exports = { createEchoServer };

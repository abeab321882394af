/**
 * An echo server on 127.0.0.1 for the tests: every upgrade request becomes a hatchway
 * WebSocket that sends each message back as it came (text as text, binary as binary).
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocket, type WebSocketOptions } from '../../src/index.js';

export interface EchoServer {
  port: number;
  url: string;
  server: http.Server;
  sessions: Set<WebSocket>;
  close(): Promise<void>;
}

export interface EchoServerOptions extends WebSocketOptions {
  /** Passed to `http.createServer`. */
  headersTimeout?: number;
  requestTimeout?: number;
  maxHeaderSize?: number;
}

export async function startEchoServer(options: EchoServerOptions = {}): Promise<EchoServer> {
  const { headersTimeout, requestTimeout, maxHeaderSize, ...socketOptions } = options;
  const serverOptions: http.ServerOptions = {};
  if (headersTimeout !== undefined) serverOptions.headersTimeout = headersTimeout;
  if (requestTimeout !== undefined) serverOptions.requestTimeout = requestTimeout;
  if (maxHeaderSize !== undefined) serverOptions.maxHeaderSize = maxHeaderSize;
  if (headersTimeout !== undefined || requestTimeout !== undefined) serverOptions.connectionsCheckingInterval = 100;
  const server = http.createServer(serverOptions, (req, res) => {
    // Node fires 'upgrade' only when both Upgrade and Connection: upgrade are present; a
    // half-formed handshake arrives here and is refused as the RFC asks (RFC 6455 §4.2.1).
    if (req.headers.upgrade !== undefined || req.headers['sec-websocket-key'] !== undefined) {
      res.writeHead(400, { 'Content-Type': 'text/plain', Connection: 'close' });
      res.end('Bad Request');
      return;
    }
    res.writeHead(200, { 'Content-Type': 'text/plain' });
    res.end('echo server');
  });
  const sessions = new Set<WebSocket>();
  server.on('upgrade', (req, socket, head) => {
    const ws = new WebSocket(req, socket, head, socketOptions.protocols ?? null, socketOptions);
    sessions.add(ws);
    ws.on('message', (event) => ws.send(event.data));
    ws.on('close', () => sessions.delete(ws));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    port,
    url: `ws://127.0.0.1:${port}`,
    server,
    sessions,
    close: () =>
      new Promise<void>((resolve) => {
        for (const ws of sessions) ws.terminate();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

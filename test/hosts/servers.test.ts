/**
 * `attach()` on servers other than the default `http.createServer` one: an `https` server with
 * a certificate made at test time, and an `http.Server` built with `new` and a `request`
 * listener added afterwards.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import express from 'express';
import WS from 'ws';
import { attach, websocket } from '../../adapters/express.js';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const selfsigned = require('selfsigned') as {
  generate(attrs: Array<{ name: string; value: string }>, options: { days: number; keySize?: number }): Promise<{ private: string; cert: string }>;
};

function echoApp(): express.Express {
  const app = express();
  app.use(websocket((ws, req) => {
    ws.send(ws.url);
    void req;
    ws.on('message', (event) => ws.send(event.data));
  }));
  return app;
}

async function roundTrip(url: string, options: WS.ClientOptions = {}): Promise<string[]> {
  const client = new WS(url, options);
  const got: string[] = [];
  await new Promise<void>((resolve, reject) => {
    client.on('error', reject);
    client.on('open', () => client.send('over the wire'));
    client.on('message', (data) => {
      got.push(data.toString());
      if (got.length === 2) client.close(1000);
    });
    client.on('close', () => resolve());
  });
  return got;
}

function listen(server: http.Server | https.Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
}

test('an https server: wss:// URL and echo', async () => {
  const { private: key, cert } = await selfsigned.generate([{ name: 'commonName', value: 'localhost' }], { days: 1, keySize: 2048 });
  const app = echoApp();
  const server = attach(https.createServer({ key, cert }, app), app);
  const port = await listen(server);
  try {
    const got = await roundTrip(`wss://127.0.0.1:${port}/secure`, { ca: cert, servername: 'localhost' } as WS.ClientOptions);
    expect(got).toEqual([`wss://127.0.0.1:${port}/secure`, 'over the wire']);
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
});

test('a server made with new http.Server() and a request listener added later', async () => {
  const app = echoApp();
  const server = new http.Server();
  server.on('request', app);
  attach(server, app);
  const port = await listen(server);
  try {
    expect(await roundTrip(`ws://127.0.0.1:${port}/plain`)).toEqual([`ws://127.0.0.1:${port}/plain`, 'over the wire']);
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
});

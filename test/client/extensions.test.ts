/**
 * The client's side of extension negotiation: it offers permessage-deflate, activates what the
 * server answers, and compresses and inflates on a real connection, against hatchway and ws.
 */
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import { Client, permessageDeflate, type PermessageDeflateOptions } from '../../src/index.js';
import { startEchoServer } from '../helpers/echo-server.js';

async function echoThrough(url: string, options: PermessageDeflateOptions = {}): Promise<{ extensions: string; echoed: string[] }> {
  const client = new Client(url, null, { extensions: [permessageDeflate({ threshold: 0, ...options })] });
  const messages = ['hello '.repeat(100), 'x', '', 'κόσμε'.repeat(1000)];
  const echoed: string[] = [];
  await new Promise<void>((resolve, reject) => {
    client.on('error', (event) => reject(event.error));
    client.on('open', () => messages.forEach((m) => client.send(m)));
    client.on('message', (event) => {
      echoed.push(event.data as string);
      if (echoed.length === messages.length) client.close(1000);
    });
    client.on('close', () => resolve());
  });
  return { extensions: client.extensions, echoed };
}

const EXPECTED = ['hello '.repeat(100), 'x', '', 'κόσμε'.repeat(1000)];

test('against hatchway with permessageDeflate()', async () => {
  const server = await startEchoServer({ extensions: [permessageDeflate({ threshold: 0 })] });
  try {
    const result = await echoThrough(server.url);
    expect(result.extensions).toMatch(/^permessage-deflate/);
    expect(result.echoed).toEqual(EXPECTED);
  } finally {
    await server.close();
  }
});

test.each<[string, PermessageDeflateOptions, object]>([
  ['defaults', {}, {}],
  ['no context takeover both ways', { serverNoContextTakeover: true, clientNoContextTakeover: true }, { serverNoContextTakeover: true }],
  ['small windows', { serverMaxWindowBits: 10, clientMaxWindowBits: 9 }, { serverMaxWindowBits: 10, clientMaxWindowBits: 9 }],
])('against ws with perMessageDeflate: %s', async (_name, clientOptions, serverOptions) => {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: { threshold: 0, ...serverOptions } });
  await new Promise((resolve) => wss.once('listening', resolve));
  wss.on('connection', (ws) => ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary })));
  try {
    const result = await echoThrough(`ws://127.0.0.1:${(wss.address() as AddressInfo).port}/`, clientOptions);
    expect(result.extensions).toMatch(/^permessage-deflate/);
    expect(result.echoed).toEqual(EXPECTED);
  } finally {
    await new Promise((resolve) => wss.close(resolve));
  }
});

test('a server that declines the offer: the connection opens uncompressed', async () => {
  const server = await startEchoServer();
  try {
    const result = await echoThrough(server.url);
    expect(result.extensions).toBe('');
    expect(result.echoed).toEqual(EXPECTED);
  } finally {
    await server.close();
  }
});

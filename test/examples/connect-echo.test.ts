/**
 * examples/connect-echo: Connect 3 with `app.use('/echo', websocket(...))`.
 */
import { handshakeError, serve, TestClient, within, type RunningExample } from './example-helpers.js';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { createConnectEchoApp } = require('../../examples/connect-echo/app.js') as { createConnectEchoApp(): unknown };

let example: RunningExample | undefined;

beforeEach(async () => {
  example = await serve(createConnectEchoApp());
});

afterEach(async () => {
  await TestClient.closeAll();
  await example?.close();
  example = undefined;
});

test('echoes text as text and binary as binary, in order, to the sender only', async () => {
  const client = await TestClient.open(`${example!.wsBase}/echo`);
  const other = await TestClient.open(`${example!.wsBase}/echo`);
  client.send('hello');
  client.send(Buffer.from([0, 1, 2, 254, 255]));
  client.send('héllo wörld ✓');
  await client.waitFor((m) => m.text === 'héllo wörld ✓', 'the third echo');
  expect(client.received.map((m) => m.binary)).toEqual([false, true, false]);
  expect(client.received[0]!.text).toBe('hello');
  expect(client.received[2]!.text).toBe('héllo wörld ✓');
  other.send('mine');
  await other.waitFor((m) => m.text === 'mine', "the other client's echo");
  expect(other.received).toEqual([{ text: 'mine', binary: false }]);
  expect(client.received).toHaveLength(3);
});

test('echoes binary bytes exactly', async () => {
  const client = await TestClient.open(`${example!.wsBase}/echo`);
  const bytes = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
  const got = new Promise<Buffer>((resolve) => client.ws.once('message', (data) => resolve(data as Buffer)));
  client.send(bytes);
  expect(Buffer.compare(await within(got, 'the binary echo'), bytes)).toBe(0);
});

test('a large message is echoed whole', async () => {
  const client = await TestClient.open(`${example!.wsBase}/echo`);
  const big = 'x'.repeat(1024 * 1024);
  client.send(big);
  const echoed = await client.waitFor((m) => m.text.length === big.length, 'the 1 MiB echo');
  expect(echoed.text === big).toBe(true);
});

test('agrees on the "echo" subprotocol when the client asks for it', async () => {
  const client = await TestClient.open(`${example!.wsBase}/echo`, ['echo']);
  expect(client.ws.protocol).toBe('echo');
  client.send('with protocol');
  await client.waitFor((m) => m.text === 'with protocol', 'the echo');
});

test('also accepts sub-paths of /echo and query strings', async () => {
  const client = await TestClient.open(`${example!.wsBase}/echo/deeper?x=1`);
  client.send('deep');
  await client.waitFor((m) => m.text === 'deep', 'the echo');
});

test('other paths are not WebSocket endpoints: 404', async () => {
  const error = await handshakeError(`${example!.wsBase}/elsewhere`);
  expect(error.message).toMatch(/Unexpected server response: 404/);
});

test('the index page says where the echo is', async () => {
  const response = await fetch(`${example!.httpBase}/`);
  expect(response.status).toBe(200);
  expect(await response.text()).toMatch(/\/echo/);
});

import WS from 'ws';
import { startEchoServer, type EchoServer } from '../helpers/echo-server.js';

let server: EchoServer;
beforeAll(async () => { server = await startEchoServer(); });
afterAll(() => server.close());

test('echo text, binary, big, close', async () => {
  const client = new WS(server.url);
  const got: unknown[] = [];
  await new Promise((r) => client.once('open', r));
  const done = new Promise<void>((resolve) => client.on('message', (d, isBinary) => { got.push([isBinary, d.length]); if (got.length === 3) resolve(); }));
  client.send('hello');
  client.send(Buffer.alloc(70000, 1));
  client.send('x'.repeat(200000));
  await done;
  expect(got).toEqual([[false, 5], [true, 70000], [false, 200000]]);
  const closed = new Promise<[number, string]>((r) => client.on('close', (c, reason) => r([c, reason.toString()])));
  client.close(4000, 'bye');
  expect(await closed).toEqual([4000, '']);
});

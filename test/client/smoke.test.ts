import { Client } from '../../src/index.js';
import { startEchoServer } from '../helpers/echo-server.js';
import { WebSocketServer } from 'ws';
test('client echo against hatchway and ws', async () => {
  const server = await startEchoServer();
  const c = new Client(server.url + '/x', ['a']);
  const got: unknown[] = [];
  await new Promise<void>((resolve) => {
    c.on('open', () => { c.send('hi'); c.send(Buffer.from([1, 2, 3])); c.send('x'.repeat(100000)); });
    c.on('message', (e) => { got.push(typeof e.data === 'string' ? e.data.length : [...(e.data as Buffer)]); if (got.length === 3) c.close(1000, 'bye'); });
    c.on('close', (e) => { got.push([e.code, e.wasClean]); resolve(); });
  });
  expect(got).toEqual([2, [1, 2, 3], 100000, [1000, true]]);
  await server.close();
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await new Promise((r) => wss.once('listening', r));
  wss.on('connection', (ws) => ws.on('message', (d, b) => ws.send(d, { binary: b })));
  const c2 = new Client(`ws://127.0.0.1:${(wss.address() as any).port}`);
  const echoed = await new Promise((resolve) => { c2.on('open', () => c2.send('yo')); c2.on('message', (e) => resolve(e.data)); });
  expect(echoed).toBe('yo');
  const closed = new Promise((r) => c2.on('close', (e) => r(e.code)));
  c2.close();
  expect(await closed).toBe(1000);
  wss.close();
  const c3 = new Client('ws://127.0.0.1:1/');
  const events: string[] = [];
  await new Promise<void>((resolve) => { c3.on('error', (e) => events.push(e.error.constructor.name + ':' + (e.error as any).code)); c3.on('close', (e) => { events.push('close:' + e.code); resolve(); }); });
  expect(events).toEqual(['ConnectionError:WS_ERR_SOCKET', 'close:1006']);
});

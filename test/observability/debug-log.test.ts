/**
 * `NODE_DEBUG=hatchway`: a child process runs a small server and client on the built package
 * (`dist/cjs`, from `npm run build`) and the debug lines it writes to stderr are checked: handshakes
 * accepted and refused with their status, closes with code, reason and who started them, failures
 * with their error code. Without the variable, the same script writes nothing.
 */
import { spawn } from 'node:child_process';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');
const ENTRY = path.join(ROOT, 'dist/cjs/adapters/index.js');

const SCRIPT = `
const http = require('node:http');
const { WebSocket, Client, EventSource } = require(${JSON.stringify(ENTRY)});
const server = http.createServer((req, res) => {
  const es = new EventSource(req, res);
  setTimeout(() => es.close(), 10);
});
server.on('upgrade', (req, socket, head) => {
  const ws = new WebSocket(req, socket, head, null, { origins: (origin) => origin !== 'https://refused.example' });
  ws.on('error', () => {});
});
server.listen(0, '127.0.0.1', async () => {
  const url = 'ws://127.0.0.1:' + server.address().port + '/dbg';
  const once = (c, type) => new Promise((resolve) => c.once(type, resolve));
  const good = new Client(url);
  await once(good, 'open');
  good.close(4001, 'done');
  await once(good, 'close');
  const refused = new Client(url, null, { headers: { Origin: 'https://refused.example' } });
  refused.on('error', () => {});
  await once(refused, 'close');
  await new Promise((resolve) => {
    http.get({ host: '127.0.0.1', port: server.address().port, headers: { Accept: 'text/event-stream' } }, (res) => {
      res.resume();
      res.on('end', resolve);
    });
  });
  server.close();
  setTimeout(() => process.exit(0), 50);
});
setTimeout(() => process.exit(2), 5000).unref();
`;

function run(env: NodeJS.ProcessEnv): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', SCRIPT], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const killer = setTimeout(() => child.kill('SIGKILL'), 10000);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(killer);
      resolve({ code, stderr });
    });
  });
}

test('NODE_DEBUG=hatchway writes handshake, close and failure lines', async () => {
  const { code, stderr } = await run({ ...process.env, NODE_DEBUG: 'hatchway' });
  expect(code).toBe(0);
  const lines = stderr.split('\n').filter((l) => /^HATCHWAY \d+: /.test(l));
  const has = (pattern: RegExp): void => expect(lines.filter((l) => pattern.test(l))).not.toEqual([]);
  has(/server handshake accepted ws:\/\/127\.0\.0\.1:\d+\/dbg: 101/);
  has(/client handshake accepted ws:\/\/127\.0\.0\.1:\d+\/dbg: 101/);
  has(/server websocket open /);
  has(/client websocket closed .*code 4001 reason "" clean, by local/);
  has(/server websocket closed .*code 4001 reason "done" clean, by peer/);
  has(/server handshake refused .*: 403 WS_ERR_/);
  has(/client handshake refused .*: 403 WS_ERR_HANDSHAKE_STATUS/);
  has(/client websocket error .*WS_ERR_HANDSHAKE_STATUS/);
  has(/client websocket closed .*code 1006 .*unclean, by neither side/);
  has(/eventsource open http:\/\/127\.0\.0\.1:\d+\//);
  has(/eventsource closed .*: closed/);
});

test('without NODE_DEBUG nothing is written', async () => {
  const env = { ...process.env };
  delete env.NODE_DEBUG;
  const { code, stderr } = await run(env);
  expect(code).toBe(0);
  expect(stderr).toBe('');
});

/**
 * examples/client/client.js, run as a user runs it (`node examples/client/client.js URL MESSAGE`
 * and `npm run example:client` with URL and MESSAGE in the environment), against hatchway's echo
 * server: it connects, sends the line, prints the reply and closes cleanly.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as net from 'node:net';
import * as path from 'node:path';
import { startEchoServer, type EchoServer } from '../helpers/echo-server.js';
import { within } from './example-helpers.js';

const root = path.resolve(__dirname, '../..');
let child: ChildProcess | undefined;
let echo: EchoServer | undefined;

afterEach(async () => {
  if (child?.pid !== undefined && child.exitCode === null && child.signalCode === null) process.kill(-child.pid, 'SIGKILL');
  child = undefined;
  await echo?.close();
  echo = undefined;
});

function run(command: string, args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const clean: NodeJS.ProcessEnv = { ...process.env, ...env };
  for (const name of ['HTTP_PROXY', 'http_proxy', 'HTTPS_PROXY', 'https_proxy', 'NO_PROXY', 'no_proxy']) delete clean[name];
  const started = spawn(command, args, { cwd: root, env: clean, detached: true });
  child = started;
  let stdout = '';
  let stderr = '';
  started.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  started.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return within(new Promise((resolve) => started.on('exit', (code) => resolve({ code, stdout, stderr }))), `${command} ${args.join(' ')} to finish`, 15_000);
}

test('node examples/client/client.js URL MESSAGE: sends the line, prints the echo, closes with 1000', async () => {
  echo = await startEchoServer();
  const result = await run('node', ['examples/client/client.js', `${echo.url}/path`, 'hi there']);
  expect(result.stdout.split('\n').filter(Boolean)).toEqual([`connected to ${echo.url}/path`, '> hi there', '< hi there', 'closed 1000']);
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
}, 20_000);

test('npm run example:client with URL, MESSAGE and PROTOCOLS from the environment', async () => {
  echo = await startEchoServer({ protocols: ['echo.v1'] });
  const result = await run('npm', ['run', '--silent', 'example:client'], { URL: echo.url, MESSAGE: 'from env', PROTOCOLS: 'other, echo.v1' });
  expect(result.stdout.split('\n').filter(Boolean)).toEqual([`connected to ${echo.url}/ (protocol echo.v1)`, '> from env', '< from env', 'closed 1000']);
  expect(result.code).toBe(0);
}, 20_000);

test('a refused connection prints the error and exits with 1', async () => {
  const placeholder = net.createServer();
  await new Promise<void>((resolve) => placeholder.listen(0, '127.0.0.1', resolve));
  const { port } = placeholder.address() as net.AddressInfo;
  await new Promise((resolve) => placeholder.close(resolve));
  const result = await run('node', ['examples/client/client.js', `ws://127.0.0.1:${port}/`, 'x']);
  expect(result.stderr).toMatch(/^error: network error: ws:\/\/127\.0\.0\.1:\d+\/: connect ECONNREFUSED/);
  expect(result.stdout).toBe('closed 1006 (not clean)\n');
  expect(result.code).toBe(1);
}, 20_000);

test('a refused handshake prints the HTTP status', async () => {
  echo = await startEchoServer({ origins: ['https://allowed.example'] });
  const result = await run('node', ['examples/client/client.js', echo.url, 'x']);
  expect(result.stderr).toBe('error: unexpected response status 403 (HTTP 403)\n');
  expect(result.code).toBe(1);
}, 20_000);

/**
 * `hatchway connect`, spawned: scripted round trips through pipes against `hatchway listen`, binary
 * output, what reaches the server (headers, subprotocols, permessage-deflate), and the exit status
 * with its one line `hatchway: <error>` for a bad URL, a refused port, a refused handshake and
 * closes that are not clean.
 */
import * as http from 'node:http';
import * as net from 'node:net';
import { WebSocket } from '../../src/index.js';
import { CONNECT_HELP } from '../../adapters/cli/connect.js';
import { LISTEN_HELP } from '../../adapters/cli/listen.js';
import { SSE_HELP } from '../../adapters/cli/sse.js';
import { MAIN_HELP } from '../../adapters/cli/help.js';
import { closeAll, listen } from '../client/helpers.js';
import { run, startListen } from './cli-helpers.js';

afterEach(closeAll);

/** A server whose WebSockets run `onSocket`; records each handshake's headers. */
async function server(onSocket: (ws: WebSocket) => void, protocols: string[] = []): Promise<{ port: number; requests: http.IncomingHttpHeaders[] }> {
  const requests: http.IncomingHttpHeaders[] = [];
  const http1 = http.createServer((_req, res) => res.writeHead(404).end());
  http1.on('upgrade', (req: http.IncomingMessage, socket, head) => {
    requests.push(req.headers);
    const ws = new WebSocket(req, socket, head, protocols);
    ws.on('error', () => undefined);
    ws.on('open', () => onSocket(ws));
  });
  return { port: await listen(http1), requests };
}

test('--help of the command and of each subcommand prints its usage and exits 0', async () => {
  expect(await run(['--help'])).toEqual({ code: 0, stdout: MAIN_HELP, stderr: '' });
  expect(await run(['connect', '--help'])).toEqual({ code: 0, stdout: CONNECT_HELP, stderr: '' });
  expect(await run(['listen', '-h'])).toEqual({ code: 0, stdout: LISTEN_HELP, stderr: '' });
  expect(await run(['sse', '--help'])).toEqual({ code: 0, stdout: SSE_HELP, stderr: '' });
  expect(await run(['help', 'connect'])).toEqual({ code: 0, stdout: CONNECT_HELP, stderr: '' });
  expect(await run([])).toEqual({ code: 2, stdout: '', stderr: MAIN_HELP });
  expect(await run(['frobnicate'])).toEqual({ code: 2, stdout: '', stderr: 'hatchway: unknown command "frobnicate" (see hatchway --help)\n' });
});

test('lines of stdin go out as messages and the echoes come out on stdout, then a clean close exits 0', async () => {
  const echo = await startListen();
  const lines = Array.from({ length: 200 }, (_, i) => `line ${i} ${'é'.repeat(i % 7)}`);
  const result = await run(['connect', `ws://127.0.0.1:${echo.port}/echo`], lines.join('\n') + '\n');
  expect(result.code).toBe(0);
  expect(result.stdout).toBe(lines.join('\n') + '\n');
  expect(result.stderr).toBe(`connected to ws://127.0.0.1:${echo.port}/echo\nclosed 1000\n`);
  await echo.waitFor('stdout', /line 199/);
  expect(echo.stdout().split('\n').slice(0, 200)).toEqual(lines);
  expect((await run(['connect', '-q', `ws://127.0.0.1:${echo.port}/`], 'quiet\n')).stderr).toBe('');
});

test('binary messages print as hex, or base64 with --binary base64; the close reason is shown', async () => {
  const { port } = await server((ws) => {
    ws.send(Buffer.from([0, 1, 0xfe, 0xff]));
    ws.send('text');
    ws.close(1000, 'done');
  });
  const hex = await run(['connect', `ws://127.0.0.1:${port}/`]);
  expect(hex).toEqual({ code: 0, stdout: '0001feff\ntext\n', stderr: `connected to ws://127.0.0.1:${port}/\nclosed 1000 done\n` });
  expect((await run(['connect', '--binary', 'base64', `ws://127.0.0.1:${port}/`])).stdout).toBe('AAH+/w==\ntext\n');
  expect(await run(['connect', '--binary', 'octal', `ws://127.0.0.1:${port}/`])).toMatchObject({ code: 2, stderr: 'hatchway: --binary must be hex or base64, not "octal"\n' });
});

test('--header and --protocol reach the server, and the agreed subprotocol is reported', async () => {
  const { port, requests } = await server((ws) => ws.close(1000), ['chat']);
  const result = await run(['connect', '-H', 'X-Token: abc', '--header', 'X-Multi: 1', '-H', 'x-multi: 2', '-p', 'superchat', '--protocol', 'chat', `ws://127.0.0.1:${port}/`]);
  expect(result.code).toBe(0);
  expect(requests[0]!['x-token']).toBe('abc');
  expect(requests[0]!['x-multi']).toBe('1, 2');
  expect(requests[0]!['sec-websocket-protocol']).toBe('superchat, chat');
  expect(result.stderr.split('\n')[0]).toBe(`connected to ws://127.0.0.1:${port}/ (protocol chat)`);
  expect(await run(['connect', '-H', 'no colon', `ws://127.0.0.1:${port}/`])).toMatchObject({ code: 2, stderr: `hatchway: --header "no colon" is not 'NAME: VALUE'\n` });
});

test('--deflate negotiates permessage-deflate with a server that accepts it', async () => {
  const echo = await startListen(['--deflate', '--protocol', 'chat']);
  const url = `ws://127.0.0.1:${echo.port}/`;
  const deflated = await run(['connect', '--deflate', '-p', 'chat', url], `${'x'.repeat(5000)}\nsmall\n`);
  expect(deflated.code).toBe(0);
  expect(deflated.stdout).toBe(`${'x'.repeat(5000)}\nsmall\n`);
  expect(deflated.stderr.split('\n')[0]).toMatch(new RegExp(`^connected to ${url} \\(protocol chat\\) \\(extensions permessage-deflate[^)]*\\)$`));
  expect((await run(['connect', url], 'plain\n')).stderr.split('\n')[0]).toBe(`connected to ${url}`);
});

/** Exactly one line on stderr, `hatchway: ...`. */
function oneErrorLine(stderr: string): string {
  const lines = stderr.split('\n').filter((line) => line.startsWith('hatchway: '));
  expect(lines).toHaveLength(1);
  expect(stderr.endsWith(`${lines[0]}\n`)).toBe(true);
  return lines[0]!;
}

test('a bad URL or bad arguments exit 2 with one line and nothing on stdout', async () => {
  expect(await run(['connect', 'not a url'])).toEqual({ code: 2, stdout: '', stderr: 'hatchway: not a url is not a valid URL\n' });
  expect(await run(['connect', 'ftp://example.com/'])).toEqual({ code: 2, stdout: '', stderr: 'hatchway: ftp://example.com/ is not a ws: or wss: URL\n' });
  expect(await run(['connect', 'ws://example.com/#frag'])).toMatchObject({ code: 2, stderr: 'hatchway: a WebSocket URL has no fragment\n' });
  expect(await run(['connect'])).toMatchObject({ code: 2, stderr: 'hatchway: connect takes one ws: or wss: URL (see hatchway connect --help)\n' });
  const unknown = await run(['connect', '--nope', 'ws://127.0.0.1:1/']);
  expect(unknown.code).toBe(2);
  expect(oneErrorLine(unknown.stderr)).toMatch(/^hatchway: Unknown option '--nope'/);
});

test('a refused port exits 1 with one line naming ECONNREFUSED', async () => {
  const probe = net.createServer();
  const port = await new Promise<number>((resolve) => probe.listen(0, '127.0.0.1', () => resolve((probe.address() as net.AddressInfo).port)));
  await new Promise((resolve) => probe.close(resolve));
  const result = await run(['connect', `ws://127.0.0.1:${port}/`], 'never sent\n');
  expect(result).toEqual({ code: 1, stdout: '', stderr: `hatchway: network error: ws://127.0.0.1:${port}/: connect ECONNREFUSED 127.0.0.1:${port}\n` });
});

test('a refused handshake exits 1 with its status', async () => {
  const refusing = http.createServer((_req, res) => res.writeHead(403).end('no'));
  refusing.on('upgrade', (_req, socket) => socket.end('HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n'));
  const port = await listen(refusing);
  expect(await run(['connect', `ws://127.0.0.1:${port}/`])).toEqual({ code: 1, stdout: '', stderr: 'hatchway: unexpected response status 403\n' });
});

test('a close with another code, or a dropped connection, exits 1 with one line', async () => {
  const closing = await server((ws) => ws.close(4000, 'go away'));
  const result = await run(['connect', `ws://127.0.0.1:${closing.port}/`]);
  expect(result.code).toBe(1);
  expect(result.stderr).toBe(`connected to ws://127.0.0.1:${closing.port}/\nclosed 4000 go away\nhatchway: the server closed the connection with 4000 go away\n`);
  const dropping = await server((ws) => ws.terminate());
  const dropped = await run(['connect', `ws://127.0.0.1:${dropping.port}/`]);
  expect(dropped.code).toBe(1);
  expect(oneErrorLine(dropped.stderr)).toBe('hatchway: the connection closed abnormally (1006)');
});

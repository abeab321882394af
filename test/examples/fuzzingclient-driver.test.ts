/**
 * `URL=ws://HOST npm run example:fuzzingclient-driver` against a tiny fake Autobahn fuzzing
 * server (a `ws` server on 127.0.0.1): the driver asks for the case count, runs each case echoing
 * every message (text as text, binary as binary, fragmented and large ones included), answers
 * pings, and finally asks for the reports, with agent=hatchway throughout.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { WebSocketServer, type WebSocket as WsSocket } from 'ws';
import { within } from './example-helpers.js';

const root = path.resolve(__dirname, '../..');

interface Echo {
  data: Buffer;
  binary: boolean;
}

interface FakeFuzzingServer {
  url: string;
  /** Request paths (with query) in arrival order. */
  paths: string[];
  /** Echoes received per case number. */
  echoes: Map<number, Echo[]>;
  /** Pong payloads received per case number. */
  pongs: Map<number, Buffer[]>;
  close(): Promise<void>;
}

const BIG = Buffer.alloc(100 * 1024, 0xab);

/** What each case sends: [payload parts, binary]; several parts make one fragmented message. */
const CASES: Record<number, Array<[Buffer[], boolean]>> = {
  1: [
    [[Buffer.from('Hello, world!')], false],
    [[Buffer.from([0, 1, 2, 255])], true],
    [[Buffer.alloc(0)], false],
  ],
  2: [
    [[Buffer.from('frag'), Buffer.from('mented €')], false],
    [[BIG], true],
    [[Buffer.from('κόσμε')], false],
  ],
};

function expectedEchoes(n: number): Echo[] {
  return CASES[n]!.map(([parts, binary]) => ({ data: Buffer.concat(parts), binary }));
}

async function startFakeServer(caseCount: number): Promise<FakeFuzzingServer> {
  const paths: string[] = [];
  const echoes = new Map<number, Echo[]>();
  const pongs = new Map<number, Buffer[]>();
  const server = http.createServer((_req, res) => {
    res.writeHead(404);
    res.end();
  });
  const wss = new WebSocketServer({ server });
  wss.on('connection', (ws: WsSocket, req: http.IncomingMessage) => {
    paths.push(req.url ?? '');
    const url = new URL(req.url ?? '/', 'ws://fake');
    if (url.pathname === '/getCaseCount') {
      ws.send(String(caseCount));
      ws.close(1000);
    } else if (url.pathname === '/runCase') {
      const n = Number(url.searchParams.get('case'));
      const got: Echo[] = [];
      echoes.set(n, got);
      pongs.set(n, []);
      const messages = CASES[n] ?? [];
      ws.on('pong', (data) => pongs.get(n)!.push(data));
      ws.on('message', (data, isBinary) => {
        got.push({ data: data as Buffer, binary: isBinary });
        if (got.length === messages.length) ws.close(1000);
      });
      ws.ping(Buffer.from(`ping ${n}`));
      for (const [parts, binary] of messages) parts.forEach((part, i) => ws.send(part, { binary, fin: i === parts.length - 1 }));
      if (messages.length === 0) ws.close(1000);
    } else if (url.pathname === '/updateReports') {
      ws.close(1000);
    } else {
      ws.close(4004);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `ws://127.0.0.1:${port}`,
    paths,
    echoes,
    pongs,
    close: () =>
      new Promise<void>((resolve) => {
        for (const ws of wss.clients) ws.terminate();
        wss.close();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

let child: ChildProcess | undefined;
let fake: FakeFuzzingServer | undefined;

afterEach(async () => {
  if (child?.pid !== undefined && child.exitCode === null && child.signalCode === null) process.kill(-child.pid, 'SIGKILL');
  child = undefined;
  await fake?.close();
  fake = undefined;
});

/** Runs the npm script with `env`; resolves with its exit code and output. */
function runDriver(env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const clean: NodeJS.ProcessEnv = { ...process.env, ...env };
  for (const name of ['HTTP_PROXY', 'http_proxy', 'HTTPS_PROXY', 'https_proxy', 'NO_PROXY', 'no_proxy']) delete clean[name];
  const started = spawn('npm', ['run', '--silent', 'example:fuzzingclient-driver'], { cwd: root, env: clean, detached: true });
  child = started;
  let stdout = '';
  let stderr = '';
  started.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  started.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return within(
    new Promise((resolve) => started.on('exit', (code) => resolve({ code, stdout, stderr }))),
    'the driver to finish',
    20_000,
  );
}

test('runs every case echoing each message as it came, then updates the reports', async () => {
  fake = await startFakeServer(2);
  const result = await runDriver({ URL: fake.url });
  expect(result.stderr.replace(/npm warn.*\n/g, '')).toBe('');
  expect(result.code).toBe(0);
  expect(fake.paths).toEqual(['/getCaseCount', '/runCase?case=1&agent=hatchway', '/runCase?case=2&agent=hatchway', '/updateReports?agent=hatchway']);
  for (const n of [1, 2]) {
    const got = fake.echoes.get(n)!;
    expect(got.map((e) => e.binary)).toEqual(expectedEchoes(n).map((e) => e.binary));
    got.forEach((echo, i) => expect(echo.data.equals(expectedEchoes(n)[i]!.data)).toBe(true));
    expect(fake.pongs.get(n)).toEqual([Buffer.from(`ping ${n}`)]);
  }
  expect(result.stdout).toContain('2 cases on');
  expect(result.stdout).toContain('case 1/2: close 1000');
  expect(result.stdout).toContain('case 2/2: close 1000');
  expect(result.stdout).toContain('reports updated');
}, 30_000);

test('CASES selects cases and AGENT names the agent; a trailing slash in URL is ignored', async () => {
  fake = await startFakeServer(2);
  const result = await runDriver({ URL: `${fake.url}/`, CASES: '2', AGENT: 'my agent' });
  expect(result.code).toBe(0);
  expect(fake.paths).toEqual(['/getCaseCount', '/runCase?case=2&agent=my%20agent', '/updateReports?agent=my%20agent']);
  expect(fake.echoes.get(2)!.map((e) => e.data.length)).toEqual([Buffer.byteLength('fragmented €'), BIG.length, Buffer.byteLength('κόσμε')]);
}, 30_000);

test('no fuzzing server: a clear message and exit code 1', async () => {
  const placeholder = http.createServer();
  await new Promise<void>((resolve) => placeholder.listen(0, '127.0.0.1', resolve));
  const { port } = placeholder.address() as AddressInfo;
  await new Promise((resolve) => placeholder.close(resolve));
  const result = await runDriver({ URL: `ws://127.0.0.1:${port}` });
  expect(result.code).toBe(1);
  expect(result.stderr).toContain(`could not read the case count from ws://127.0.0.1:${port}/getCaseCount`);
  expect(result.stderr).toContain('ECONNREFUSED');
}, 30_000);

/**
 * The echo example, both as a module (in-process) and as `npm run example:echo` in a child
 * process, as the tools that drive it start it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import WS from 'ws';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { createEchoServer } = require('../../examples/echo/app.js') as { createEchoServer(): import('node:http').Server };

function roundTrip(url: string, messages: Array<string | Buffer>, extensions?: (negotiated: string) => void): Promise<Array<[string, boolean]>> {
  return new Promise((resolve, reject) => {
    const client = new WS(url, { perMessageDeflate: { threshold: 0 } });
    const got: Array<[string, boolean]> = [];
    client.on('error', reject);
    client.on('upgrade', (response) => extensions?.(response.headers['sec-websocket-extensions'] ?? ''));
    client.on('open', () => messages.forEach((m) => client.send(m)));
    client.on('message', (data, isBinary) => {
      got.push([data.toString(), isBinary]);
      if (got.length === messages.length) client.close(1000);
    });
    client.on('close', () => resolve(got));
  });
}

test('the echo app echoes text and binary on any path and serves plain HTTP', async () => {
  const server = createEchoServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  try {
    let negotiated = '';
    const big = 'compress me '.repeat(1000);
    const echoed = await roundTrip(`ws://127.0.0.1:${port}/any/path?x=1`, ['hello', Buffer.from('bytes'), big], (header) => (negotiated = header));
    expect(echoed).toEqual([
      ['hello', false],
      ['bytes', true],
      [big, false],
    ]);
    // permessageDeflate() is on: ws's default offer is accepted as is.
    expect(negotiated).toBe('permessage-deflate');
    const response = await fetch(`http://127.0.0.1:${port}/`);
    expect(response.status).toBe(200);
    expect(await response.text()).toMatch(/echo server/);
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
});

describe('npm run example:echo', () => {
  let child: ChildProcess | undefined;
  // npm runs the example in a process of its own: the whole process group is signalled.
  const stop = (): void => {
    if (child?.pid !== undefined && child.exitCode === null) process.kill(-child.pid, 'SIGTERM');
  };
  afterEach(stop);

  test('prints "listening on PORT" and echoes', async () => {
    const root = path.resolve(__dirname, '../..');
    child = spawn('npm', ['run', '--silent', 'example:echo'], {
      cwd: root,
      env: { ...process.env, PORT: '0' },
      detached: true,
    });
    const port = await new Promise<number>((resolve, reject) => {
      let output = '';
      child!.stdout!.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        const match = /listening on (\d+)/.exec(output);
        if (match) resolve(Number(match[1]));
      });
      child!.on('exit', (code) => reject(new Error(`example exited with ${code}: ${output}`)));
    });
    let negotiated = '';
    expect(await roundTrip(`ws://127.0.0.1:${port}/`, ['ping'], (header) => (negotiated = header))).toEqual([['ping', false]]);
    expect(negotiated).toBe('permessage-deflate');
    const exited = new Promise((resolve) => child!.on('exit', resolve));
    stop();
    await exited;
  }, 30000);
});

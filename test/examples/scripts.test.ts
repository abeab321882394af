/**
 * `npm start` and the `npm run example:*` scripts, started as a user starts them, in a child process on an
 * ephemeral port (PORT=0): each prints `listening on <port>` and serves WebSockets there.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { TestClient, within } from './example-helpers.js';

const root = path.resolve(__dirname, '../..');
let child: ChildProcess | undefined;

/** npm runs the example in a process of its own: the whole process group is signalled. */
async function stop(): Promise<void> {
  const running = child;
  child = undefined;
  if (running?.pid === undefined || running.exitCode !== null || running.signalCode !== null) return;
  const exited = new Promise((resolve) => running.once('exit', resolve));
  process.kill(-running.pid, 'SIGTERM');
  try {
    await within(exited, 'the example to exit on SIGTERM');
  } catch (error) {
    process.kill(-running.pid, 'SIGKILL');
    throw error;
  }
}

function start(script: string[]): Promise<number> {
  const started = spawn('npm', [...script, '--silent'], { cwd: root, env: { ...process.env, PORT: '0' }, detached: true });
  child = started;
  return within(
    new Promise<number>((resolve, reject) => {
      let output = '';
      const collect = (chunk: Buffer): void => {
        output += chunk.toString();
        const match = /listening on (\d+)/.exec(output);
        if (match) resolve(Number(match[1]));
      };
      started.stdout!.on('data', collect);
      started.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
      started.on('exit', (code) => reject(new Error(`${script.join(' ')} exited with ${code}: ${output}`)));
    }),
    `${script.join(' ')} to print "listening on <port>"`,
    15000,
  );
}

afterEach(async () => {
  await TestClient.closeAll();
  await stop();
});

const cases: Array<[string, string[], string, (client: TestClient) => Promise<unknown>]> = [
  ['npm start (the demo)', ['start'], '/chat', async (client) => {
    client.send(JSON.stringify({ type: 'name', name: 'script' }));
    return client.waitForJson({ type: 'join', name: 'script' });
  }],
  ['npm run example:demo', ['run', 'example:demo'], '/chat', async (client) => {
    client.send(JSON.stringify({ type: 'message', text: 'hi' }));
    return client.waitForJson({ type: 'message', text: 'hi' });
  }],
  ['npm run example:express-chat', ['run', 'example:express-chat'], '/rooms/a?name=x', async (client) => {
    client.send('hi');
    return client.waitForJson({ type: 'message', room: 'a', from: 'x', text: 'hi' });
  }],
  ['npm run example:connect-echo', ['run', 'example:connect-echo'], '/echo', async (client) => {
    client.send('hi');
    return client.waitFor((m) => m.text === 'hi', 'the echo');
  }],
  ['npm run example:koa-chat', ['run', 'example:koa-chat'], '/rooms/b?name=y', async (client) => {
    client.send('hi');
    return client.waitForJson({ type: 'message', room: 'b', from: 'y', text: 'hi' });
  }],
];

test.each(cases)('%s prints "listening on <port>" and serves WebSockets', async (_, script, wsPath, exercise) => {
  const port = await start(script);
  const client = await TestClient.open(`ws://127.0.0.1:${port}${wsPath}`);
  await exercise(client);
  await stop();
  // SIGTERM closes the server, which closes live sockets with 1001 (going away).
  expect((await client.closed).code).toBe(1001);
}, 30000);

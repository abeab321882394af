/**
 * `hatchway sse <url>`, spawned: events printed one per line (or as JSON), a reconnection that
 * sends `Last-Event-ID`, Ctrl-C ending it with 0, a stream refused for good (exit 1, one line),
 * bad URLs (exit 2), and the stream of `hatchway listen --sse` fed by `hatchway connect`.
 */
import * as http from 'node:http';
import { closeAll, listen, within } from '../client/helpers.js';
import { run, start, startListen } from './cli-helpers.js';

afterEach(closeAll);

/** Answers the nth request (from 0) with `bodies[n]`, ending it unless it is the last; records Last-Event-ID. */
async function streamServer(bodies: string[]): Promise<{ port: number; lastIds: Array<string | undefined> }> {
  const lastIds: Array<string | undefined> = [];
  const server = http.createServer((req, res) => {
    const n = lastIds.push(req.headers['last-event-id'] as string | undefined) - 1;
    res.writeHead(200, { 'Content-Type': 'text/event-stream' });
    res.write(bodies[Math.min(n, bodies.length - 1)]!);
    if (n < bodies.length - 1) res.end();
  });
  return { port: await listen(server), lastIds };
}

test('prints each event, reconnects with Last-Event-ID, and Ctrl-C exits 0', async () => {
  const { port, lastIds } = await streamServer(['retry: 50\nid: 1\ndata: a\n\n', 'id: 2\nevent: note\ndata: b\n\ndata: two\ndata: lines\n\nevent: other\ndata: skipped\n\n']);
  const reader = start(['sse', '-e', 'note', `http://127.0.0.1:${port}/events`]);
  await reader.waitFor('stdout', /^a\nb\ntwo\nlines\n$/);
  expect(lastIds).toEqual([undefined, '1']);
  expect(reader.stderr()).toMatch(
    new RegExp(`^connected to http://127.0.0.1:${port}/events\nreconnecting \\(the event stream ended\\)\nconnected to http://127.0.0.1:${port}/events \\(Last-Event-ID 1\\)\n$`),
  );
  reader.child.kill('SIGINT');
  expect(await within(reader.exited, 'sse to exit')).toBe(0);
});

test('--json prints each event as a JSON line', async () => {
  const { port } = await streamServer(['id: 7\ndata: {"x":1}\n\n']);
  const reader = start(['sse', '--json', '-q', `http://127.0.0.1:${port}/`]);
  await reader.waitFor('stdout', /\n/);
  expect(reader.stdout()).toBe('{"type":"message","data":"{\\"x\\":1}","lastEventId":"7"}\n');
  expect(reader.stderr()).toBe('');
  reader.child.kill('SIGTERM');
  expect(await within(reader.exited, 'sse to exit')).toBe(0);
});

test('a response that is not an event stream exits 1 with one line; bad URLs exit 2', async () => {
  const server = http.createServer((_req, res) => res.writeHead(404).end('no'));
  const port = await listen(server);
  expect(await run(['sse', `http://127.0.0.1:${port}/`])).toEqual({ code: 1, stdout: '', stderr: 'hatchway: unexpected response status 404\n' });
  expect(await run(['sse', 'not a url'])).toEqual({ code: 2, stdout: '', stderr: 'hatchway: not a url is not a valid URL\n' });
  expect(await run(['sse', 'ws://127.0.0.1/'])).toEqual({ code: 2, stdout: '', stderr: 'hatchway: ws://127.0.0.1/ is not an http: or https: URL\n' });
  expect(await run(['sse'])).toMatchObject({ code: 2, stderr: 'hatchway: sse takes one http: or https: URL (see hatchway sse --help)\n' });
});

test('sse reads the stream of listen --sse, fed by connect', async () => {
  const server = await startListen(['--sse', '/events']);
  const reader = start(['sse', `http://127.0.0.1:${server.port}/events`]);
  await reader.waitFor('stderr', /connected/);
  expect(await run(['connect', `ws://127.0.0.1:${server.port}/`], 'hello\nworld\n')).toMatchObject({ code: 0 });
  await reader.waitFor('stdout', /^hello\nworld\n$/);
  reader.child.kill('SIGINT');
  expect(await within(reader.exited, 'sse to exit')).toBe(0);
});

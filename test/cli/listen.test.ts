/**
 * `hatchway listen`, spawned: echo (to the sender only), `--broadcast` between two spawned
 * `connect`s, `--sse PATH` read with a plain HTTP GET (and its Last-Event-ID replay), a port in use,
 * bad options, and the graceful shutdown on SIGTERM that closes the peers with 1001.
 */
import * as http from 'node:http';
import { closeAll, within } from '../client/helpers.js';
import { run, start, startListen } from './cli-helpers.js';

afterEach(closeAll);

function connect(port: number): ReturnType<typeof start> {
  return start(['connect', `ws://127.0.0.1:${port}/`]);
}

test('echo by default: a message goes back to its sender only, and listen prints it', async () => {
  const server = await startListen();
  expect(server.stderr()).toBe(`listening on ws://127.0.0.1:${server.port}/\n`);
  const a = connect(server.port);
  const b = connect(server.port);
  await Promise.all([a.waitFor('stderr', /connected/), b.waitFor('stderr', /connected/)]);
  a.child.stdin!.write('only for a\n');
  await a.waitFor('stdout', /only for a\n/);
  await server.waitFor('stdout', /^only for a\n/);
  b.child.stdin!.write('b\n');
  await b.waitFor('stdout', /^b\n/);
  expect(b.stdout()).toBe('b\n');
  a.child.stdin!.end();
  b.child.stdin!.end();
  expect(await Promise.all([a.exited, b.exited])).toEqual([0, 0]);
  await server.waitFor('stderr', /closed 1000[\s\S]*closed 1000/);
});

test('--broadcast relays each message to every open peer, the sender included', async () => {
  const server = await startListen(['--broadcast']);
  const a = connect(server.port);
  const b = connect(server.port);
  await Promise.all([a.waitFor('stderr', /connected/), b.waitFor('stderr', /connected/)]);
  a.child.stdin!.write('from a\n');
  await Promise.all([a.waitFor('stdout', /^from a\n/), b.waitFor('stdout', /^from a\n/)]);
  b.child.stdin!.write('from b\n');
  await Promise.all([a.waitFor('stdout', /^from a\nfrom b\n$/), b.waitFor('stdout', /^from a\nfrom b\n$/)]);
  a.child.stdin!.end();
  b.child.stdin!.end();
  expect(await Promise.all([a.exited, b.exited])).toEqual([0, 0]);
});

/** GETs an event stream and collects its body until `until` matches. */
function readStream(port: number, path: string, until: RegExp, headers: http.OutgoingHttpHeaders = {}): Promise<{ status: number; type: string; body: string }> {
  return within(
    new Promise((resolve, reject) => {
      const request = http.get({ host: '127.0.0.1', port, path, headers: { Accept: 'text/event-stream', ...headers } }, (response) => {
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => {
          body += chunk;
          if (until.test(body)) {
            request.destroy();
            resolve({ status: response.statusCode ?? 0, type: String(response.headers['content-type']), body });
          }
        });
      });
      request.on('error', reject);
    }),
    `an event stream matching ${until}`,
  );
}

test('--sse PATH serves an event stream fed by the messages, replaying after Last-Event-ID', async () => {
  const server = await startListen(['--sse', '/events']);
  expect(server.stderr()).toBe(`listening on ws://127.0.0.1:${server.port}/ (event stream at http://127.0.0.1:${server.port}/events)\n`);
  const first = readStream(server.port, '/events', /data: two\n\n/);
  // The stream is open (its first bytes are out) before the messages are sent.
  await new Promise((resolve) => setTimeout(resolve, 300));
  const sent = await run(['connect', `ws://127.0.0.1:${server.port}/`], 'one\ntwo\n');
  expect(sent).toMatchObject({ code: 0, stdout: 'one\ntwo\n' });
  const stream = await first;
  expect(stream.status).toBe(200);
  expect(stream.type).toMatch(/^text\/event-stream/);
  expect(stream.body).toMatch(/id: 1\ndata: one\n\nid: 2\ndata: two\n\n/);
  const replay = await readStream(server.port, '/events', /data: two\n\n/, { 'Last-Event-ID': '1' });
  expect(replay.body).not.toMatch(/data: one/);
  const other = await new Promise<number>((resolve) =>
    http.get({ host: '127.0.0.1', port: server.port, path: '/nope' }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    }),
  );
  expect(other).toBe(404);
});

test('SIGTERM closes the peers with 1001 and exits 0; a port in use exits 1 with one line', async () => {
  const server = await startListen();
  const busy = await run(['listen', '--port', String(server.port)]);
  expect(busy).toEqual({ code: 1, stdout: '', stderr: `hatchway: listen EADDRINUSE: address already in use 127.0.0.1:${server.port}\n` });
  const peer = connect(server.port);
  await peer.waitFor('stderr', /connected/);
  server.child.kill('SIGTERM');
  expect(await within(server.exited, 'listen to exit')).toBe(0);
  expect(server.stderr()).toMatch(/shutting down\n$/);
  expect(await within(peer.exited, 'connect to exit')).toBe(1);
  expect(peer.stderr()).toMatch(/\nclosed 1001[^\n]*\nhatchway: the server closed the connection with 1001[^\n]*\n$/);
});

test('bad options exit 2 with one line', async () => {
  expect(await run(['listen', '--port', 'http'])).toEqual({ code: 2, stdout: '', stderr: 'hatchway: --port must be 0-65535, not "http"\n' });
  expect(await run(['listen', '--port', '70000'])).toMatchObject({ code: 2 });
  expect(await run(['listen', '--sse', 'events'])).toEqual({ code: 2, stdout: '', stderr: 'hatchway: --sse takes a path such as /events, not "events"\n' });
  expect(await run(['listen', 'extra'])).toMatchObject({ code: 2, stderr: 'hatchway: listen takes no arguments, got "extra"\n' });
});

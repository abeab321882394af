/**
 * Behind the `compression` middleware: by default the stream's `Cache-Control: no-transform` makes
 * compression leave it alone; when an app forces compression anyway (its own Cache-Control), the
 * session flushes zlib after every event. Either way each event reaches the client on its own,
 * without waiting for more data.
 */
import * as http from 'node:http';
import * as zlib from 'node:zlib';
import compression from 'compression';
import express from 'express';
import { eventSourceSupport, type EventSource, type EventSourceOptions } from '../../adapters/express.js';
import { cleanup, serve, within } from './helpers.js';

afterEach(cleanup);

async function compressedApp(options: EventSourceOptions) {
  const sessions: EventSource[] = [];
  const waiters: Array<() => void> = [];
  const app = express();
  app.use(compression({ threshold: 0 }));
  app.use(eventSourceSupport());
  app.get('/feed', (_req, res) => {
    sessions.push(res.eventSource(options));
    waiters.shift()?.();
  });
  const { port } = await serve(http.createServer(app));
  const session = async (): Promise<EventSource> => {
    if (sessions.length === 0) await within(new Promise<void>((resolve) => waiters.push(resolve)), 'the session');
    return sessions[0]!;
  };
  return { port, session };
}

/** GETs the feed with `Accept-Encoding: gzip`; the body is gunzipped when it comes compressed. */
function get(port: number): Promise<{ response: http.IncomingMessage; text: () => string; until: (s: string) => Promise<void> }> {
  return within(
    new Promise((resolve, reject) => {
      const request = http.get(
        { port, host: '127.0.0.1', path: '/feed', headers: { accept: 'text/event-stream', 'accept-encoding': 'gzip' } },
        (response) => {
          const body = response.headers['content-encoding'] === 'gzip' ? response.pipe(zlib.createGunzip()) : response;
          let text = '';
          const waiters = new Set<() => void>();
          body.on('data', (chunk: Buffer) => {
            text += chunk.toString();
            for (const waiter of [...waiters]) waiter();
          });
          body.on('error', () => {});
          const until = (suffix: string): Promise<void> => {
            let check: () => void = () => {};
            return within(
              new Promise<void>((done) => {
                check = () => text.endsWith(suffix) && done();
                waiters.add(check);
                check();
              }),
              `${JSON.stringify(suffix)} (so far ${JSON.stringify(text)})`,
            ).finally(() => waiters.delete(check));
          };
          resolve({ response, text: () => text, until });
        },
      );
      request.on('error', reject);
    }),
    'the response head',
  );
}

test('no-transform: compression leaves the stream alone and every event arrives at once', async () => {
  const { port, session } = await compressedApp({ ping: 0 });
  const { response, until, text } = await get(port);
  expect(response.headers['content-encoding']).toBeUndefined();
  expect(response.headers['cache-control']).toBe('no-cache, no-transform');
  const es = await session();
  await until(':\n\n');
  es.send('first');
  await until('data: first\n\n');
  es.send('second');
  await until('data: second\n\n');
  expect(text()).toBe(':\n\ndata: first\n\ndata: second\n\n');
  response.destroy();
});

test('compression forced on: events are flushed through gzip one by one', async () => {
  const { port, session } = await compressedApp({ ping: 0, headers: { 'Cache-Control': 'no-cache' } });
  const { response, until, text } = await get(port);
  expect(response.headers['content-encoding']).toBe('gzip');
  const es = await session();
  await until(':\n\n');
  es.send('first');
  await until('data: first\n\n');
  es.send('second', { id: '2' });
  await until('id: 2\ndata: second\n\n');
  expect(text()).toBe(':\n\ndata: first\n\nid: 2\ndata: second\n\n');
  response.destroy();
});

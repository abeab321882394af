/**
 * An event stream on a `node:http2` server (compat API), read by an `http2.connect` client: no
 * connection-specific headers (RFC 9113 §8.2.2), events as they are sent, disconnect detection
 * when the client cancels the stream, and other streams of the same session left alone.
 */
import * as http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { EventSource, type EventSourceCloseEvent } from '../../src/index.js';
import { nextEvent, within } from './helpers.js';

let server: http2.Http2Server | undefined;
let client: http2.ClientHttp2Session | undefined;
const warnings: string[] = [];
const onWarning = (warning: Error): void => void warnings.push(warning.message);

beforeEach(() => process.on('warning', onWarning));
afterEach(async () => {
  process.off('warning', onWarning);
  warnings.length = 0;
  client?.destroy();
  client = undefined;
  const closing = server;
  server = undefined;
  if (closing) await within(new Promise((resolve) => closing.close(resolve)), 'the http2 server to close');
});

async function start(): Promise<{ sessions: () => Promise<EventSource> }> {
  const made: EventSource[] = [];
  const waiters: Array<() => void> = [];
  server = http2.createServer((req, res) => {
    if (!EventSource.isEventSource(req)) return void res.end('plain');
    made.push(new EventSource(req, res, { retry: 1, ping: 0, headers: { 'access-control-allow-origin': '*' } }));
    waiters.shift()?.();
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  client = http2.connect(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  client.on('error', () => {});
  let taken = 0;
  const sessions = async (): Promise<EventSource> => {
    const index = taken++;
    while (made.length <= index) await within(new Promise<void>((resolve) => waiters.push(resolve)), 'a session');
    return made[index]!;
  };
  return { sessions };
}

function open(path: string) {
  const stream = client!.request({ ':path': path, accept: 'text/event-stream' });
  stream.setEncoding('utf8');
  let text = '';
  const waiters = new Set<() => void>();
  stream.on('data', (chunk: string) => {
    text += chunk;
    for (const waiter of [...waiters]) waiter();
  });
  const until = (suffix: string): Promise<string> => {
    let check: () => void = () => {};
    return within(
      new Promise<string>((resolve) => {
        check = () => text.endsWith(suffix) && resolve(text);
        waiters.add(check);
        check();
      }),
      `${JSON.stringify(suffix)} (so far ${JSON.stringify(text)})`,
    ).finally(() => waiters.delete(check));
  };
  const headers = within(new Promise<http2.IncomingHttpHeaders>((resolve) => stream.once('response', resolve)), 'the response headers');
  return { stream, until, headers };
}

test('headers without Connection, then events as they are sent', async () => {
  const { sessions } = await start();
  const feed = open('/feed?x=1');
  const headers = await feed.headers;
  expect(headers[':status']).toBe(200);
  expect(headers['content-type']).toBe('text/event-stream; charset=utf-8');
  expect(headers['cache-control']).toBe('no-cache, no-transform');
  expect(headers['x-accel-buffering']).toBe('no');
  expect(headers['access-control-allow-origin']).toBe('*');
  expect(headers['connection']).toBeUndefined();
  const es = await sessions();
  expect(es.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/feed\?x=1$/);
  expect(es.send('line 1\nline 2', { event: 'note', id: 'n1' })).toBe(true);
  expect(await feed.until('data: line 2\n\n')).toBe('retry: 1000\n\nevent: note\nid: n1\ndata: line 1\ndata: line 2\n\n');
  expect(warnings).toEqual([]);
});

test('the client cancelling its stream closes that session only', async () => {
  const { sessions } = await start();
  const a = open('/a');
  const b = open('/b');
  const esA = await sessions();
  const esB = await sessions();
  await Promise.all([a.until('retry: 1000\n\n'), b.until('retry: 1000\n\n')]);
  const closed = nextEvent<EventSourceCloseEvent>(esA, 'close');
  a.stream.close(http2.constants.NGHTTP2_CANCEL);
  expect((await closed).reason).toBe('disconnected');
  expect(esB.readyState).toBe(EventSource.OPEN);
  esB.send('still');
  await b.until('data: still\n\n');
  esB.close();
  await within(new Promise((resolve) => b.stream.once('end', resolve)), 'the stream to end');
});

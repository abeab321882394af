/**
 * Server-Sent Events on every host (node, Express 4 and 5, Connect 3, Koa 2 and 3), on real
 * loopback sockets read as raw HTTP: `res.eventSource()` / `ctx.eventSource()`, the
 * `eventSource()` middleware, failing handlers, disconnects and server shutdown.
 */
import { RawClient, cleanup, nextEvent, within } from '../sse/helpers.js';
import { HOSTS, type RunningHost } from './hosts.js';

const HELLO_NEW = ':\n\nevent: hello\nid: 1\ndata: hello new\n\n';

describe.each(HOSTS)('$name', (host) => {
  let running: RunningHost;
  beforeEach(async () => {
    running = await host.start();
  });
  afterEach(async () => {
    await cleanup();
    await within(running.close(), 'the server to close');
  });

  test.each(['/sse', '/sse-mw'])('%s answers with an event stream', async (path) => {
    const client = RawClient.get(running.port, path);
    const head = await client.head();
    expect(head).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(head).toMatch(/\r\nContent-Type: text\/event-stream; charset=utf-8\r\n/i);
    expect(head).toMatch(/\r\nCache-Control: no-cache, no-transform\r\n/i);
    // The body is not chunked: it ends with the connection.
    expect(head).toMatch(/\r\nConnection: close(\r\n|$)/i);
    expect(head).not.toMatch(/transfer-encoding/i);
    await client.bodyEndsWith(HELLO_NEW);
    expect(client.body).toBe(HELLO_NEW);
  });

  test.each(['/sse', '/sse-mw'])('%s reads Last-Event-ID', async (path) => {
    const client = RawClient.get(running.port, path, 'Last-Event-ID: 41\r\n');
    await client.bodyEndsWith('data: hello 41\n\n');
  });

  test('the middleware passes requests without Accept: text/event-stream on (here to the 404)', async () => {
    const client = new RawClient(running.port, 'GET /sse-mw HTTP/1.1\r\nHost: x\r\nAccept: text/html\r\n\r\n');
    await client.until((text) => /^HTTP\/1\.1 404 /.test(text), 'the 404');
  });

  test('a client going away closes its stream ("disconnected")', async () => {
    const client = RawClient.get(running.port, '/sse');
    await client.bodyEndsWith(HELLO_NEW);
    const closed = nextEvent<string>(running.streamCloses, 'close');
    client.destroy();
    expect(await closed).toBe('disconnected');
  });

  test.each(['/sse-throw', '/sse-reject'])('a handler failing at %s ends the stream and reaches error handling', async (path) => {
    const client = RawClient.get(running.port, path);
    await within(
      client.closed,
      'the stream to end',
    );
    expect(client.text).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(running.errors).toHaveLength(1);
    expect(String(running.errors[0])).toMatch(/handler (failed|rejected)/);
  });

  test('closing the server ends live streams and their connections, and completes', async () => {
    const clients = [RawClient.get(running.port, '/sse'), RawClient.get(running.port, '/sse-mw')];
    await Promise.all(clients.map((client) => client.bodyEndsWith(HELLO_NEW)));
    await within(running.close(), 'server.close() with live streams');
    for (const client of clients) {
      await within(client.closed, 'the client connection to close');
      expect(client.body).toBe(HELLO_NEW);
    }
    expect(running.streamCloses.reasons).toEqual(['closed', 'closed']);
    running = await host.start();
  });
});

/**
 * The stream as the WebSocket's transport (RFC 8441 §5): RST_STREAM for a reset both ways, a
 * session that ends (a GOAWAY with an error, its socket destroyed) closing every WebSocket on it
 * with 1006 exactly once, a graceful GOAWAY that lets open WebSockets finish, flow control
 * (`bufferedAmount`, `drain`, `maxBuffered`) from a stream the server does not read, and
 * permessage-deflate negotiated on the stream.
 */
import { constants } from 'node:http2';
import { constants as zlib, inflateRawSync } from 'node:zlib';
import { permessageDeflate } from '../../src/index.js';
import { pooledSessionCount } from '../../src/client/http2-session-pool.js';
import { closeAll, isolateProxyVariables, nextEvent, openClient, within, type Recorded } from '../client/helpers.js';
import { startFixture } from './h2-fixture.js';

isolateProxyVariables();
afterEach(closeAll);
afterEach(() => expect(pooledSessionCount()).toBe(0));

/** Every client's log ends with exactly one close, code 1006. */
async function expectEachDropped(clients: Recorded[]): Promise<void> {
  for (const c of clients) {
    const event = await c.closed;
    expect([event.code, event.wasClean]).toEqual([1006, false]);
  }
  // A later turn: no second close comes.
  await new Promise((resolve) => setImmediate(resolve));
  for (const c of clients) expect(c.log.filter((name) => name === 'close')).toEqual(['close']);
}

test('RST_STREAM from the server drops that WebSocket (1006) once, and only that one', async () => {
  const fixture = await startFixture();
  const open = (): Promise<Recorded> => openClient(`${fixture.origin}/`, null, { http2: true });
  const [a, b, c] = [await open(), await open(), await open()];
  // CANCEL is the reset of RFC 8441 §5, as a TCP connection closed without a close frame: no error event.
  (await fixture.peer(0)).stream.close(constants.NGHTTP2_CANCEL);
  await expectEachDropped([a]);
  expect(a.log).toEqual(['open', 'close']);
  // Node's server ends its side of the stream before the reset, and the client may end its own in
  // between: the reset then comes after a closed stream. Either way, one close, and at most one error.
  (await fixture.peer(2)).stream.close(constants.NGHTTP2_INTERNAL_ERROR);
  await expectEachDropped([c]);
  expect(c.errors.map((e) => e.code)).toEqual(c.errors.length === 0 ? [] : ['WS_ERR_SOCKET']);
  b.client.send('still open');
  expect(await b.nextMessage()).toBe('still open');
  expect(fixture.connections()).toBe(1);
  b.client.close();
  await b.closed;
});

test('terminate() resets the stream with CANCEL (RFC 8441 §5)', async () => {
  const fixture = await startFixture();
  const c = await openClient(`${fixture.origin}/`, null, { http2: true });
  const peer = await fixture.peer();
  c.client.terminate();
  expect(await peer.streamClosed).toBe(constants.NGHTTP2_CANCEL);
  await expectEachDropped([c]);
});

test('a GOAWAY with an error code closes every WebSocket of the session with 1006 once; the next client opens a new session', async () => {
  const fixture = await startFixture();
  const clients = await Promise.all(Array.from({ length: 5 }, () => openClient(`${fixture.origin}/`, null, { http2: true })));
  fixture.sessions[0]!.goaway(constants.NGHTTP2_INTERNAL_ERROR);
  await expectEachDropped(clients);
  const next = await openClient(`${fixture.origin}/`, null, { http2: true });
  next.client.send('new session');
  expect(await next.nextMessage()).toBe('new session');
  expect(fixture.connections()).toBe(2);
  next.client.close();
  await next.closed;
});

test("the server's socket destroyed: every WebSocket on it closes with 1006 once", async () => {
  const fixture = await startFixture();
  const clients = await Promise.all(Array.from({ length: 3 }, () => openClient(`${fixture.origin}/`, null, { http2: true })));
  fixture.sockets[0]!.destroy();
  await expectEachDropped(clients);
  expect(pooledSessionCount()).toBe(0);
});

test('a graceful GOAWAY lets the open WebSockets finish; new clients go to a new session', async () => {
  const fixture = await startFixture();
  const open = await openClient(`${fixture.origin}/`, null, { http2: true });
  const goaway = nextEvent(fixture.sessions[0]!, 'close', 'the first session to close at the server');
  fixture.sessions[0]!.close();
  const next = await openClient(`${fixture.origin}/`, null, { http2: true });
  expect(fixture.connections()).toBe(2);
  open.client.send('after the GOAWAY');
  expect(await open.nextMessage()).toBe('after the GOAWAY');
  open.client.close(1000);
  expect((await open.closed).wasClean).toBe(true);
  await goaway;
  next.client.close(1000);
  expect((await next.closed).wasClean).toBe(true);
});

test('a stream the server does not read: send() returns false, bufferedAmount counts, drain comes once it reads again', async () => {
  const fixture = await startFixture({ echo: false, onOpen: (peer) => peer.stream.pause() });
  const c = await openClient(`${fixture.origin}/`, null, { http2: true });
  const peer = await fixture.peer();
  const chunk = Buffer.alloc(16 * 1024, 7);
  let sent = 0;
  // The stream's window (64 KiB by default, RFC 9113 §6.9.2) fills, then the stream's own buffer.
  while (c.client.send(chunk) && sent < 1000) sent++;
  await new Promise((resolve) => setTimeout(resolve, 50));
  const more = Array.from({ length: 16 }, () => c.client.send(chunk));
  expect(more.every((accepted) => !accepted)).toBe(true);
  expect(c.client.bufferedAmount).toBeGreaterThanOrEqual(16 * chunk.length);
  const drained = nextEvent(c.client, 'drain');
  peer.stream.resume();
  await drained;
  expect(c.client.bufferedAmount).toBe(0);
  await within(
    new Promise<void>((resolve) => {
      const check = (): void => (peer.messages.length === sent + 1 + 16 ? resolve() : void setTimeout(check, 5));
      check();
    }),
    'every message to reach the server',
  );
  c.client.close();
  await c.closed;
});

test('maxBuffered over a stream the server does not read: WS_ERR_BUFFER_OVERFLOW, close 1008, the stream reset', async () => {
  const fixture = await startFixture({ echo: false, onOpen: (peer) => peer.stream.pause() });
  const c = await openClient(`${fixture.origin}/`, null, { http2: true, maxBuffered: 256 * 1024 });
  const peer = await fixture.peer();
  const chunk = Buffer.alloc(32 * 1024);
  for (let i = 0; i < 64 && c.client.readyState === c.client.OPEN; i++) {
    c.client.send(chunk);
    await new Promise((resolve) => setImmediate(resolve));
  }
  const event = await c.closed;
  expect([event.code, event.wasClean]).toEqual([1008, false]);
  expect(c.errors.map((e) => e.code)).toEqual(['WS_ERR_BUFFER_OVERFLOW']);
  expect(await peer.streamClosed).toBe(constants.NGHTTP2_CANCEL);
});

test('permessage-deflate is negotiated on the stream: the server sees compressed frames, the echo inflates', async () => {
  const fixture = await startFixture({
    answer: () => ({ ':status': 200, 'sec-websocket-extensions': 'permessage-deflate; server_no_context_takeover; client_no_context_takeover' }),
  });
  const c = await openClient(`${fixture.origin}/`, null, { http2: true, extensions: [permessageDeflate()] });
  expect(fixture.requests[0]!['sec-websocket-extensions']).toMatch(/^permessage-deflate/);
  expect(c.client.extensions).toBe('permessage-deflate; server_no_context_takeover; client_no_context_takeover');
  const text = 'compress me '.repeat(1000);
  c.client.send(text);
  expect(await c.nextMessage()).toBe(text);
  const received = fixture.peers[0]!.messages[0]!;
  // RFC 7692 §7.2.1: RSV1 set, and the payload is the deflated text without its 00 00 ff ff tail.
  expect(received.rsv).toBe(0x40);
  expect(received.data.length).toBeLessThan(text.length / 10);
  const inflated = inflateRawSync(Buffer.concat([received.data, Buffer.from([0, 0, 0xff, 0xff])]), { finishFlush: zlib.Z_SYNC_FLUSH });
  expect(inflated.toString()).toBe(text);
  c.client.close();
  await c.closed;
});

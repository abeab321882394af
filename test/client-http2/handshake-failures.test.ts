/**
 * How an HTTP/2 handshake fails: each as one `error` (typed, with its code) then `close` 1006,
 * `statusCode` and `headers` set whenever an answer came. A server that does not enable extended
 * CONNECT, a TLS server without h2, SETTINGS that never come (the handshake timeout), a refusal, a
 * stream reset before the answer, an answer that fails RFC 6455's checks; and redirects.
 */
import * as https from 'node:https';
import * as net from 'node:net';
import * as tls from 'node:tls';
import { constants, type ServerHttp2Stream } from 'node:http2';
import { ConnectionError, HandshakeError } from '../../src/index.js';
import { listen, onCleanup, record, within, type Recorded } from '../client/helpers.js';
import { clientHttp2Suite } from './suite.js';
import { startFixture } from './h2-fixture.js';

const suite = clientHttp2Suite();

async function expectFailure(c: Recorded, code: string, className: string): Promise<void> {
  const event = await c.closed;
  expect([event.code, event.wasClean]).toEqual([1006, false]);
  expect(c.log).toEqual(['error', 'close']);
  expect(c.errors.map((e) => [e.name, e.code])).toEqual([[className, code]]);
}

test('a server that does not enable extended CONNECT: WS_ERR_HTTP2_NO_EXTENDED_CONNECT, no request sent, for each waiting client', async () => {
  const fixture = await startFixture({ extendedConnect: false });
  const clients = [record(`${fixture.origin}/`, null, { http2: true }), record(`${fixture.origin}/`, null, { http2: true })];
  for (const c of clients) {
    await expectFailure(c, 'WS_ERR_HTTP2_NO_EXTENDED_CONNECT', 'ConnectionError');
    expect(c.errors[0]!.error).toBeInstanceOf(ConnectionError);
    expect(c.errors[0]!.message).toMatch(/RFC 8441/);
    expect(c.client.statusCode).toBeUndefined();
  }
  expect(fixture.requests).toEqual([]);
  expect(fixture.connections()).toBe(1);
  await fixture.connectionsClosed(1);
});

test('wss: to a TLS server without h2: WS_ERR_HTTP2_ALPN (an HTTPS/1.1 server, a TLS server with no ALPN)', async () => {
  const http1 = https.createServer({ key: suite.certs.server.private, cert: suite.certs.server.cert }, (_req, res) => res.end('http/1.1 only'));
  http1.on('tlsClientError', () => undefined);
  const http1Port = await listen(http1);
  const refused = record(`wss://localhost:${http1Port}/`, null, { http2: true, tls: { rootCertFile: suite.certs.caFile } });
  await expectFailure(refused, 'WS_ERR_HTTP2_ALPN', 'ConnectionError');
  expect(refused.errors[0]!.message).toMatch(/does not speak HTTP\/2/);

  const plainTls = tls.createServer({ key: suite.certs.server.private, cert: suite.certs.server.cert }, (socket) => socket.on('error', () => undefined));
  const tlsPort = await listen(plainTls);
  const noAlpn = record(`wss://localhost:${tlsPort}/`, null, { http2: true, tls: { rootCertFile: suite.certs.caFile } });
  await expectFailure(noAlpn, 'WS_ERR_HTTP2_ALPN', 'ConnectionError');
  expect(noAlpn.errors[0]!.message).toMatch(/ALPN: none/);
});

test('TLS verification is on by default over HTTP/2 too', async () => {
  const fixture = await startFixture({ tls: { key: suite.certs.server.private, cert: suite.certs.server.cert } });
  const untrusted = record(`${fixture.origin}/`, null, { http2: true });
  await expectFailure(untrusted, 'WS_ERR_SOCKET', 'ConnectionError');
  expect(untrusted.errors[0]!.message).toMatch(/certificate/);
  const misnamed = await startFixture({ tls: { key: suite.certs.wrongName.private, cert: suite.certs.wrongName.cert } });
  const wrongName = record(`${misnamed.origin}/`, null, { http2: true, tls: { rootCertFile: suite.certs.caFile } });
  await expectFailure(wrongName, 'WS_ERR_SOCKET', 'ConnectionError');
  expect(wrongName.errors[0]!.message).toMatch(/altnames|localhost/i);
  expect(misnamed.requests).toEqual([]);
});

test('SETTINGS that never come end with the handshake timeout, and the connection is cut', async () => {
  const sockets: net.Socket[] = [];
  const closed: Array<Promise<void>> = [];
  const silent = net.createServer((socket) => {
    sockets.push(socket);
    socket.on('error', () => undefined);
    // It reads (and drops) the preface, so that it sees the client's FIN.
    socket.resume();
    closed.push(new Promise((resolve) => socket.once('close', () => resolve())));
    onCleanup(() => void socket.destroy());
  });
  const port = await listen(silent);
  const started = Date.now();
  const c = record(`ws://127.0.0.1:${port}/`, null, { http2: true, handshakeTimeout: 0.3 });
  await expectFailure(c, 'WS_ERR_HANDSHAKE_TIMEOUT', 'ConnectionError');
  expect(Date.now() - started).toBeGreaterThanOrEqual(250);
  expect(sockets).toHaveLength(1);
  await within(closed[0]!, 'the silent server to see its connection closed');
});

test('a refusal (403) sets statusCode and headers; the stream is given up', async () => {
  const fixture = await startFixture({ answer: () => ({ ':status': 403, 'x-why': 'not you' }) });
  const c = record(`${fixture.origin}/`, null, { http2: true });
  await expectFailure(c, 'WS_ERR_HANDSHAKE_STATUS', 'HandshakeError');
  expect(c.errors[0]!.statusCode).toBe(403);
  expect(c.errors[0]!.error).toBeInstanceOf(HandshakeError);
  expect(c.client.statusCode).toBe(403);
  expect(c.client.headers['x-why']).toBe('not you');
  await fixture.connectionsClosed(1);
});

test('a subprotocol or an extension that was not offered fails the checks, with the 200 as the status', async () => {
  const protocol = await startFixture({ answer: () => ({ ':status': 200, 'sec-websocket-protocol': 'other' }) });
  const p = record(`${protocol.origin}/`, ['chat'], { http2: true });
  await expectFailure(p, 'WS_ERR_HANDSHAKE_PROTOCOL', 'HandshakeError');
  expect(p.errors[0]!.statusCode).toBe(200);
  expect(p.client.statusCode).toBe(200);
  const extension = await startFixture({ answer: () => ({ ':status': 200, 'sec-websocket-extensions': 'permessage-deflate' }) });
  const e = record(`${extension.origin}/`, null, { http2: true });
  await expectFailure(e, 'WS_ERR_HANDSHAKE_EXTENSION', 'HandshakeError');
  // The stream the client gave up is reset with CANCEL (RFC 8441 §5).
  expect(await (await extension.peer()).streamClosed).toBe(constants.NGHTTP2_CANCEL);
});

test('a stream reset before the answer; REFUSED_STREAM is sent again once (RFC 9113 §8.7); a refused port', async () => {
  const fixture = await startFixture();
  const handlers = fixture.server.listeners('stream') as Array<(...args: unknown[]) => void>;
  fixture.server.removeAllListeners('stream');
  let refuse = 1;
  let refused = 0;
  fixture.server.on('stream', (stream: ServerHttp2Stream, ...rest: unknown[]) => {
    if (refuse-- <= 0) return handlers[0]!(stream, ...rest);
    refused++;
    stream.on('error', () => undefined);
    stream.close(constants.NGHTTP2_REFUSED_STREAM);
  });
  const retried = record(`${fixture.origin}/`, null, { http2: true });
  await retried.opened;
  expect([refused, fixture.requests.length, fixture.connections()]).toEqual([1, 1, 1]);
  retried.client.close();
  await retried.closed;

  refuse = 2;
  const refusedTwice = record(`${fixture.origin}/`, null, { http2: true });
  await expectFailure(refusedTwice, 'WS_ERR_SOCKET', 'ConnectionError');
  expect(refusedTwice.errors[0]!.message).toMatch(/REFUSED_STREAM/);
  expect(refusedTwice.client.statusCode).toBeUndefined();
  expect([refused, fixture.requests.length]).toEqual([3, 1]);

  fixture.server.removeAllListeners('stream');
  fixture.server.on('stream', (stream: ServerHttp2Stream) => {
    stream.on('error', () => undefined);
    stream.close(constants.NGHTTP2_CANCEL);
  });
  const reset = record(`${fixture.origin}/`, null, { http2: true });
  await expectFailure(reset, 'WS_ERR_SOCKET', 'ConnectionError');
  expect(reset.errors[0]!.message).toMatch(/reset the stream \(code 8\) before answering/);

  const probe = net.createServer();
  const port = await listen(probe);
  await new Promise((resolve) => probe.close(resolve));
  const noServer = record(`ws://127.0.0.1:${port}/`, null, { http2: true });
  await expectFailure(noServer, 'WS_ERR_SOCKET', 'ConnectionError');
  expect(noServer.errors[0]!.message).toMatch(/ECONNREFUSED/);
});

test('close() while waiting for the session gives that client up only', async () => {
  const fixture = await startFixture();
  const stays = record(`${fixture.origin}/`, null, { http2: true });
  const leaves = record(`${fixture.origin}/`, null, { http2: true });
  process.nextTick(() => leaves.client.close());
  await expectFailure(leaves, 'WS_ERR_CLOSED_BEFORE_OPEN', 'ConnectionError');
  await stays.opened;
  stays.client.send('fine');
  expect(await stays.nextMessage()).toBe('fine');
  expect(fixture.requests).toHaveLength(1);
  stays.client.close();
  await stays.closed;
});

test('followRedirects follows a 3xx to another path over HTTP/2; without it the 3xx is a failure', async () => {
  const fixture = await startFixture({
    answer: (headers) => (headers[':path'] === '/old' ? { ':status': 308, location: '/new' } : { ':status': 200 }),
  });
  const followed = record(`${fixture.origin}/old`, null, { http2: true, followRedirects: true });
  await followed.opened;
  expect(fixture.requests.map((h) => h[':path'])).toEqual(['/old', '/new']);
  expect(followed.client.statusCode).toBe(200);
  const notFollowed = record(`${fixture.origin}/old`, null, { http2: true });
  await expectFailure(notFollowed, 'WS_ERR_HANDSHAKE_STATUS', 'HandshakeError');
  expect(notFollowed.client.statusCode).toBe(308);
  followed.client.close();
  await followed.closed;
});

test('option http2 must be a boolean', () => {
  expect(() => record('ws://127.0.0.1:1/', null, { http2: 'yes' as unknown as boolean })).toThrow(
    expect.objectContaining({ code: 'ERR_INVALID_OPTION' }) as unknown as Error,
  );
});

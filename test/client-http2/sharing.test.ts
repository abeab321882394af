/**
 * One HTTP/2 session per origin for the client: clients to the same origin share one TCP
 * connection (counted at the server), each on its own stream; different connection settings get
 * different sessions; the session closes once its last WebSocket has, and a later client opens a
 * new one.
 */
import { pooledSessionCount } from '../../src/client/http2-session-pool.js';
import { openClient, record, type Recorded } from '../client/helpers.js';
import { clientHttp2Suite } from './suite.js';
import { startFixture } from './h2-fixture.js';

const suite = clientHttp2Suite();

async function closeEach(clients: Recorded[]): Promise<void> {
  for (const c of clients) c.client.close(1000);
  for (const c of clients) expect((await c.closed).wasClean).toBe(true);
}

test('two clients to one origin share one TCP connection, each on its own stream', async () => {
  const fixture = await startFixture();
  const a = await openClient(`${fixture.origin}/a`, null, { http2: true });
  const b = await openClient(`${fixture.origin}/b`, null, { http2: true });
  a.client.send('to a');
  b.client.send('to b');
  expect(await a.nextMessage()).toBe('to a');
  expect(await b.nextMessage()).toBe('to b');
  expect(fixture.connections()).toBe(1);
  expect(fixture.sessions).toHaveLength(1);
  expect(fixture.requests.map((h) => h[':path'])).toEqual(['/a', '/b']);
  const [peerA, peerB] = [await fixture.peer(0), await fixture.peer(1)];
  expect(peerA.stream.id).not.toBe(peerB.stream.id);
  await closeEach([a, b]);
  // The last one closed the session: the connection is gone and nothing is pooled.
  await fixture.connectionsClosed(1);
});

test('ten clients made in one turn, over TLS: one connection, ten streams, every echo to its own client', async () => {
  const fixture = await startFixture({ tls: { key: suite.certs.server.private, cert: suite.certs.server.cert } });
  const clients = Array.from({ length: 10 }, (_, i) => record(`${fixture.origin}/n/${i}`, null, { http2: true, tls: { rootCertFile: suite.certs.caFile } }));
  await Promise.all(clients.map((c) => c.opened));
  clients.forEach((c, i) => c.client.send(`message ${i}`));
  for (const [i, c] of clients.entries()) expect(await c.nextMessage()).toBe(`message ${i}`);
  expect(fixture.connections()).toBe(1);
  expect(new Set(fixture.peers.map((p) => p.stream.id)).size).toBe(10);
  expect(pooledSessionCount()).toBe(1);
  // Closing all but one keeps the session; the last one closes it.
  await closeEach(clients.slice(0, 9));
  const last = clients[9]!;
  last.client.send('still here');
  expect(await last.nextMessage()).toBe('still here');
  expect(pooledSessionCount()).toBe(1);
  await closeEach([last]);
  await fixture.connectionsClosed(1);
  expect(pooledSessionCount()).toBe(0);
});

test('a client made after the session closed opens a new connection', async () => {
  const fixture = await startFixture();
  const first = await openClient(`${fixture.origin}/`, null, { http2: true });
  await closeEach([first]);
  await fixture.connectionsClosed(1);
  const second = await openClient(`${fixture.origin}/`, null, { http2: true });
  second.client.send('again');
  expect(await second.nextMessage()).toBe('again');
  expect(fixture.connections()).toBe(2);
  await closeEach([second]);
});

test('other TLS settings, another host name or a terminated client: sessions follow the settings', async () => {
  const fixture = await startFixture({ tls: { key: suite.certs.server.private, cert: suite.certs.server.cert } });
  const url = `${fixture.origin}/`;
  const verified = await openClient(url, null, { http2: true, tls: { rootCertFile: suite.certs.caFile } });
  const sameSettings = await openClient(url, null, { http2: true, tls: { rootCertFile: suite.certs.caFile } });
  const unverified = await openClient(url, null, { http2: true, tls: { verifyPeer: false } });
  const byAddress = await openClient(`wss://127.0.0.1:${fixture.port}/`, null, { http2: true, tls: { rootCertFile: suite.certs.caFile } });
  expect(fixture.connections()).toBe(3);
  expect(pooledSessionCount()).toBe(3);
  // terminate() resets only its own stream; the session stays for the client that shares it.
  sameSettings.client.terminate();
  expect((await sameSettings.closed).code).toBe(1006);
  verified.client.send('unaffected');
  expect(await verified.nextMessage()).toBe('unaffected');
  await closeEach([verified, unverified, byAddress]);
  await fixture.connectionsClosed(3);
});

test('a server that takes 2 streams at once: the third client opens a second connection instead of waiting for ever', async () => {
  const fixture = await startFixture({ maxConcurrentStreams: 2 });
  const clients = Array.from({ length: 3 }, (_, i) => record(`${fixture.origin}/n/${i}`, null, { http2: true }));
  await Promise.all(clients.map((c) => c.opened));
  clients.forEach((c, i) => c.client.send(`message ${i}`));
  for (const [i, c] of clients.entries()) expect(await c.nextMessage()).toBe(`message ${i}`);
  expect(fixture.connections()).toBe(2);
  // The first session left the pool when it was full; the second takes new clients.
  expect(pooledSessionCount()).toBe(1);
  const fourth = await openClient(`${fixture.origin}/n/3`, null, { http2: true });
  expect(fixture.connections()).toBe(2);
  await closeEach([...clients, fourth]);
  await fixture.connectionsClosed(2);
});

test('a server that takes no stream at all: the client fails with an error, it does not hang', async () => {
  const fixture = await startFixture({ maxConcurrentStreams: 0 });
  const client = record(`${fixture.origin}/`, null, { http2: true });
  expect((await client.closed).code).toBe(1006);
  expect(client.errors.map((e) => e.message)).toEqual([expect.stringMatching(/allows no HTTP\/2 stream/)]);
  expect(fixture.requests).toEqual([]);
});

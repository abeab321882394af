/**
 * HTTP/2 through the HTTP CONNECT proxy of the client tests: one tunnel carries the shared session
 * (h2c inside it for ws:, TLS with h2 in ALPN for wss:), the proxy's refusal is the usual
 * `ProxyError`, and the environment's HTTP_PROXY applies as over HTTP/1.1.
 */
import { ProxyError } from '../../src/index.js';
import { openClient, record } from '../client/helpers.js';
import { startProxy } from '../client/proxy-server.js';
import { clientHttp2Suite } from './suite.js';
import { startFixture } from './h2-fixture.js';

const suite = clientHttp2Suite();

test('ws: two clients through the proxy share one tunnel and one session', async () => {
  const fixture = await startFixture();
  const proxy = await startProxy();
  const options = { http2: true, proxy: { origin: proxy.origin } };
  const [a, b] = [await openClient(`${fixture.origin}/a`, null, options), await openClient(`${fixture.origin}/b`, null, options)];
  a.client.send('a through the tunnel');
  b.client.send('b through the tunnel');
  expect(await a.nextMessage()).toBe('a through the tunnel');
  expect(await b.nextMessage()).toBe('b through the tunnel');
  expect(proxy.connects.map((c) => c.authority)).toEqual([`127.0.0.1:${fixture.port}`]);
  expect(fixture.connections()).toBe(1);
  a.client.close();
  b.client.close();
  await a.closed;
  await b.closed;
  // The last WebSocket closed the session, and with it the tunnel.
  await proxy.connects[0]!.closed;
});

test('wss: TLS with h2 inside the tunnel, the certificate checked against the origin', async () => {
  const fixture = await startFixture({ tls: { key: suite.certs.server.private, cert: suite.certs.server.cert } });
  const proxy = await startProxy();
  const c = await openClient(`${fixture.origin}/`, null, { http2: true, tls: { rootCertFile: suite.certs.caFile }, proxy: { origin: proxy.origin } });
  c.client.send('secure tunnel');
  expect(await c.nextMessage()).toBe('secure tunnel');
  expect(proxy.connects.map((r) => r.authority)).toEqual([`localhost:${fixture.port}`]);
  c.client.close();
  await c.closed;
});

test('a proxy that refuses: ProxyError with its status; HTTP_PROXY from the environment is used', async () => {
  const fixture = await startFixture();
  const refusing = await startProxy({ refuse: 403 });
  const refused = record(`${fixture.origin}/`, null, { http2: true, proxy: { origin: refusing.origin } });
  const event = await refused.closed;
  expect(event.code).toBe(1006);
  expect(refused.errors.map((e) => [e.name, e.code, e.statusCode])).toEqual([['ProxyError', 'WS_ERR_PROXY', 403]]);
  expect(refused.errors[0]!.error).toBeInstanceOf(ProxyError);
  expect(fixture.connections()).toBe(0);

  const proxy = await startProxy();
  process.env.HTTP_PROXY = proxy.origin;
  const viaEnvironment = await openClient(`${fixture.origin}/`, null, { http2: true });
  expect(proxy.connects).toHaveLength(1);
  viaEnvironment.client.close();
  await viaEnvironment.closed;
});

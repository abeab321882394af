/**
 * The client through a real HTTP CONNECT proxy started by the test: ws: and wss: (TLS inside the
 * tunnel), Basic auth from the origin's userinfo plus extra headers, proxies that refuse (407,
 * 403, 502), an https: proxy origin (TLS to the proxy), and the environment variables
 * HTTP_PROXY / HTTPS_PROXY / NO_PROXY in both cases.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import * as net from 'node:net';
import type { Duplex } from 'node:stream';
import { Client, ProxyError, WebSocket } from '../../src/index.js';
import { bypassesProxy, proxyFor } from '../../src/client/proxy.js';
import { startEchoServer, type EchoServer } from '../helpers/echo-server.js';
import { closeAll, isolateProxyVariables, listen, onCleanup, record, type Recorded } from './helpers.js';
import { startProxy } from './proxy-server.js';
import { certificatesForFile, secureEchoServer } from './tls-fixtures.js';

const certs = certificatesForFile();

isolateProxyVariables();
afterEach(closeAll);

async function echo(): Promise<EchoServer> {
  const server = await startEchoServer();
  onCleanup(() => server.close());
  return server;
}

async function roundTrip(c: Recorded, text = 'through the tunnel'): Promise<void> {
  await c.opened;
  c.client.send(text);
  expect(await c.nextMessage()).toBe(text);
}

async function expectProxyRefusal(c: Recorded, status: number): Promise<void> {
  const event = await c.closed;
  expect([event.code, event.wasClean]).toEqual([1006, false]);
  expect(c.log).toEqual(['error', 'close']);
  expect(c.errors.map((e) => [e.name, e.code, e.statusCode])).toEqual([['ProxyError', 'WS_ERR_PROXY', status]]);
  expect(c.errors[0]!.error).toBeInstanceOf(ProxyError);
  expect(c.errors[0]!.message).toContain(`status ${status}`);
  // The proxy's answer is not the WebSocket handshake response.
  expect(c.client.statusCode).toBeUndefined();
}

/** Resolves every name to 127.0.0.1 (for direct connections to made-up names). */
const toLoopback: net.LookupFunction = (_hostname, options, callback) => {
  if ((options as { all?: boolean }).all === true) {
    (callback as unknown as (e: null, a: Array<{ address: string; family: number }>) => void)(null, [{ address: '127.0.0.1', family: 4 }]);
  } else callback(null, '127.0.0.1', 4);
};

describe('the proxy option', () => {
  test('ws: through an HTTP proxy: one tunnel to host:port, the proxy resolves the name', async () => {
    const target = await echo();
    const proxy = await startProxy({ hosts: { 'only-the-proxy-knows.invalid': '127.0.0.1' } });
    const c = record(`ws://only-the-proxy-knows.invalid:${target.port}/via?proxy=1`, null, { proxy: { origin: proxy.origin } });
    await roundTrip(c);
    expect(proxy.tunnels()).toBe(1);
    expect(proxy.connects.map((r) => [r.authority, r.headers.host, r.headers['proxy-authorization']])).toEqual([
      [`only-the-proxy-knows.invalid:${target.port}`, `only-the-proxy-knows.invalid:${target.port}`, undefined],
    ]);
    const [session] = target.sessions;
    expect(session!.url).toBe(`ws://only-the-proxy-knows.invalid:${target.port}/via?proxy=1`);
  });

  test('ws: without a port goes to :80 through the tunnel', async () => {
    const proxy = await startProxy({ refuse: 502 });
    const c = record('ws://example.invalid/', null, { proxy: { origin: proxy.origin } });
    await c.closed;
    expect(proxy.connects.map((r) => r.authority)).toEqual(['example.invalid:80']);
  });

  test('wss: TLS runs inside the tunnel, verified against the target host, with SNI', async () => {
    const target = await secureEchoServer(certs.server);
    const proxy = await startProxy();
    const c = record(`wss://localhost:${target.port}/`, null, { proxy: { origin: proxy.origin }, tls: { ca: certs.ca.cert } });
    await roundTrip(c);
    expect(proxy.connects.map((r) => r.authority)).toEqual([`localhost:${target.port}`]);
    expect(target.servernames).toEqual(['localhost']);
  });

  test('wss: without a port goes to :443 through the tunnel', async () => {
    const proxy = await startProxy({ refuse: 502 });
    const c = record('wss://example.invalid/', null, { proxy: { origin: proxy.origin } });
    await c.closed;
    expect(proxy.connects.map((r) => r.authority)).toEqual(['example.invalid:443']);
  });

  test('wss: to an IP address through a proxy checks the certificate against that IP, not the proxy', async () => {
    // The proxy is at 127.0.0.1; the server at 127.0.0.2 has a certificate for 127.0.0.2 only.
    const good = await secureEchoServer(certs.ipTwo, '127.0.0.2');
    const proxy = await startProxy();
    await roundTrip(record(`wss://127.0.0.2:${good.port}/`, null, { proxy: { origin: proxy.origin }, tls: { ca: certs.ca.cert } }));
    // And a certificate for 127.0.0.1 (the proxy's address) must not pass for 127.0.0.2.
    const bad = await secureEchoServer(certs.server, '127.0.0.2');
    const c = record(`wss://127.0.0.2:${bad.port}/`, null, { proxy: { origin: proxy.origin }, tls: { ca: certs.ca.cert } });
    await c.closed;
    expect(c.errors.map((e) => e.code)).toEqual(['WS_ERR_SOCKET']);
    expect((c.errors[0]!.cause as NodeJS.ErrnoException).code).toBe('ERR_TLS_CERT_ALTNAME_INVALID');
    expect(proxy.tunnels()).toBe(2);
  });

  test('wss: through the proxy still fails verification without the CA', async () => {
    const target = await secureEchoServer(certs.server);
    const proxy = await startProxy();
    const c = record(`wss://localhost:${target.port}/`, null, { proxy: { origin: proxy.origin } });
    await c.closed;
    expect(c.log).toEqual(['error', 'close']);
    expect((c.errors[0]!.cause as NodeJS.ErrnoException).code).toBe('UNABLE_TO_VERIFY_LEAF_SIGNATURE');
    expect(proxy.tunnels()).toBe(1);
  });

  test('Basic auth from the origin userinfo (percent-decoded), and extra headers reach the proxy', async () => {
    const target = await echo();
    const proxy = await startProxy({ auth: 'us@er:p:ss' });
    const origin = `http://us%40er:p%3Ass@127.0.0.1:${proxy.port}`;
    const c = record(target.url, null, { proxy: { origin, headers: { 'X-Proxy-Token': 'abc', 'User-Agent': 'hatchway-test' } } });
    await roundTrip(c);
    const [connect] = proxy.connects;
    expect(connect!.headers['proxy-authorization']).toBe(`Basic ${Buffer.from('us@er:p:ss').toString('base64')}`);
    expect(connect!.headers['x-proxy-token']).toBe('abc');
    expect(connect!.headers['user-agent']).toBe('hatchway-test');
  });

  test('wss: with auth through the proxy', async () => {
    const target = await secureEchoServer(certs.server);
    const proxy = await startProxy({ auth: 'user:pass' });
    await roundTrip(
      record(`wss://localhost:${target.port}/`, null, { proxy: { origin: `http://user:pass@127.0.0.1:${proxy.port}` }, tls: { ca: certs.ca.cert } }),
    );
    expect(proxy.connects.map((r) => r.status)).toEqual([200]);
  });

  test('the WebSocket server does not see the proxy credentials', async () => {
    let seen: string | undefined = 'unset';
    const target = await echo();
    target.server.prependListener('upgrade', (req) => {
      seen = req.headers['proxy-authorization'];
    });
    const proxy = await startProxy({ auth: 'user:pass' });
    await roundTrip(record(target.url, null, { proxy: { origin: `http://user:pass@127.0.0.1:${proxy.port}` } }));
    expect(seen).toBeUndefined();
  });

  test('auth required and none given: ProxyError 407, close 1006, no tunnel', async () => {
    const target = await echo();
    const proxy = await startProxy({ auth: 'user:pass' });
    await expectProxyRefusal(record(target.url, null, { proxy: { origin: proxy.origin } }), 407);
    expect(proxy.tunnels()).toBe(0);
    expect(target.sessions.size).toBe(0);
  });

  test('a wrong password: ProxyError 407', async () => {
    const target = await echo();
    const proxy = await startProxy({ auth: 'user:pass' });
    await expectProxyRefusal(record(target.url, null, { proxy: { origin: `http://user:wrong@127.0.0.1:${proxy.port}` } }), 407);
  });

  test.each([403, 502])('a proxy refusing with %i: ProxyError with that status', async (status) => {
    const target = await echo();
    const proxy = await startProxy({ refuse: status });
    await expectProxyRefusal(record(target.url, null, { proxy: { origin: proxy.origin } }), status);
    // wss: is refused the same way, before any TLS.
    await expectProxyRefusal(record(`wss://localhost:${target.port}/`, null, { proxy: { origin: proxy.origin } }), status);
  });

  test('the proxy cannot reach the target: 502 from the proxy', async () => {
    const closed = net.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const deadPort = (closed.address() as net.AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const proxy = await startProxy();
    await expectProxyRefusal(record(`ws://127.0.0.1:${deadPort}/`, null, { proxy: { origin: proxy.origin } }), 502);
  });

  test('a proxy that is not listening: ConnectionError WS_ERR_PROXY with ECONNREFUSED as cause', async () => {
    const closed = net.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as net.AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const c = record('ws://127.0.0.1:1/', null, { proxy: { origin: `http://127.0.0.1:${port}` } });
    const event = await c.closed;
    expect(event.code).toBe(1006);
    expect(c.errors.map((e) => [e.name, e.code])).toEqual([['ConnectionError', 'WS_ERR_PROXY']]);
    expect((c.errors[0]!.cause as NodeJS.ErrnoException).code).toBe('ECONNREFUSED');
  });

  test('a proxy origin that is not http: or https: fails the connection', async () => {
    const c = record('ws://127.0.0.1:1/', null, { proxy: { origin: 'socks5://127.0.0.1:1080' } });
    await c.closed;
    expect(c.errors.map((e) => [e.name, e.code])).toEqual([['ConnectionError', 'WS_ERR_PROXY']]);
  });

  test('handshakeTimeout covers a proxy that never answers the CONNECT', async () => {
    const proxy = await startProxy({ silent: true });
    const c = record('ws://127.0.0.1:1/', null, { proxy: { origin: proxy.origin }, handshakeTimeout: 0.3 });
    const event = await c.closed;
    expect(event.code).toBe(1006);
    expect(c.errors.map((e) => e.code)).toEqual(['WS_ERR_HANDSHAKE_TIMEOUT']);
    expect(proxy.connects).toHaveLength(1);
  });

  test('close() while the CONNECT is pending: error and close 1006, the proxy connection is dropped', async () => {
    const proxy = await startProxy({ silent: true });
    const c = record('ws://127.0.0.1:1/', null, { proxy: { origin: proxy.origin } });
    await proxy.requested(1);
    c.client.close();
    expect(c.client.readyState).toBe(Client.CLOSING);
    const event = await c.closed;
    expect([event.code, event.wasClean]).toEqual([1006, false]);
    expect(c.errors.map((e) => e.code)).toEqual(['WS_ERR_CLOSED_BEFORE_OPEN']);
    await proxy.connects[0]!.closed;
  });

  test.each(['ws', 'wss'])('a failed handshake through the tunnel (%s:) closes the connection to the proxy', async (scheme) => {
    const proxy = await startProxy();
    const badAccept = (_req: http.IncomingMessage, socket: Duplex): void => {
      // Upgraded sockets of an HTTP server allow half-open: close ours when the client leaves.
      socket.on('end', () => socket.destroy());
      socket.on('error', () => undefined);
      socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: wrong\r\n\r\n');
    };
    const server = scheme === 'ws' ? http.createServer() : https.createServer({ key: certs.server.private, cert: certs.server.cert });
    server.on('upgrade', badAccept);
    const port = await listen(server);
    const c = record(`${scheme}://localhost:${port}/`, null, { proxy: { origin: proxy.origin }, tls: { ca: certs.ca.cert } });
    await c.closed;
    expect(c.errors.map((e) => e.code)).toEqual(['WS_ERR_HANDSHAKE_ACCEPT']);
    expect(proxy.tunnels()).toBe(1);
    await proxy.connects[0]!.closed;
  });

  test('net options apply to the connection to the proxy (localAddress)', async () => {
    const target = await echo();
    const proxy = await startProxy();
    await roundTrip(record(target.url, null, { proxy: { origin: proxy.origin }, net: { localAddress: '127.0.0.2' } }));
    expect(proxy.connects.map((r) => r.remoteAddress)).toEqual(['127.0.0.2']);
  });
});

describe('an https: proxy origin (TLS to the proxy)', () => {
  test('ws: through an https: proxy verified with proxy.tls.ca', async () => {
    const target = await echo();
    const proxy = await startProxy({ tls: { key: certs.server.private, cert: certs.server.cert } });
    expect(proxy.origin.startsWith('https://')).toBe(true);
    await roundTrip(record(target.url, null, { proxy: { origin: proxy.origin, tls: { ca: certs.ca.cert } } }));
    expect(proxy.tunnels()).toBe(1);
  });

  test('wss: through an https: proxy (TLS inside TLS) with auth', async () => {
    const target = await secureEchoServer(certs.server);
    const proxy = await startProxy({ tls: { key: certs.server.private, cert: certs.server.cert }, auth: 'a:b' });
    const c = record(`wss://localhost:${target.port}/`, null, {
      proxy: { origin: `https://a:b@127.0.0.1:${proxy.port}`, tls: { ca: certs.ca.cert } },
      tls: { ca: certs.ca.cert },
    });
    await roundTrip(c);
    expect(target.servernames).toEqual(['localhost']);
  });

  test('an https: proxy whose certificate is not trusted: WS_ERR_PROXY with the certificate error as cause', async () => {
    const target = await echo();
    const proxy = await startProxy({ tls: { key: certs.server.private, cert: certs.server.cert } });
    const c = record(target.url, null, { proxy: { origin: proxy.origin } });
    const event = await c.closed;
    expect(event.code).toBe(1006);
    expect(c.errors.map((e) => e.code)).toEqual(['WS_ERR_PROXY']);
    expect((c.errors[0]!.cause as NodeJS.ErrnoException).code).toBe('UNABLE_TO_VERIFY_LEAF_SIGNATURE');
    expect(proxy.connects).toHaveLength(0);
  });
});

describe('proxies from the environment', () => {
  test.each(['HTTP_PROXY', 'http_proxy'])('%s is used for ws:', async (name) => {
    const target = await echo();
    const proxy = await startProxy();
    process.env[name] = proxy.origin;
    await roundTrip(record(target.url));
    expect(proxy.tunnels()).toBe(1);
  });

  test.each(['HTTPS_PROXY', 'https_proxy'])('%s is used for wss:', async (name) => {
    const target = await secureEchoServer(certs.server);
    const proxy = await startProxy();
    process.env[name] = proxy.origin;
    await roundTrip(record(`wss://localhost:${target.port}/`, null, { tls: { ca: certs.ca.cert } }));
    expect(proxy.connects.map((r) => r.authority)).toEqual([`localhost:${target.port}`]);
  });

  test('HTTPS_PROXY is not used for ws:, HTTP_PROXY is not used for wss:', async () => {
    const target = await echo();
    const secure = await secureEchoServer(certs.server);
    const proxy = await startProxy();
    process.env.HTTPS_PROXY = proxy.origin;
    await roundTrip(record(target.url));
    delete process.env.HTTPS_PROXY;
    process.env.HTTP_PROXY = proxy.origin;
    await roundTrip(record(`wss://localhost:${secure.port}/`, null, { tls: { ca: certs.ca.cert } }));
    expect(proxy.connects).toHaveLength(0);
  });

  test('a proxy variable without a scheme (host:port) is an http: proxy', async () => {
    const target = await echo();
    const proxy = await startProxy();
    process.env.HTTP_PROXY = `127.0.0.1:${proxy.port}`;
    await roundTrip(record(target.url));
    expect(proxy.tunnels()).toBe(1);
  });

  test('credentials in the variable become Proxy-Authorization', async () => {
    const target = await echo();
    const proxy = await startProxy({ auth: 'env:secret' });
    process.env.HTTP_PROXY = `http://env:secret@127.0.0.1:${proxy.port}`;
    await roundTrip(record(target.url));
    expect(proxy.connects.map((r) => r.status)).toEqual([200]);
  });

  test('loopback is not exempt by itself', async () => {
    const target = await echo();
    const proxy = await startProxy();
    process.env.HTTP_PROXY = proxy.origin;
    await roundTrip(record(target.url));
    await roundTrip(record(`ws://localhost:${target.port}/`));
    expect(proxy.connects.map((r) => r.authority)).toEqual([`127.0.0.1:${target.port}`, `localhost:${target.port}`]);
  });

  test('the proxy option wins over the environment', async () => {
    const target = await echo();
    const fromEnv = await startProxy();
    const fromOption = await startProxy();
    process.env.HTTP_PROXY = fromEnv.origin;
    await roundTrip(record(target.url, null, { proxy: { origin: fromOption.origin } }));
    expect([fromEnv.tunnels(), fromOption.tunnels()]).toEqual([0, 1]);
  });

  test('a refusing proxy from the environment gives a ProxyError', async () => {
    const target = await echo();
    const proxy = await startProxy({ refuse: 403 });
    process.env.HTTP_PROXY = proxy.origin;
    await expectProxyRefusal(record(target.url), 403);
  });

  describe('NO_PROXY exemptions (direct connections, no CONNECT at the proxy)', () => {
    const direct = async (noProxy: string, url: (port: number) => string, lower = false): Promise<number> => {
      const target = await echo();
      const proxy = await startProxy({ hosts: { 'svc.internal.test': '127.0.0.1', 'a.b.example.test': '127.0.0.1' } });
      process.env.HTTP_PROXY = proxy.origin;
      process.env[lower ? 'no_proxy' : 'NO_PROXY'] = noProxy;
      await roundTrip(record(url(target.port), null, { net: { lookup: toLoopback } }));
      return proxy.connects.length;
    };

    test('an exact host', async () => {
      expect(await direct('other.test,127.0.0.1', (port) => `ws://127.0.0.1:${port}/`)).toBe(0);
    });

    test('an exact host in no_proxy (lower case)', async () => {
      expect(await direct('127.0.0.1', (port) => `ws://127.0.0.1:${port}/`, true)).toBe(0);
    });

    test('a host name is matched case-insensitively', async () => {
      expect(await direct('SVC.Internal.TEST', (port) => `ws://svc.internal.test:${port}/`)).toBe(0);
    });

    test.each(['.example.test', 'example.test', '*.example.test'])('the suffix %s covers subdomains', async (entry) => {
      expect(await direct(entry, (port) => `ws://a.b.example.test:${port}/`)).toBe(0);
    });

    test('a suffix does not match a name that merely ends with the same letters', async () => {
      const target = await echo();
      const proxy = await startProxy({ hosts: { 'badexample.test': '127.0.0.1' } });
      process.env.HTTP_PROXY = proxy.origin;
      process.env.NO_PROXY = 'example.test';
      await roundTrip(record(`ws://badexample.test:${target.port}/`));
      expect(proxy.connects.map((r) => r.authority)).toEqual([`badexample.test:${target.port}`]);
    });

    test('* exempts every host', async () => {
      expect(await direct('*', (port) => `ws://127.0.0.1:${port}/`)).toBe(0);
    });

    test('host:port exempts that port only', async () => {
      const target = await echo();
      const proxy = await startProxy();
      process.env.HTTP_PROXY = proxy.origin;
      process.env.NO_PROXY = `127.0.0.1:${target.port}`;
      await roundTrip(record(target.url));
      expect(proxy.connects).toHaveLength(0);
      process.env.NO_PROXY = `127.0.0.1:${target.port + 1}`;
      await roundTrip(record(target.url));
      expect(proxy.connects.map((r) => r.authority)).toEqual([`127.0.0.1:${target.port}`]);
    });

    test('an entry for another host leaves the proxy in use', async () => {
      expect(await direct('localhost,other.test', (port) => `ws://127.0.0.1:${port}/`)).toBe(1);
    });

    test('a bare IPv6 entry (::1) exempts ws://[::1]', async () => {
      // An echo server on ::1.
      const v6 = http.createServer();
      v6.on('upgrade', (req, socket, head) => {
        const ws = new WebSocket(req, socket, head);
        ws.on('message', (event) => ws.send(event.data));
        onCleanup(() => ws.terminate());
      });
      await new Promise<void>((resolve) => v6.listen(0, '::1', resolve));
      onCleanup(() => new Promise<void>((resolve) => v6.close(() => resolve())));
      const port = (v6.address() as net.AddressInfo).port;
      const proxy = await startProxy();
      process.env.HTTP_PROXY = proxy.origin;
      process.env.NO_PROXY = '::1';
      await roundTrip(record(`ws://[::1]:${port}/`));
      process.env.NO_PROXY = `[::1]:${port}`;
      await roundTrip(record(`ws://[::1]:${port}/`));
      expect(proxy.connects).toHaveLength(0);
    });
  });
});

describe('proxyFor and bypassesProxy (the decision alone)', () => {
  const url = (s: string): URL => new URL(s);
  test.each([
    ['ws://a.example:81/', 'a.example', true],
    ['ws://a.example:81/', 'a.example:81', true],
    ['ws://a.example:81/', 'a.example:80', false],
    ['ws://a.example/', 'a.example:80', true],
    ['wss://a.example/', 'a.example:443', true],
    ['wss://a.example/', 'a.example:80', false],
    ['ws://x.a.example/', '.a.example', true],
    ['ws://xa.example/', 'a.example', false],
    ['ws://[::1]:9/', '::1', true],
    ['ws://[::1]:9/', '[::1]', true],
    ['ws://[::1]:9/', '[::1]:9', true],
    ['ws://[::1]:9/', '[::1]:8', false],
    ['ws://[2001:db8::1]/', '2001:db8::1', true],
    ['ws://127.0.0.1/', 'localhost', false],
    ['ws://localhost/', '127.0.0.1', false],
    ['ws://a.example/', ' b.example , a.example ', true],
    ['ws://a.example/', 'b.example a.example', true],
    ['ws://a.example/', '', false],
    ['ws://a.example/', ',', false],
    ['ws://a.example/', '*', true],
  ])('%s with NO_PROXY=%j → bypass %s', (target, noProxy, expected) => {
    expect(bypassesProxy(url(target), noProxy)).toBe(expected);
  });

  test('proxyFor picks the variable by scheme, upper case first, and honours NO_PROXY', () => {
    const env = { HTTP_PROXY: 'http://up:1', http_proxy: 'http://low:1', https_proxy: 'http://secure:1', NO_PROXY: 'skip.example' };
    expect(proxyFor(url('ws://a.example/'), undefined, env)).toEqual({ origin: 'http://up:1' });
    expect(proxyFor(url('wss://a.example/'), undefined, env)).toEqual({ origin: 'http://secure:1' });
    expect(proxyFor(url('ws://skip.example/'), undefined, env)).toBeNull();
    expect(proxyFor(url('ws://a.example/'), undefined, {})).toBeNull();
    expect(proxyFor(url('ws://a.example/'), undefined, { http_proxy: 'low:3128' })).toEqual({ origin: 'http://low:3128' });
    expect(proxyFor(url('ws://a.example/'), { origin: 'http://opt:1' }, env)).toEqual({ origin: 'http://opt:1' });
  });

  test('ProxyError is exported, with statusCode and code', () => {
    const error = new ProxyError('refused', 407);
    expect(error).toBeInstanceOf(Error);
    expect([error.statusCode, error.code, error.name]).toEqual([407, 'WS_ERR_PROXY', 'ProxyError']);
  });
});

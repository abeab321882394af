/**
 * The connection the client shares with the WebSocket client: through the CONNECT proxy of the
 * client tests (the `proxy` option, `HTTP_PROXY`/`HTTPS_PROXY`, `NO_PROXY`, a refusing proxy, which
 * is a network error and so reconnects), and TLS with certificates made at test time (verification on by
 * default, `tls.ca`, `verifyPeer: false`, TLS inside the tunnel).
 */
import * as http from 'node:http';
import * as https from 'node:https';
import { EventSource, EventSourceClient } from '../../src/index.js';
import { isolateProxyVariables } from '../client/helpers.js';
import { startProxy } from '../client/proxy-server.js';
import { certificatesForFile } from '../client/tls-fixtures.js';
import { closeAll, listen, onCleanup, watch } from './helpers.js';

const certs = certificatesForFile();

isolateProxyVariables();
afterEach(closeAll);

/** A hatchway event stream that sends `hello` at once, over HTTP or (with a certificate) HTTPS. */
async function feed(cert?: { private: string; cert: string }): Promise<{ port: number; hosts: string[] }> {
  const hosts: string[] = [];
  const handler: http.RequestListener = (req, res) => {
    hosts.push(req.headers.host ?? '');
    const es = new EventSource(req, res, { ping: 0 });
    es.send('hello', { id: 'h' });
    onCleanup(() => es.close());
  };
  const server = cert === undefined ? http.createServer(handler) : https.createServer({ key: cert.private, cert: cert.cert }, handler);
  server.on('tlsClientError', () => undefined);
  return { port: await listen(server), hosts };
}

describe('through the CONNECT proxy', () => {
  test('http: with the proxy option: one tunnel to host:port, the proxy resolves the name', async () => {
    const target = await feed();
    const proxy = await startProxy({ hosts: { 'only-the-proxy-knows.invalid': '127.0.0.1' } });
    const c = watch(`http://only-the-proxy-knows.invalid:${target.port}/feed`, { proxy: { origin: proxy.origin } });
    await c.seen('message:hello:h');
    expect(proxy.connects.map((r) => r.authority)).toEqual([`only-the-proxy-knows.invalid:${target.port}`]);
    expect(target.hosts).toEqual([`only-the-proxy-knows.invalid:${target.port}`]);
  });

  test('https: TLS inside the tunnel, verified against the target host', async () => {
    const target = await feed(certs.server);
    const proxy = await startProxy({ auth: 'user:pass' });
    const c = watch(`https://localhost:${target.port}/`, { proxy: { origin: `http://user:pass@127.0.0.1:${proxy.port}` }, tls: { ca: certs.ca.cert } });
    await c.seen('message:hello');
    expect(proxy.tunnels()).toBe(1);
    expect(c.events[0]!.origin).toBe(`https://localhost:${target.port}`);
  });

  test('HTTP_PROXY is used for http:, and NO_PROXY bypasses it', async () => {
    const target = await feed();
    const proxy = await startProxy();
    process.env.HTTP_PROXY = proxy.origin;
    process.env.HTTPS_PROXY = 'http://127.0.0.1:9';
    const c = watch(`http://127.0.0.1:${target.port}/`);
    await c.seen('message:hello');
    expect(proxy.connects.map((r) => r.authority)).toEqual([`127.0.0.1:${target.port}`]);
    process.env.NO_PROXY = '127.0.0.1';
    const direct = watch(`http://127.0.0.1:${target.port}/`);
    await direct.seen('message:hello');
    expect(proxy.connects).toHaveLength(1);
  });

  test('HTTPS_PROXY is used for https:', async () => {
    const target = await feed(certs.server);
    const proxy = await startProxy();
    process.env.HTTPS_PROXY = proxy.origin;
    const c = watch(`https://localhost:${target.port}/`, { tls: { ca: certs.ca.cert } });
    await c.seen('message:hello');
    expect(proxy.connects.map((r) => r.authority)).toEqual([`localhost:${target.port}`]);
  });

  test('a proxy that refuses the tunnel is a network error: error (ProxyError) in CONNECTING, then another attempt', async () => {
    const proxy = await startProxy({ refuse: 403 });
    const c = watch('http://example.invalid/', { proxy: { origin: proxy.origin }, retry: 0.001 });
    await c.seen('error:', 2);
    expect(c.errors[0]!.name).toBe('ProxyError');
    expect(c.errors[0]!.statusCode).toBe(403);
    expect(c.states.slice(0, 2)).toEqual([EventSourceClient.CONNECTING, EventSourceClient.CONNECTING]);
    await proxy.requested(2);
  });
});

describe('TLS', () => {
  test('verification is on by default: an unknown CA is a network error (reconnecting), tls.ca fixes it', async () => {
    const target = await feed(certs.server);
    const refused = watch(`https://localhost:${target.port}/`, { retry: 10 });
    await refused.seen('error:');
    expect(refused.errors[0]!.code).toBe('SSE_ERR_SOCKET');
    expect((refused.errors[0]!.cause as NodeJS.ErrnoException).code).toMatch(/UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED|UNABLE_TO_GET_ISSUER_CERT/);
    expect(refused.states).toEqual([EventSourceClient.CONNECTING]);
    refused.es.close();
    const trusted = watch(`https://localhost:${target.port}/`, { tls: { ca: certs.ca.cert } });
    await trusted.seen('message:hello:h');
  });

  test('a certificate for another name fails; verifyPeer: false accepts it', async () => {
    const target = await feed(certs.wrongName);
    const refused = watch(`https://localhost:${target.port}/`, { tls: { ca: certs.ca.cert }, retry: 10 });
    await refused.seen('error:');
    expect((refused.errors[0]!.cause as NodeJS.ErrnoException).code).toBe('ERR_TLS_CERT_ALTNAME_INVALID');
    refused.es.close();
    const lax = watch(`https://localhost:${target.port}/`, { tls: { verifyPeer: false } });
    await lax.seen('message:hello');
  });

  test('tls.rootCertFile works as for the WebSocket client', async () => {
    const target = await feed(certs.server);
    const c = watch(`https://127.0.0.1:${target.port}/`, { tls: { rootCertFile: certs.caFile } });
    await c.seen('message:hello');
  });
});

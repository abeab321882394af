/**
 * `hatchway connect` against a TLS server with a certificate of a test CA (`--ca FILE`, `--insecure`,
 * and the failure without either), and through the HTTP CONNECT proxy of the client tests (`--proxy`).
 */
import { closeAll } from '../client/helpers.js';
import { startProxy } from '../client/proxy-server.js';
import { certificatesForFile, secureEchoServer } from '../client/tls-fixtures.js';
import { run, startListen } from './cli-helpers.js';

const certs = certificatesForFile();
afterEach(closeAll);

test('wss: fails without the CA, works with --ca FILE and with --insecure', async () => {
  const { port } = await secureEchoServer(certs.server);
  const url = `wss://localhost:${port}/`;
  const untrusted = await run(['connect', url], 'hello\n');
  expect(untrusted.code).toBe(1);
  expect(untrusted.stdout).toBe('');
  expect(untrusted.stderr).toMatch(/^hatchway: network error: wss:\/\/localhost:\d+\/: .*certificate.*\n$/);
  expect(await run(['connect', '--ca', certs.caFile, url], 'hello\n')).toEqual({ code: 0, stdout: 'hello\n', stderr: `connected to ${url}\nclosed 1000\n` });
  const wrongCa = await run(['connect', '--ca', certs.otherCaFile, url], 'hello\n');
  expect(wrongCa.code).toBe(1);
  expect(await run(['connect', '-k', url], 'insecure\n')).toMatchObject({ code: 0, stdout: 'insecure\n' });
  const missing = await run(['connect', '--ca', `${certs.dir}/missing.pem`, url]);
  expect(missing.code).toBe(1);
  expect(missing.stderr).toMatch(/^hatchway: .*ENOENT.*missing\.pem.*\n$/);
});

test('--proxy tunnels through an HTTP CONNECT proxy; a refusing proxy exits 1 with its status', async () => {
  const echo = await startListen();
  const proxy = await startProxy();
  const result = await run(['connect', '--proxy', proxy.origin, `ws://127.0.0.1:${echo.port}/`], 'through the proxy\n');
  expect(result).toMatchObject({ code: 0, stdout: 'through the proxy\n' });
  expect(proxy.connects.map((c) => c.authority)).toEqual([`127.0.0.1:${echo.port}`]);
  const refusing = await startProxy({ refuse: 403 });
  const refused = await run(['connect', '--proxy', refusing.origin, `ws://127.0.0.1:${echo.port}/`]);
  expect(refused.code).toBe(1);
  expect(refused.stderr).toMatch(/^hatchway: [^\n]*403[^\n]*\n$/);
});

/**
 * `hatchway connect --http2`, spawned: a scripted round trip over HTTP/2 (h2c for ws:, TLS with
 * h2 for wss: with --ca), against the codec-only HTTP/2 fixture of the client tests, and the one
 * line and exit status 1 when the server does not take WebSockets over HTTP/2.
 */
import { closeAll } from '../client/helpers.js';
import { certificatesForFile } from '../client/tls-fixtures.js';
import { startFixture } from '../client-http2/h2-fixture.js';
import { run } from './cli-helpers.js';

const certs = certificatesForFile();
afterEach(closeAll);

test('--http2: stdin lines go out on an extended CONNECT stream and the echoes come back; exit 0 after a clean close', async () => {
  const fixture = await startFixture();
  const url = `${fixture.origin}/cli`;
  const lines = Array.from({ length: 50 }, (_, i) => `line ${i}`);
  const result = await run(['connect', '--http2', '-p', 'chat', url], lines.join('\n') + '\n');
  expect(result).toEqual({ code: 0, stdout: lines.join('\n') + '\n', stderr: `connected to ${url}\nclosed 1000\n` });
  expect(fixture.requests.map((h) => [h[':method'], h[':protocol'], h[':path'], h['sec-websocket-protocol']])).toEqual([['CONNECT', 'websocket', '/cli', 'chat']]);
  expect(fixture.peers[0]!.messages.map((m) => m.data.toString())).toEqual(lines);
});

test('--http2 with wss: and --ca, and a server that does not enable extended CONNECT (exit 1, one line)', async () => {
  const secure = await startFixture({ tls: { key: certs.server.private, cert: certs.server.cert } });
  const url = `${secure.origin}/`;
  expect(await run(['connect', '--http2', '--ca', certs.caFile, url], 'over TLS\n')).toEqual({ code: 0, stdout: 'over TLS\n', stderr: `connected to ${url}\nclosed 1000\n` });
  const plain = await startFixture({ extendedConnect: false });
  const refused = await run(['connect', '--http2', `${plain.origin}/`], 'never sent\n');
  expect(refused.code).toBe(1);
  expect(refused.stdout).toBe('');
  expect(refused.stderr).toMatch(/^hatchway: 127\.0\.0\.1:\d+ does not take WebSockets over HTTP\/2: [^\n]*RFC 8441[^\n]*\n$/);
});

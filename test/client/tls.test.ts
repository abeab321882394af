/**
 * wss: against an HTTPS server with hatchway's WebSocket, with a CA and certificates generated at
 * test time: verification on by default (chain and host name), the CA given as `tls.ca` or as
 * `tls.rootCertFile` (a path or paths), `verifyPeer: false`, SNI, and other Node TLS options
 * passed through.
 */
import * as net from 'node:net';
import * as path from 'node:path';
import * as tls from 'node:tls';
import { Client } from '../../src/index.js';
import { closeAll, openClient, record, type Recorded } from './helpers.js';
import { certificatesForFile, secureEchoServer } from './tls-fixtures.js';
import { connectionOf } from '../../src/websocket-session/websocket-session.js';

const certs = certificatesForFile();
afterEach(closeAll);

async function roundTrip(c: Recorded): Promise<void> {
  await c.opened;
  c.client.send('over TLS');
  expect(await c.nextMessage()).toBe('over TLS');
}

/** The failure a TLS problem gives: error (WS_ERR_SOCKET, the TLS error as cause), then close 1006. */
async function expectTlsFailure(c: Recorded, causeCode: string): Promise<void> {
  const event = await c.closed;
  expect([event.code, event.wasClean]).toEqual([1006, false]);
  expect(c.log).toEqual(['error', 'close']);
  expect(c.errors[0]!.name).toBe('ConnectionError');
  expect(c.errors[0]!.code).toBe('WS_ERR_SOCKET');
  expect((c.errors[0]!.cause as NodeJS.ErrnoException).code).toBe(causeCode);
  expect(c.errors[0]!.message).toContain(causeCode === 'ERR_TLS_CERT_ALTNAME_INVALID' ? "Hostname/IP does not match certificate's altnames" : 'certificate');
}

/** Maps every host name to 127.0.0.1. */
const toLoopback: net.LookupFunction = (_hostname, options, callback) => {
  if ((options as { all?: boolean }).all === true) {
    (callback as unknown as (e: null, a: Array<{ address: string; family: number }>) => void)(null, [{ address: '127.0.0.1', family: 4 }]);
  } else callback(null, '127.0.0.1', 4);
};

describe('verification passes with the CA', () => {
  test('tls: { ca } (a PEM string)', async () => {
    const server = await secureEchoServer(certs.server);
    const c = record(`wss://localhost:${server.port}/`, null, { tls: { ca: certs.ca.cert } });
    await roundTrip(c);
    expect(c.client.url).toBe(`wss://localhost:${server.port}/`);
  });

  test('tls: { ca } as an array with an unrelated CA first', async () => {
    const server = await secureEchoServer(certs.server);
    await roundTrip(record(`wss://localhost:${server.port}/`, null, { tls: { ca: [certs.otherCa.cert, certs.ca.cert] } }));
  });

  test('tls: { rootCertFile: path }', async () => {
    const server = await secureEchoServer(certs.server);
    await roundTrip(record(`wss://localhost:${server.port}/`, null, { tls: { rootCertFile: certs.caFile } }));
  });

  test('tls: { rootCertFile: [paths] } with the right CA second', async () => {
    const server = await secureEchoServer(certs.server);
    await roundTrip(record(`wss://localhost:${server.port}/`, null, { tls: { rootCertFile: [certs.otherCaFile, certs.caFile] } }));
  });

  test('rootCertFile and ca together: both are trusted', async () => {
    const server = await secureEchoServer(certs.server);
    await roundTrip(record(`wss://localhost:${server.port}/`, null, { tls: { rootCertFile: certs.otherCaFile, ca: certs.ca.cert } }));
  });

  test('an IP address URL checks the certificate against the IP (no SNI sent)', async () => {
    const server = await secureEchoServer(certs.server);
    await roundTrip(record(`wss://127.0.0.1:${server.port}/`, null, { tls: { ca: certs.ca.cert } }));
    expect(server.servernames).toEqual([null]);
  });

  test('https: URLs are wss:', async () => {
    const server = await secureEchoServer(certs.server);
    const c = record(`https://localhost:${server.port}/x`, null, { tls: { ca: certs.ca.cert } });
    await roundTrip(c);
    expect(c.client.url).toBe(`wss://localhost:${server.port}/x`);
  });
});

describe('verification fails without the CA: error naming the certificate problem, close 1006', () => {
  test('no tls option at all (the system roots do not know the test CA)', async () => {
    const server = await secureEchoServer(certs.server);
    await expectTlsFailure(record(`wss://localhost:${server.port}/`), 'UNABLE_TO_VERIFY_LEAF_SIGNATURE');
  });

  test('only an unrelated CA', async () => {
    const server = await secureEchoServer(certs.server);
    await expectTlsFailure(record(`wss://localhost:${server.port}/`, null, { tls: { ca: certs.otherCa.cert } }), 'UNABLE_TO_VERIFY_LEAF_SIGNATURE');
  });

  test('only an unrelated rootCertFile', async () => {
    const server = await secureEchoServer(certs.server);
    await expectTlsFailure(record(`wss://localhost:${server.port}/`, null, { tls: { rootCertFile: [certs.otherCaFile] } }), 'UNABLE_TO_VERIFY_LEAF_SIGNATURE');
  });

  test('a self-signed server certificate', async () => {
    const server = await secureEchoServer(certs.ca);
    await expectTlsFailure(record(`wss://localhost:${server.port}/`), 'DEPTH_ZERO_SELF_SIGNED_CERT');
  });

  test('a missing rootCertFile: error (ENOENT as cause), close 1006, nothing thrown', async () => {
    const server = await secureEchoServer(certs.server);
    const missing = path.join(certs.dir, 'missing.pem');
    const c = record(`wss://localhost:${server.port}/`, null, { tls: { rootCertFile: missing } });
    const event = await c.closed;
    expect(event.code).toBe(1006);
    expect(c.log).toEqual(['error', 'close']);
    expect((c.errors[0]!.cause as NodeJS.ErrnoException).code).toBe('ENOENT');
  });
});

describe('host name checks', () => {
  test('a certificate for another name fails with ERR_TLS_CERT_ALTNAME_INVALID, even with the CA', async () => {
    const server = await secureEchoServer(certs.wrongName);
    await expectTlsFailure(record(`wss://localhost:${server.port}/`, null, { tls: { ca: certs.ca.cert } }), 'ERR_TLS_CERT_ALTNAME_INVALID');
  });

  test('a certificate for 127.0.0.1 does not cover 127.0.0.2', async () => {
    const server = await secureEchoServer(certs.server, '127.0.0.2');
    await expectTlsFailure(record(`wss://127.0.0.2:${server.port}/`, null, { tls: { ca: certs.ca.cert } }), 'ERR_TLS_CERT_ALTNAME_INVALID');
  });

  test('verifyPeer: false accepts the wrong name and an unknown CA', async () => {
    const wrong = await secureEchoServer(certs.wrongName);
    await roundTrip(record(`wss://localhost:${wrong.port}/`, null, { tls: { verifyPeer: false } }));
    const selfSigned = await secureEchoServer(certs.ca);
    await roundTrip(record(`wss://localhost:${selfSigned.port}/`, null, { tls: { verifyPeer: false } }));
  });

  test("Node's own rejectUnauthorized: false is honoured when verifyPeer is not given", async () => {
    const server = await secureEchoServer(certs.wrongName);
    await roundTrip(record(`wss://localhost:${server.port}/`, null, { tls: { rejectUnauthorized: false } }));
  });

  test('verifyPeer: true wins over rejectUnauthorized: false', async () => {
    const server = await secureEchoServer(certs.wrongName);
    await expectTlsFailure(
      record(`wss://localhost:${server.port}/`, null, { tls: { verifyPeer: true, rejectUnauthorized: false, ca: certs.ca.cert } }),
      'ERR_TLS_CERT_ALTNAME_INVALID',
    );
  });
});

describe('SNI and other TLS options', () => {
  test('the host name is sent as SNI', async () => {
    const server = await secureEchoServer(certs.server);
    await roundTrip(record(`wss://ws.test:${server.port}/`, null, { tls: { ca: certs.ca.cert }, net: { lookup: toLoopback } }));
    await roundTrip(record(`wss://localhost:${server.port}/`, null, { tls: { ca: certs.ca.cert } }));
    expect(server.servernames).toEqual(['ws.test', 'localhost']);
  });

  test('tls.servername overrides the SNI name and the name checked', async () => {
    const server = await secureEchoServer(certs.server);
    await roundTrip(record(`wss://127.0.0.1:${server.port}/`, null, { tls: { ca: certs.ca.cert, servername: 'ws.test' } }));
    expect(server.servernames).toEqual(['ws.test']);
  });

  test('checkServerIdentity is passed through: a pinning check can refuse a valid certificate', async () => {
    const server = await secureEchoServer(certs.server);
    const seen: string[] = [];
    const pinned = record(`wss://localhost:${server.port}/`, null, {
      tls: {
        ca: certs.ca.cert,
        checkServerIdentity: (host, cert) => {
          seen.push(`${host}:${cert.subject.CN}`);
          return new Error('certificate is not the pinned one');
        },
      },
    });
    const event = await pinned.closed;
    expect(event.code).toBe(1006);
    expect(seen).toEqual(['localhost:localhost']);
    expect((pinned.errors[0]!.cause as Error).message).toBe('certificate is not the pinned one');
    const accepted = record(`wss://localhost:${server.port}/`, null, { tls: { ca: certs.ca.cert, checkServerIdentity: () => undefined } });
    await roundTrip(accepted);
  });

  test('minVersion is passed through: TLS 1.3 required against a TLS 1.2 server fails', async () => {
    const server = await secureEchoServer(certs.server);
    server.server.setSecureContext({ key: certs.server.private, cert: certs.server.cert, maxVersion: 'TLSv1.2' });
    const c = record(`wss://localhost:${server.port}/`, null, { tls: { ca: certs.ca.cert, minVersion: 'TLSv1.3' } });
    const event = await c.closed;
    expect(event.code).toBe(1006);
    expect(c.errors[0]!.code).toBe('WS_ERR_SOCKET');
    const cause = c.errors[0]!.cause as NodeJS.ErrnoException;
    expect(cause.code).toBe('EPROTO');
    expect(cause.message).toMatch(/protocol version|unsupported protocol/i);
    const ok = await openClient(`wss://localhost:${server.port}/`, null, { tls: { ca: certs.ca.cert, maxVersion: 'TLSv1.2' } });
    expect((connectionOf(ok.client).socket as tls.TLSSocket).getProtocol()).toBe('TLSv1.2');
  });

  test('net options apply under TLS too (localAddress)', async () => {
    const server = await secureEchoServer(certs.server);
    await roundTrip(record(`wss://localhost:${server.port}/`, null, { tls: { ca: certs.ca.cert }, net: { localAddress: '127.0.0.2' } }));
    expect(server.remoteAddresses).toEqual(['127.0.0.2']);
  });

  test('the caller\'s tls and net objects are not modified', async () => {
    const server = await secureEchoServer(certs.server);
    const tlsOptions = { ca: certs.ca.cert };
    const netOptions = { family: 4 };
    await roundTrip(record(`wss://localhost:${server.port}/`, null, { tls: tlsOptions, net: netOptions }));
    expect(tlsOptions).toEqual({ ca: certs.ca.cert });
    expect(netOptions).toEqual({ family: 4 });
  });
});

test('Client.CLOSED after a TLS failure, and send() is then a no-op', async () => {
  const server = await secureEchoServer(certs.server);
  const c = record(`wss://localhost:${server.port}/`);
  await c.closed;
  expect(c.client.readyState).toBe(Client.CLOSED);
  expect(c.client.send('nothing')).toBe(false);
});

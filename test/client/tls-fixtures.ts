/**
 * Certificates made at test time with the `selfsigned` package (no openssl needed): a CA, a
 * server certificate it signs for `localhost`, `ws.test` and 127.0.0.1, one it signs for another
 * name only, one for the address 127.0.0.2 only, and an unrelated CA. Plus an HTTPS server running hatchway's WebSocket echo, which
 * records the SNI name of every TLS connection.
 */
import * as fs from 'node:fs';
import * as https from 'node:https';
import * as os from 'node:os';
import * as path from 'node:path';
import type { TLSSocket } from 'node:tls';
import { WebSocket } from '../../src/index.js';
import { listen, onCleanup } from './helpers.js';

interface Generated {
  private: string;
  cert: string;
}
interface CertificateExtension {
  name: string;
  [key: string]: unknown;
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const selfsigned = require('selfsigned') as {
  generate(
    attrs: Array<{ name: string; value: string }>,
    options: { keyType?: 'rsa' | 'ec'; algorithm?: string; notAfterDate?: Date; extensions?: CertificateExtension[]; ca?: { key: string; cert: string } },
  ): Promise<Generated>;
};

export interface Certificates {
  ca: Generated;
  otherCa: Generated;
  /** For localhost, ws.test and 127.0.0.1, signed by `ca`. */
  server: Generated;
  /** For other.example only, signed by `ca`. */
  wrongName: Generated;
  /** For the IP address 127.0.0.2 only, signed by `ca`. */
  ipTwo: Generated;
  /** Files: `ca.pem` and `other-ca.pem`. */
  caFile: string;
  otherCaFile: string;
  dir: string;
}

function tomorrow(): Date {
  return new Date(Date.now() + 24 * 3600 * 1000);
}

async function leaf(ca: Generated, names: string[], ips: string[]): Promise<Generated> {
  return selfsigned.generate([{ name: 'commonName', value: names[0] ?? ips[0]! }], {
    keyType: 'ec',
    algorithm: 'sha256',
    notAfterDate: tomorrow(),
    ca: { key: ca.private, cert: ca.cert },
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames: [...names.map((value) => ({ type: 2, value })), ...ips.map((ip) => ({ type: 7, ip }))] },
    ],
  });
}

async function authority(name: string): Promise<Generated> {
  return selfsigned.generate([{ name: 'commonName', value: name }], {
    keyType: 'ec',
    algorithm: 'sha256',
    notAfterDate: tomorrow(),
    extensions: [
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    ],
  });
}

/** Makes the certificates and writes the CA files to a fresh temporary directory. */
export async function makeCertificates(): Promise<Certificates> {
  const ca = await authority('hatchway test CA');
  const otherCa = await authority('unrelated test CA');
  const server = await leaf(ca, ['localhost', 'ws.test'], ['127.0.0.1']);
  const wrongName = await leaf(ca, ['other.example'], []);
  const ipTwo = await leaf(ca, [], ['127.0.0.2']);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hatchway-tls-'));
  const caFile = path.join(dir, 'ca.pem');
  const otherCaFile = path.join(dir, 'other-ca.pem');
  fs.writeFileSync(caFile, ca.cert);
  fs.writeFileSync(otherCaFile, otherCa.cert);
  return { ca, otherCa, server, wrongName, ipTwo, caFile, otherCaFile, dir };
}

/**
 * The certificates of one test file: made in its `beforeAll` (key generation can take seconds on a
 * busy machine), removed in its `afterAll`. The object returned reads through to them from then on.
 */
export function certificatesForFile(): Certificates {
  let made: Certificates | undefined;
  beforeAll(async () => {
    made = await makeCertificates();
  }, 30_000);
  afterAll(() => removeCertificates(made));
  return new Proxy({} as Certificates, {
    get(_target, field: keyof Certificates) {
      if (made === undefined) throw new Error('the certificates are made in beforeAll');
      return made[field];
    },
  });
}

export function removeCertificates(certs: Certificates | undefined): void {
  if (certs !== undefined) fs.rmSync(certs.dir, { recursive: true, force: true });
}

export interface SecureEchoServer {
  port: number;
  /** The SNI name of each TLS connection, `null` when none was sent. */
  servernames: Array<string | null>;
  /** Remote addresses of the TLS connections. */
  remoteAddresses: string[];
  server: https.Server;
}

/** An HTTPS server on `host` whose WebSocket echoes every message; cleaned up after the test. */
export async function secureEchoServer(cert: Generated, host = '127.0.0.1'): Promise<SecureEchoServer> {
  const servernames: Array<string | null> = [];
  const remoteAddresses: string[] = [];
  const server = https.createServer({ key: cert.private, cert: cert.cert }, (_req, res) => {
    res.writeHead(404);
    res.end();
  });
  server.on('secureConnection', (socket: TLSSocket) => {
    const name = (socket as TLSSocket & { servername?: string | false }).servername;
    servernames.push(typeof name === 'string' ? name : null);
    remoteAddresses.push(socket.remoteAddress ?? '');
  });
  server.on('tlsClientError', () => undefined);
  server.on('upgrade', (req, socket, head) => {
    const ws = new WebSocket(req, socket, head);
    ws.on('message', (event) => ws.send(event.data));
    ws.on('error', () => undefined);
    onCleanup(() => ws.terminate());
  });
  const port = await listen(server, host);
  return { port, servernames, remoteAddresses, server };
}

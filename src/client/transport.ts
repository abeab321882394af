/**
 * The client's socket: TCP or TLS, direct or inside a proxy tunnel. TLS verifies the server
 * by default (chain and host name, with SNI); `rootCertFile`/`ca` replace the trusted roots and
 * `verifyPeer: false` turns verification off.
 */
import { readFileSync } from 'node:fs';
import * as net from 'node:net';
import type { Duplex } from 'node:stream';
import * as tls from 'node:tls';

export interface ClientTlsOptions extends tls.ConnectionOptions {
  /** PEM file(s) of the certificates to trust instead of the system's roots. */
  rootCertFile?: string | readonly string[];
  /** Default true: check the certificate chain and that it names the host. */
  verifyPeer?: boolean;
}

/** `net.connect` options that apply to the client's own TCP connection (not through a proxy). */
export type ClientNetOptions = Omit<net.TcpNetConnectOpts, 'host' | 'port' | 'timeout'>;

export interface TransportOptions {
  tls?: ClientTlsOptions | undefined;
  net?: ClientNetOptions | undefined;
}

export function createTransport(target: URL, tunnel: Duplex | null, options: TransportOptions): Duplex {
  const host = hostOf(target);
  const port = Number(target.port || (isSecure(target) ? 443 : 80));
  if (isSecure(target)) {
    // `host` is always given: through a tunnel it is what the certificate is checked against
    // (without it Node checks the proxy's name, or 'localhost'). SNI carries host names only.
    const endpoint = tunnel !== null ? { socket: tunnel, host, port } : { ...options.net, host, port };
    const servername = net.isIP(host) === 0 ? { servername: host } : {};
    return tls.connect({ ...servername, ...tlsOptions(options.tls), ...endpoint });
  }
  return tunnel ?? net.connect({ ...options.net, host, port });
}

/** `wss:` or `https:` (the event-stream client shares this transport): TLS, port 443 by default. */
export function isSecure(target: URL): boolean {
  return target.protocol === 'wss:' || target.protocol === 'https:';
}

/** The URL's host without IPv6 brackets, as sockets want it. */
export function hostOf(target: URL): string {
  return target.hostname.replace(/^\[|\]$/g, '');
}

function tlsOptions(options: ClientTlsOptions | undefined): tls.ConnectionOptions {
  if (options === undefined) return { rejectUnauthorized: true };
  const { rootCertFile, verifyPeer, ...rest } = options;
  const files = rootCertFile === undefined ? [] : typeof rootCertFile === 'string' ? [rootCertFile] : rootCertFile;
  // `ca` and `rootCertFile` together: both are trusted.
  const given = rest.ca === undefined ? [] : Array.isArray(rest.ca) ? rest.ca : [rest.ca];
  const ca = [...given, ...files.map((file) => readFileSync(file))];
  return {
    ...rest,
    ...(ca.length > 0 ? { ca } : {}),
    // `verifyPeer` decides; without it Node's own `rejectUnauthorized` is honoured (default on).
    rejectUnauthorized: verifyPeer !== undefined ? verifyPeer !== false : rest.rejectUnauthorized !== false,
  };
}

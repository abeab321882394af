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
  const port = Number(target.port || (target.protocol === 'wss:' ? 443 : 80));
  if (target.protocol === 'wss:') {
    const endpoint = tunnel !== null ? { socket: tunnel } : { ...options.net, host, port };
    return tls.connect({ ...tlsOptions(options.tls), ...endpoint, ...(net.isIP(host) === 0 ? { servername: host } : {}) });
  }
  return tunnel ?? net.connect({ ...options.net, host, port });
}

/** The URL's host without IPv6 brackets, as sockets want it. */
export function hostOf(target: URL): string {
  return target.hostname.replace(/^\[|\]$/g, '');
}

function tlsOptions(options: ClientTlsOptions | undefined): tls.ConnectionOptions {
  if (options === undefined) return { rejectUnauthorized: true };
  const { rootCertFile, verifyPeer, ...rest } = options;
  const files = rootCertFile === undefined ? [] : typeof rootCertFile === 'string' ? [rootCertFile] : rootCertFile;
  return {
    ...rest,
    ...(files.length > 0 ? { ca: files.map((file) => readFileSync(file)) } : {}),
    rejectUnauthorized: verifyPeer !== false,
  };
}

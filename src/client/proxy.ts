/**
 * HTTP CONNECT proxies for the client (RFC 9110 §9.3.6): which proxy a URL goes through (the
 * `proxy` option, else `HTTPS_PROXY` for wss:/https:, `HTTP_PROXY` for ws:/http:, minus `NO_PROXY`), and opening the tunnel.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import type * as net from 'node:net';
import type { Duplex } from 'node:stream';
import type { ConnectionOptions } from 'node:tls';
import { ConnectionError } from '../errors.js';
import { basicCredentials } from '../handshake/basic-credentials.js';
import { headerLines, type HeaderValues } from '../handshake/custom-headers.js';
import { isSecure } from './transport.js';

export interface ProxyOptions {
  /** `http://user:pass@host:port` or `https://...`; userinfo becomes `Proxy-Authorization`. */
  origin: string;
  /** Extra headers for the CONNECT request. */
  headers?: HeaderValues;
  /** TLS options for an `https:` proxy origin. */
  tls?: ConnectionOptions;
}

export class ProxyError extends ConnectionError {
  constructor(
    message: string,
    readonly statusCode: number,
  ) {
    super(message, 'WS_ERR_PROXY');
  }
}

/** The proxy for `target`: the option if given, else the environment; null for a direct connection. */
export function proxyFor(target: URL, option: ProxyOptions | undefined, env: NodeJS.ProcessEnv = process.env): ProxyOptions | null {
  if (option !== undefined) return option;
  const secure = isSecure(target);
  const origin = secure ? (env.HTTPS_PROXY ?? env.https_proxy) : (env.HTTP_PROXY ?? env.http_proxy);
  if (origin === undefined || origin === '') return null;
  if (bypassesProxy(target, env.NO_PROXY ?? env.no_proxy ?? '')) return null;
  // `host:port` without a scheme, as curl and most tools accept it, is an http: proxy.
  return { origin: /^[a-z][a-z0-9+.-]*:\/\//i.test(origin) ? origin : `http://${origin}` };
}

/**
 * `NO_PROXY`: comma- or space-separated host names, domain suffixes (`.example.com` or
 * `example.com` both cover subdomains), optional `:port`, or `*`. IPv6 addresses are written
 * bare (`::1`) or in brackets (`[::1]:8080` with a port). Loopback is not exempt by itself: it
 * is listed like any other host.
 */
export function bypassesProxy(target: URL, noProxy: string): boolean {
  const host = target.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  const port = target.port || (isSecure(target) ? '443' : '80');
  for (const raw of noProxy.split(/[\s,]+/)) {
    const entry = raw.trim().toLowerCase();
    if (entry === '') continue;
    if (entry === '*') return true;
    const [entryHost, entryPort] = splitHostPort(entry);
    const name = entryHost.replace(/^\*?\./, '');
    if (name === '') continue;
    if (entryPort !== undefined && entryPort !== port) continue;
    if (host === name || host.endsWith(`.${name}`)) return true;
  }
  return false;
}

/** `host`, `host:port`, `[v6]`, `[v6]:port` or a bare IPv6 address (more than one colon: no port). */
function splitHostPort(entry: string): [string, string | undefined] {
  const bracketed = /^\[([^\]]*)\](?::(\d+))?$/.exec(entry);
  if (bracketed !== null) return [bracketed[1]!, bracketed[2]];
  const colons = entry.split(':').length - 1;
  if (colons === 1) {
    const [name, port] = entry.split(':') as [string, string];
    if (/^\d+$/.test(port)) return [name, port];
  }
  return [entry, undefined];
}

export interface TunnelOptions {
  /** Options of the TCP connection to the proxy, such as `localAddress` and `family`. */
  net?: Omit<net.TcpNetConnectOpts, 'host' | 'port' | 'timeout'> | undefined;
  /** Aborting it destroys the CONNECT request. */
  signal?: AbortSignal | undefined;
}

/** Opens a CONNECT tunnel to `target` through `proxy`; resolves with the tunnel's socket. */
export function openTunnel(target: URL, proxy: ProxyOptions, options: TunnelOptions = {}): Promise<Duplex> {
  const origin = new URL(proxy.origin);
  if (origin.protocol !== 'http:' && origin.protocol !== 'https:') {
    return Promise.reject(new ConnectionError(`proxy origin ${proxy.origin} is not an http: or https: URL`, 'WS_ERR_PROXY'));
  }
  const port = target.port || (isSecure(target) ? '443' : '80');
  const authority = `${target.hostname}:${port}`;
  const headers: Record<string, string | number | readonly string[]> = { Host: authority };
  const credentials = basicCredentials(origin);
  if (credentials !== null) headers['Proxy-Authorization'] = credentials;
  headerLines(proxy.headers);
  Object.assign(headers, proxy.headers);
  const secure = origin.protocol === 'https:';
  const request = (secure ? https : http).request({
    ...options.net,
    ...(secure ? proxy.tls : {}),
    host: origin.hostname.replace(/^\[|\]$/g, ''),
    port: origin.port || (secure ? 443 : 80),
    method: 'CONNECT',
    path: authority,
    headers: headers as http.OutgoingHttpHeaders,
    agent: false,
    ...(options.signal !== undefined ? { signal: options.signal } : {}),
  });
  return new Promise((resolve, reject) => {
    request.once('connect', (response: http.IncomingMessage, socket: Duplex, head: Buffer) => {
      const status = response.statusCode ?? 0;
      // RFC 9110 §9.3.6: any 2xx answer to CONNECT means the tunnel is open.
      if (status < 200 || status > 299) {
        socket.destroy();
        return reject(refused(origin, response.statusCode));
      }
      // Bytes that came with the proxy's answer already belong to the origin server.
      if (head.length > 0) socket.unshift(head);
      resolve(socket);
    });
    request.once('response', (response: http.IncomingMessage) => {
      response.on('error', () => undefined);
      response.resume();
      request.destroy();
      reject(refused(origin, response.statusCode));
    });
    request.on('error', (error: Error) =>
      reject(error instanceof ConnectionError ? error : new ConnectionError(`proxy ${origin.host}: ${error.message}`, 'WS_ERR_PROXY', { cause: error })),
    );
    request.end();
  });
}
function refused(origin: URL, status: number | undefined): ProxyError {
  return new ProxyError(`proxy ${origin.host} refused the tunnel with status ${String(status)}`, status ?? 0);
}

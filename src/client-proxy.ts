/**
 * HTTP CONNECT proxies for the client (RFC 9110 §9.3.6): which proxy a URL goes through (the
 * `proxy` option, else `HTTPS_PROXY`/`HTTP_PROXY` minus `NO_PROXY`), and opening the tunnel.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import type { Duplex } from 'node:stream';
import type { ConnectionOptions } from 'node:tls';
import { ConnectionError } from './errors.js';
import { headerLines, type HeaderValues } from './handshake/custom-headers.js';

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
  const secure = target.protocol === 'wss:';
  const origin = secure ? (env.HTTPS_PROXY ?? env.https_proxy) : (env.HTTP_PROXY ?? env.http_proxy);
  if (origin === undefined || origin === '') return null;
  return bypassesProxy(target, env.NO_PROXY ?? env.no_proxy ?? '') ? null : { origin };
}

/**
 * `NO_PROXY`: comma- or space-separated host names, domain suffixes (`.example.com` or
 * `example.com` both cover subdomains), optional `:port`, or `*`. Loopback is not exempt by
 * itself: it is listed like any other host.
 */
export function bypassesProxy(target: URL, noProxy: string): boolean {
  const host = target.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  const port = target.port || (target.protocol === 'wss:' ? '443' : '80');
  for (const raw of noProxy.split(/[\s,]+/)) {
    const entry = raw.trim().toLowerCase();
    if (entry === '') continue;
    if (entry === '*') return true;
    const match = /^(.*?)(?::(\d+))?$/.exec(entry.replace(/^\[|\](?=:|$)/g, ''))!;
    const name = match[1]!.replace(/^\*?\./, '');
    if (match[2] !== undefined && match[2] !== port) continue;
    if (host === name || host.endsWith(`.${name}`)) return true;
  }
  return false;
}

/** Opens a CONNECT tunnel to `target` through `proxy`; resolves with the tunnel's socket. */
export function openTunnel(target: URL, proxy: ProxyOptions, timeoutMs: number | undefined): Promise<Duplex> {
  const origin = new URL(proxy.origin);
  const port = target.port || (target.protocol === 'wss:' ? '443' : '80');
  const authority = `${target.hostname}:${port}`;
  const headers: Record<string, string> = { Host: authority };
  if (origin.username !== '' || origin.password !== '') {
    const credentials = `${decodeURIComponent(origin.username)}:${decodeURIComponent(origin.password)}`;
    headers['Proxy-Authorization'] = `Basic ${Buffer.from(credentials).toString('base64')}`;
  }
  headerLines(proxy.headers);
  Object.assign(headers, proxy.headers);
  const secure = origin.protocol === 'https:';
  const request = (secure ? https : http).request({
    ...(secure ? proxy.tls : {}),
    host: origin.hostname.replace(/^\[|\]$/g, ''),
    port: origin.port || (secure ? 443 : 80),
    method: 'CONNECT',
    path: authority,
    headers,
    agent: false,
    ...(timeoutMs !== undefined ? { timeout: timeoutMs } : {}),
  });
  return new Promise((resolve, reject) => {
    request.once('connect', (response: http.IncomingMessage, socket: Duplex, head: Buffer) => {
      request.setTimeout(0);
      if (response.statusCode !== 200) {
        socket.destroy();
        return reject(refused(origin, response.statusCode));
      }
      // A proxy that speaks before the origin server does is not a tunnel.
      if (head.length > 0) socket.unshift(head);
      resolve(socket);
    });
    request.once('response', (response: http.IncomingMessage) => {
      response.resume();
      request.destroy();
      reject(refused(origin, response.statusCode));
    });
    request.once('timeout', () => request.destroy(new ConnectionError('timed out connecting through the proxy', 'WS_ERR_HANDSHAKE_TIMEOUT')));
    request.once('error', (error: Error) =>
      reject(error instanceof ConnectionError ? error : new ConnectionError(`proxy ${origin.host}: ${error.message}`, 'WS_ERR_PROXY', { cause: error })),
    );
    request.end();
  });
}

function refused(origin: URL, status: number | undefined): ProxyError {
  return new ProxyError(`proxy ${origin.host} refused the tunnel with status ${String(status)}`, status ?? 0);
}

/**
 * A real HTTP CONNECT proxy for the tests (RFC 9110 §9.3.6): an `http` (or `https`) server whose
 * `connect` handler opens a TCP connection to the requested authority and pipes both ways. It
 * records every CONNECT request, can demand `Proxy-Authorization: Basic ...` (407 otherwise),
 * refuse with a fixed status, or never answer; names in `hosts` resolve only here, inside the proxy.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import * as net from 'node:net';
import type { Duplex } from 'node:stream';
import { listen, onCleanup, within } from './helpers.js';

export interface ConnectRecord {
  /** The request target, `host:port`. */
  authority: string;
  headers: http.IncomingHttpHeaders;
  remoteAddress: string;
  /** The status the proxy answered with (null: no answer yet). */
  status: number | null;
  /** Resolves when the client's connection to the proxy has closed. */
  closed: Promise<void>;
}

export interface TestProxy {
  port: number;
  /** `http://127.0.0.1:PORT` (`https:` when the proxy speaks TLS). */
  origin: string;
  connects: ConnectRecord[];
  /** Tunnels that were opened to an origin server. */
  tunnels(): number;
  /** Resolves once `count` CONNECT requests have arrived. */
  requested(count: number): Promise<void>;
}

export interface TestProxyOptions {
  /** `user:pass` the proxy demands. */
  auth?: string;
  /** Answer every CONNECT with this status instead of tunnelling. */
  refuse?: number;
  /** Accept the CONNECT and never answer. */
  silent?: boolean;
  /** TLS key and certificate: the proxy itself speaks TLS (an https: proxy origin). */
  tls?: { key: string; cert: string };
  /** Names only the proxy can resolve. */
  hosts?: Record<string, string>;
}

export async function startProxy(options: TestProxyOptions = {}): Promise<TestProxy> {
  const connects: ConnectRecord[] = [];
  const waiters: Array<[number, () => void]> = [];
  let tunnels = 0;
  const notAProxy = (_req: http.IncomingMessage, res: http.ServerResponse): void => {
    res.writeHead(405, { Connection: 'close' });
    res.end();
  };
  const server = options.tls !== undefined ? https.createServer({ key: options.tls.key, cert: options.tls.cert }, notAProxy) : http.createServer(notAProxy);
  const live = new Set<Duplex>();
  server.on('tlsClientError', () => undefined);
  server.on('connect', (req: http.IncomingMessage, client: Duplex, head: Buffer) => {
    live.add(client);
    client.on('error', () => undefined);
    // The HTTP server allows half-open sockets: the client's FIN alone would not close this one.
    client.on('end', () => client.end());
    const record: ConnectRecord = {
      authority: req.url ?? '',
      headers: req.headers,
      remoteAddress: req.socket.remoteAddress ?? '',
      status: null,
      closed: within(new Promise<void>((resolve) => client.once('close', () => resolve())), 'the connection to the proxy to close'),
    };
    record.closed.catch(() => undefined);
    connects.push(record);
    for (const [count, resolve] of waiters) if (connects.length >= count) resolve();
    const answer = (status: number, text: string, extra = ''): void => {
      record.status = status;
      client.end(`HTTP/1.1 ${status} ${text}\r\n${extra}Content-Length: 0\r\nConnection: close\r\n\r\n`);
    };
    if (options.silent === true) return;
    if (options.refuse !== undefined) return answer(options.refuse, http.STATUS_CODES[options.refuse] ?? 'Refused');
    if (options.auth !== undefined && req.headers['proxy-authorization'] !== `Basic ${Buffer.from(options.auth).toString('base64')}`) {
      return answer(407, 'Proxy Authentication Required', 'Proxy-Authenticate: Basic realm="test proxy"\r\n');
    }
    const match = /^(.*):(\d+)$/.exec(record.authority);
    if (match === null) return answer(400, 'Bad Request');
    const name = match[1]!.replace(/^\[|\]$/g, '');
    const upstream = net.connect({ host: options.hosts?.[name] ?? name, port: Number(match[2]) });
    live.add(upstream);
    upstream.on('error', () => {
      if (record.status === null) answer(502, 'Bad Gateway');
      else client.destroy();
    });
    upstream.on('connect', () => {
      tunnels++;
      record.status = 200;
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  const port = await listen(server);
  // Runs before the server's own close (cleanups run most recent first): tunnels are not HTTP
  // connections, so the server would wait for them.
  onCleanup(() => live.forEach((socket) => socket.destroy()));
  return {
    port,
    origin: `${options.tls !== undefined ? 'https' : 'http'}://127.0.0.1:${port}`,
    connects,
    tunnels: () => tunnels,
    requested: (count) =>
      within(
        new Promise<void>((resolve) => {
          if (connects.length >= count) resolve();
          else waiters.push([count, resolve]);
        }),
        `${count} CONNECT request(s) at the proxy`,
      ),
  };
}

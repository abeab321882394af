/**
 * The WebSocket client: `new Client(url, protocols, options)` for `ws:` and `wss:` URLs. It
 * runs the opening handshake (through a proxy tunnel and TLS when asked), then hands the
 * socket to the same session object the server uses, in the client role.
 */
import * as http from 'node:http';
import type { Duplex } from 'node:stream';
import { ArgumentError, ConnectionError, HandshakeError } from './errors.js';
import { openTunnel, proxyFor, type ProxyOptions } from './client-proxy.js';
import { createTransport, hostOf, type ClientNetOptions, type ClientTlsOptions } from './client-transport.js';
import { headerLines, type HeaderValues } from './handshake/custom-headers.js';
import { checkServerResponse, clientHandshake, protocolList } from './handshake/client-handshake.js';
import { ReadyState, WebSocketSession, type SessionOptions } from './websocket-session.js';

export interface ClientOptions extends SessionOptions {
  /** Extra request headers (a value with CR, LF or NUL throws). */
  headers?: HeaderValues;
  tls?: ClientTlsOptions;
  /** An HTTP CONNECT proxy; by default `HTTPS_PROXY` (wss:) or `HTTP_PROXY` (ws:) unless `NO_PROXY` matches. */
  proxy?: ProxyOptions;
  /** Options of the TCP connection, such as `localAddress` and `family`. */
  net?: ClientNetOptions;
  /** Seconds allowed for connecting and the opening handshake. */
  handshakeTimeout?: number;
  /** Follow 301, 302, 303, 307 and 308 responses. Default false. */
  followRedirects?: boolean;
  /** Default 10. */
  maxRedirects?: number;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

export class Client extends WebSocketSession {
  /** The status code of the handshake response (also after a failed handshake). */
  statusCode: number | undefined = undefined;
  /** The headers of the handshake response, lower-cased (also after a failed handshake). */
  headers: http.IncomingHttpHeaders = {};
  private request: http.ClientRequest | null = null;
  private tunnel: Duplex | null = null;
  private readonly offeredProtocols: string[];
  private readonly clientOptions: ClientOptions;

  constructor(url: string | URL, protocols?: string | readonly string[] | null, options: ClientOptions = {}) {
    super('client', options);
    const target = parseUrl(url);
    this.url = target.href;
    this.offeredProtocols = protocolList(protocols);
    headerLines(options.headers);
    this.clientOptions = options;
    // Listeners attached right after `new` must see every event, failures included.
    process.nextTick(() => void this.connect(target, 0));
  }

  override close(code?: number, reason?: string): void {
    super.close(code, reason);
    if (this.readyState === ReadyState.CLOSING && this.socket === null) {
      this.abort(new ConnectionError('closed before the connection was established', 'WS_ERR_CLOSED_BEFORE_OPEN'));
    }
  }

  override terminate(): void {
    if (this.socket === null) this.abort(new ConnectionError('terminated while connecting', 'WS_ERR_CLOSED_BEFORE_OPEN'));
    else super.terminate();
  }

  private async connect(target: URL, redirects: number): Promise<void> {
    if (this.readyState === ReadyState.CLOSED) return;
    const options = this.clientOptions;
    const timeoutMs = options.handshakeTimeout === undefined ? undefined : options.handshakeTimeout * 1000;
    try {
      const proxy = proxyFor(target, options.proxy);
      if (proxy !== null) {
        const tunnel = await openTunnel(target, proxy, timeoutMs);
        if ((this.readyState as ReadyState) === ReadyState.CLOSED) return void tunnel.destroy();
        this.tunnel = tunnel;
      }
      const handshake = clientHandshake(target, this.offeredProtocols, '');
      const tunnel = this.tunnel;
      const request = http.request({
        host: hostOf(target),
        path: target.pathname + target.search,
        method: 'GET',
        headers: { Host: target.host, ...options.headers, ...handshake.headers },
        // No agent: the socket comes from createConnection and is never pooled.
        createConnection: () => createTransport(target, tunnel, options) as never,
        ...(timeoutMs !== undefined ? { timeout: timeoutMs } : {}),
      });
      this.request = request;
      request.once('upgrade', (response: http.IncomingMessage, socket: Duplex, head: Buffer) => {
        this.request = null;
        this.upgraded(response, socket, head, handshake.key);
      });
      request.once('response', (response: http.IncomingMessage) => this.refused(response, target, redirects));
      request.once('timeout', () => request.destroy(new ConnectionError('the opening handshake timed out', 'WS_ERR_HANDSHAKE_TIMEOUT')));
      request.once('error', (error: Error) => this.failConnecting(asConnectionError(error, this.url)));
      request.end();
    } catch (error) {
      this.failConnecting(asConnectionError(error as Error, this.url));
    }
  }

  private upgraded(response: http.IncomingMessage, socket: Duplex, head: Buffer, key: string): void {
    this.statusCode = response.statusCode;
    this.headers = response.headers;
    if (this.readyState === ReadyState.CLOSED) return void socket.destroy();
    try {
      const accepted = checkServerResponse(response.statusCode, response.headers, key, this.offeredProtocols, []);
      this.protocol = accepted.protocol;
      this.extensions = accepted.extensions;
    } catch (error) {
      socket.destroy();
      return this.failConnecting(error as Error);
    }
    this.attach(socket);
    this.start(head);
  }

  private refused(response: http.IncomingMessage, target: URL, redirects: number): void {
    this.statusCode = response.statusCode;
    this.headers = response.headers;
    response.resume();
    this.request?.destroy();
    this.request = null;
    this.tunnel = null;
    const location = response.headers.location;
    const status = response.statusCode ?? 0;
    const options = this.clientOptions;
    if (options.followRedirects === true && REDIRECTS.has(status) && location !== undefined) {
      if (redirects >= (options.maxRedirects ?? 10)) {
        return this.failConnecting(new HandshakeError(`more than ${options.maxRedirects ?? 10} redirects`, 'WS_ERR_TOO_MANY_REDIRECTS', status));
      }
      let next: URL;
      try {
        next = parseUrl(new URL(location, target.href.replace(/^ws/, 'http')));
      } catch (error) {
        return this.failConnecting(error as Error);
      }
      return void this.connect(next, redirects + 1);
    }
    this.failConnecting(new HandshakeError(`unexpected response status ${status}`, 'WS_ERR_HANDSHAKE_STATUS', status));
  }

  private abort(error: Error): void {
    const request = this.request;
    const tunnel = this.tunnel;
    this.request = null;
    this.tunnel = null;
    this.failConnecting(error);
    request?.destroy();
    tunnel?.destroy();
  }

  /** The connection never opened: one `error`, then `close` with 1006. */
  private failConnecting(error: Error): void {
    if (this.readyState === ReadyState.CLOSED) return;
    this.emitError(error);
    this.finish();
  }
}

/** `ws:`/`wss:` (and `http:`/`https:`, mapped), no fragment (WHATWG WebSocket constructor steps 1-6). */
function parseUrl(url: string | URL): URL {
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    throw new ArgumentError(`${String(url)} is not a valid URL`, 'ERR_INVALID_URL');
  }
  if (target.protocol === 'http:') target.protocol = 'ws:';
  else if (target.protocol === 'https:') target.protocol = 'wss:';
  if (target.protocol !== 'ws:' && target.protocol !== 'wss:') {
    throw new ArgumentError(`${target.href} is not a ws: or wss: URL`, 'ERR_INVALID_URL');
  }
  if (target.hash !== '') throw new ArgumentError('a WebSocket URL has no fragment', 'ERR_INVALID_URL');
  return target;
}

function asConnectionError(error: Error, url: string): Error {
  if (error instanceof ConnectionError || error instanceof HandshakeError) return error;
  return new ConnectionError(`network error: ${url}: ${error.message}`, 'WS_ERR_SOCKET', { cause: error });
}

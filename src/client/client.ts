/**
 * The WebSocket client: `new Client(url, protocols, options)` for `ws:` and `wss:` URLs. It
 * runs the opening handshake (through a proxy tunnel and TLS when asked), then hands the
 * socket to the same session object the server uses, in the client role. This folder is the
 * client: the connection attempt and its redirects here, the HTTP CONNECT proxy (`proxy.ts`) and
 * the TCP or TLS transport under it (`transport.ts`); with `http2: true`, a stream of a shared
 * HTTP/2 session instead (RFC 8441: `http2-attempt.ts`, `http2-session-pool.ts`).
 */
import * as http from 'node:http';
import type { ClientHttp2Stream } from 'node:http2';
import type { Duplex } from 'node:stream';
import { ConnectionError, HandshakeError } from '../errors.js';
import { openTunnel, proxyFor, type ProxyOptions } from './proxy.js';
import { createTransport, hostOf, type ClientNetOptions, type ClientTlsOptions } from './transport.js';
import { headerLines, withoutCredentials, type HeaderValues } from '../handshake/custom-headers.js';
import { checkServerResponse, clientHandshake, protocolList } from '../handshake/client-handshake.js';
import { attemptOverHttp2, type StreamAttempt } from './http2-attempt.js';
import { parseUrl, validateClientOptions } from './client-arguments.js';
import { ReadyState, WebSocketSession, connectionOf, type SessionOptions } from '../websocket-session/websocket-session.js';
import type { ExtensionPlugin } from '../extensions/extension-plugin.js';
import { offerClient, validatePlugins, type ClientOffer, type NegotiatedExtensions } from '../extensions/negotiation.js';
import { DEFAULT_MAX_LENGTH } from '../ws-frame-parser/index.js';
import { reportHandshake } from '../observability/diagnostics.js';

export interface ClientOptions extends SessionOptions {
  /** Extensions to offer, in order of preference, e.g. `[permessageDeflate()]`. */
  extensions?: readonly ExtensionPlugin[];
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
  /**
   * Connect over HTTP/2 (RFC 8441): a stream of one session per origin, shared by every such
   * client (`wss:` asks for h2 in ALPN, `ws:` is HTTP/2 with prior knowledge). Default false.
   */
  http2?: boolean;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

export class Client extends WebSocketSession {
  /** The status code of the handshake response (also after a failed handshake). */
  statusCode: number | undefined = undefined;
  /** The headers of the handshake response, lower-cased (also after a failed handshake). */
  headers: http.IncomingHttpHeaders = {};
  private request: http.ClientRequest | null = null;
  private tunnel: Duplex | null = null;
  /** The handshake over HTTP/2, until its stream is handed over. */
  private streamAttempt: StreamAttempt | null = null;
  private readonly offeredProtocols: string[];
  private readonly plugins: ExtensionPlugin[];
  private readonly clientOptions: ClientOptions;
  /** Extra request headers; the credential-bearing ones are dropped on a redirect to another host. */
  private requestHeaders: HeaderValues | undefined;
  /** Aborts a CONNECT still in progress when the attempt is given up. */
  private readonly abortController = new AbortController();
  /** The `handshakeTimeout` deadline, from the first connection attempt to `open` (or failure). */
  private deadline: NodeJS.Timeout | null = null;
  /** The connecting phase is over: the socket opened, or the attempt failed or was aborted. */
  private settled = false;
  readonly #connection = connectionOf(this);

  constructor(url: string | URL, protocols?: string | readonly string[] | null, options: ClientOptions = {}) {
    super('client', options);
    const target = parseUrl(url);
    this.url = target.href;
    this.offeredProtocols = protocolList(protocols);
    headerLines(options.headers);
    validateClientOptions(options);
    this.plugins = validatePlugins(options.extensions);
    this.clientOptions = options;
    this.requestHeaders = options.headers;
    // `maxBuffered` reached by sends made while connecting gives up the attempt.
    this.#connection.abortAttempt = (error) => this.abort(error);
    // Listeners attached right after `new` must see every event, failures included.
    process.nextTick(() => void this.connect(target, 0));
  }

  override close(code?: number, reason?: string): void {
    super.close(code, reason);
    if (this.readyState === ReadyState.CLOSING && this.#connection.socket === null) {
      this.abort(new ConnectionError('closed before the connection was established', 'WS_ERR_CLOSED_BEFORE_OPEN'));
    }
  }

  override terminate(): void {
    if (this.#connection.socket === null) this.abort(new ConnectionError('terminated while connecting', 'WS_ERR_CLOSED_BEFORE_OPEN'));
    else super.terminate();
  }

  private async connect(target: URL, redirects: number): Promise<void> {
    if (this.settled) return;
    const options = this.clientOptions;
    if (redirects === 0 && options.handshakeTimeout !== undefined) {
      this.deadline = setTimeout(() => {
        this.failHandshake(new ConnectionError('the opening handshake timed out', 'WS_ERR_HANDSHAKE_TIMEOUT'));
      }, options.handshakeTimeout * 1000);
    }
    try {
      const proxy = proxyFor(target, options.proxy);
      // Each attempt (a redirect too) makes fresh extension sessions for its own offer.
      const offer = offerClient(this.plugins, { maxLength: options.maxLength ?? DEFAULT_MAX_LENGTH });
      if (options.http2 === true) return this.connectOverHttp2(target, redirects, proxy, offer);
      let tunnel: Duplex | null = null;
      if (proxy !== null) {
        tunnel = await openTunnel(target, proxy, { net: options.net, signal: this.abortController.signal });
        if (this.settled) return void tunnel.destroy();
        this.tunnel = tunnel;
      }
      const handshake = clientHandshake(target, this.offeredProtocols, offer.header);
      const request = http.request({
        host: hostOf(target),
        path: target.pathname + target.search,
        method: 'GET',
        headers: { Host: target.host, ...this.requestHeaders, ...handshake.headers },
        // No agent: the socket comes from createConnection and is never pooled.
        createConnection: () => createTransport(target, tunnel, options) as never,
      });
      this.request = request;
      // Events of a request that was given up (aborted, redirected, timed out) are ignored.
      const current = (): boolean => this.request === request && !this.settled;
      request.once('upgrade', (response: http.IncomingMessage, socket: Duplex, head: Buffer) => {
        if (!current()) return void socket.destroy();
        this.request = null;
        this.upgraded(response, socket, head, handshake.key, offer);
      });
      request.once('response', (response: http.IncomingMessage) => {
        if (!current()) return void response.resume();
        this.refused(response, target, redirects, handshake.key);
      });
      // `on`, not `once`: a second error from the same request must not go unhandled.
      request.on('error', (error: Error) => {
        if (current()) this.failHandshake(asConnectionError(error, this.url));
      });
      request.end();
    } catch (error) {
      this.failHandshake(asConnectionError(error as Error, this.url));
    }
  }

  /** The handshake on a stream of the origin's HTTP/2 session; the same outcomes as over HTTP/1.1. */
  private connectOverHttp2(target: URL, redirects: number, proxy: ProxyOptions | null, offer: ClientOffer): void {
    const options = this.clientOptions;
    const endpoint = { target, proxy, tls: options.tls, net: options.net };
    this.streamAttempt = attemptOverHttp2(endpoint, { protocols: this.offeredProtocols, offer, headers: this.requestHeaders }, {
      answered: (status, headers) => {
        this.statusCode = status;
        this.headers = headers;
      },
      opened: (stream: ClientHttp2Stream, protocol, extensions, status) => this.established(stream, undefined, protocol, extensions, status),
      refused: (status, headers) => this.redirectOrFail(status, headers.location, target, redirects),
      failed: (error) => this.failHandshake(asConnectionError(error, this.url)),
    });
  }

  private upgraded(response: http.IncomingMessage, socket: Duplex, head: Buffer, key: string, offer: ClientOffer): void {
    this.statusCode = response.statusCode;
    this.headers = response.headers;
    let protocol: string;
    let extensions: NegotiatedExtensions;
    try {
      const accepted = checkServerResponse(response.statusCode, response.headers, key, this.offeredProtocols);
      protocol = accepted.protocol;
      extensions = offer.activate(accepted.extensions);
    } catch (error) {
      socket.destroy();
      // release() also drops the proxy tunnel under a TLS socket.
      return this.failHandshake(error as Error);
    }
    this.established(socket, head, protocol, extensions, 101);
  }

  /** The handshake succeeded: the socket (or stream) goes to the session, which opens. */
  private established(socket: Duplex, head: Buffer | undefined, protocol: string, extensions: NegotiatedExtensions, status: number): void {
    this.protocol = protocol;
    this.#connection.useExtensions(extensions);
    this.settled = true;
    this.tunnel = null;
    this.streamAttempt = null;
    this.clearDeadline();
    reportHandshake('client', this.url, status);
    this.#connection.attach(socket);
    this.#connection.start(head);
  }

  private refused(response: http.IncomingMessage, target: URL, redirects: number, key: string): void {
    this.statusCode = response.statusCode;
    this.headers = response.headers;
    // The body is not read; destroying the request mid-body makes the response emit `error`.
    response.on('error', ignore);
    response.resume();
    this.request?.destroy();
    this.request = null;
    this.tunnel = null;
    const status = response.statusCode ?? 0;
    if (status === 101) {
      // Node hands over a 101 as an upgrade only with both `Upgrade` and `Connection: upgrade`;
      // the checks say which of them is missing.
      try {
        checkServerResponse(status, response.headers, key, this.offeredProtocols);
      } catch (error) {
        return this.failHandshake(error as Error);
      }
      return this.failHandshake(new HandshakeError('the 101 response did not upgrade the connection', 'WS_ERR_HANDSHAKE_UPGRADE', status));
    }
    this.redirectOrFail(status, response.headers.location, target, redirects);
  }

  /** A response that is not the handshake's: followed when it is a redirect and redirects are on, else a failure. */
  private redirectOrFail(status: number, location: string | undefined, target: URL, redirects: number): void {
    const options = this.clientOptions;
    if (options.followRedirects === true && REDIRECTS.has(status) && location !== undefined) {
      if (redirects >= (options.maxRedirects ?? 10)) {
        return this.failHandshake(new HandshakeError(`more than ${options.maxRedirects ?? 10} redirects`, 'WS_ERR_TOO_MANY_REDIRECTS', status));
      }
      let next: URL;
      try {
        next = parseUrl(new URL(location, target.href.replace(/^ws/, 'http')));
      } catch (error) {
        return this.failHandshake(error as Error);
      }
      // Credentials meant for one host are not handed to another (as browsers and `ws` do).
      if (next.host !== target.host) this.requestHeaders = withoutCredentials(this.requestHeaders);
      return void this.connect(next, redirects + 1);
    }
    this.failHandshake(new HandshakeError(`unexpected response status ${status}`, 'WS_ERR_HANDSHAKE_STATUS', status));
  }

  /**
   * `close()` or `terminate()` while connecting: CLOSING at once, then `error` and `close`
   * (1006) on a later tick, as the browser fires them from a task of their own.
   */
  private abort(error: Error): void {
    if (this.settled || this.readyState === ReadyState.CLOSED) return;
    this.settled = true;
    this.#connection.readyState = ReadyState.CLOSING;
    this.release();
    process.nextTick(() => {
      this.#connection.emitError(error);
      this.#connection.finish();
    });
  }

  /** The connection never opened: one `error` (seen in CLOSING, as `ws` does), then `close` with 1006. */
  private failHandshake(error: Error): void {
    if (this.settled || this.readyState === ReadyState.CLOSED) return;
    this.settled = true;
    this.#connection.readyState = ReadyState.CLOSING;
    this.release();
    reportHandshake('client', this.url, this.statusCode ?? 0, error);
    this.#connection.emitError(error);
    this.#connection.finish();
  }

  /** Drops whatever the connection attempt holds: the request, the tunnel, the deadline. */
  private release(): void {
    this.clearDeadline();
    const request = this.request;
    const tunnel = this.tunnel;
    const streamAttempt = this.streamAttempt;
    this.request = null;
    this.tunnel = null;
    this.streamAttempt = null;
    this.abortController.abort();
    request?.destroy();
    tunnel?.destroy();
    streamAttempt?.cancel();
  }

  private clearDeadline(): void {
    if (this.deadline !== null) clearTimeout(this.deadline);
    this.deadline = null;
  }
}

function ignore(): void {}

function asConnectionError(error: Error, url: string): Error {
  if (error instanceof ConnectionError || error instanceof HandshakeError) return error;
  return new ConnectionError(`network error: ${url}: ${error.message}`, 'WS_ERR_SOCKET', { cause: error });
}

/**
 * One connection attempt of the event-stream client: the GET for `text/event-stream` over the
 * WebSocket client's transport (TCP or TLS, `src/client/transport.ts`), through its HTTP CONNECT
 * tunnel when a proxy applies (`src/client/proxy.ts`: the `proxy` option or the environment),
 * following redirects as fetch does (301, 302, 303, 307, 308; at most `maxRedirects`). It hands
 * over the first response that is not a redirect, or one network error; after `cancel()`, nothing.
 */
import * as http from 'node:http';
import type { Duplex } from 'node:stream';
import { ConnectionError } from '../errors.js';
import { openTunnel, proxyFor, type ProxyOptions } from '../client/proxy.js';
import { createTransport, hostOf, type ClientNetOptions, type ClientTlsOptions } from '../client/transport.js';
import { withoutCredentials, type HeaderValues } from '../handshake/custom-headers.js';

export interface StreamRequestOptions {
  headers?: HeaderValues | undefined;
  tls?: ClientTlsOptions | undefined;
  proxy?: ProxyOptions | undefined;
  net?: ClientNetOptions | undefined;
  maxRedirects: number;
}

export interface StreamRequestCallbacks {
  /** The final response, body unread; `url` is where it came from (after redirects). */
  response(response: http.IncomingMessage, url: URL): void;
  /** A network error: no response (refused, reset, TLS, proxy, a bad or endless redirect). */
  error(error: Error): void;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
export const SOCKET_ERROR = 'SSE_ERR_SOCKET';

export class StreamRequest {
  private request: http.ClientRequest | null = null;
  private tunnel: Duplex | null = null;
  private response: http.IncomingMessage | null = null;
  private readonly abortController = new AbortController();
  private cancelled = false;

  constructor(
    target: URL,
    private readonly options: StreamRequestOptions,
    /** Accept, Cache-Control, Last-Event-ID: the client's own request headers. */
    private readonly ownHeaders: Record<string, string>,
    private readonly callbacks: StreamRequestCallbacks,
  ) {
    void this.hop(target, options.headers, 0);
  }

  /** Gives the attempt up: the request, the tunnel and the response are destroyed, no callback follows. */
  cancel(): void {
    if (this.cancelled) return;
    this.cancelled = true;
    this.abortController.abort();
    this.request?.destroy();
    this.response?.destroy();
    this.tunnel?.destroy();
    this.request = this.response = this.tunnel = null;
  }

  private async hop(target: URL, headers: HeaderValues | undefined, redirects: number): Promise<void> {
    const options = this.options;
    try {
      const proxy = proxyFor(target, options.proxy);
      let tunnel: Duplex | null = null;
      if (proxy !== null) {
        tunnel = await openTunnel(target, proxy, { net: options.net, signal: this.abortController.signal });
        if (this.cancelled) return void tunnel.destroy();
        this.tunnel = tunnel;
      }
      const request = http.request({
        host: hostOf(target),
        path: target.pathname + target.search,
        method: 'GET',
        headers: { Host: target.host, ...headers, ...this.ownHeaders },
        // No agent: the socket comes from createConnection and is never pooled.
        createConnection: () => createTransport(target, tunnel, options) as never,
      });
      this.request = request;
      request.once('response', (response: http.IncomingMessage) => {
        if (this.cancelled || this.request !== request) return void response.destroy();
        this.onResponse(response, target, headers, redirects);
      });
      // `on`, not `once`: a second error from the same request must not go unhandled.
      request.on('error', (error: Error) => {
        if (!this.cancelled && this.request === request) this.fail(error, target);
      });
      request.end();
    } catch (error) {
      this.fail(error as Error, target);
    }
  }

  private onResponse(response: http.IncomingMessage, target: URL, headers: HeaderValues | undefined, redirects: number): void {
    const status = response.statusCode ?? 0;
    const location = response.headers.location;
    if (!REDIRECTS.has(status) || location === undefined) {
      this.response = response;
      this.request = null;
      return this.callbacks.response(response, target);
    }
    // A redirect: its body is not read, its connection is dropped, the next hop starts afresh.
    response.on('error', () => undefined);
    response.resume();
    this.request?.destroy();
    this.request = null;
    this.tunnel = null;
    if (redirects >= this.options.maxRedirects) {
      return this.fail(new ConnectionError(`more than ${this.options.maxRedirects} redirects`, 'SSE_ERR_TOO_MANY_REDIRECTS'), target);
    }
    let next: URL;
    try {
      next = new URL(location, target);
    } catch {
      return this.fail(new ConnectionError(`redirect to an invalid URL: ${location}`, 'SSE_ERR_REDIRECT'), target);
    }
    if (next.protocol !== 'http:' && next.protocol !== 'https:') {
      return this.fail(new ConnectionError(`redirect to ${next.protocol} (not http: or https:)`, 'SSE_ERR_REDIRECT'), target);
    }
    next.hash = '';
    void this.hop(next, next.origin === target.origin ? headers : withoutCredentials(headers), redirects + 1);
  }

  private fail(error: Error, target: URL): void {
    if (this.cancelled) return;
    this.cancel();
    this.callbacks.error(error instanceof ConnectionError ? error : new ConnectionError(`network error: ${target.href}: ${error.message}`, SOCKET_ERROR, { cause: error }));
  }
}

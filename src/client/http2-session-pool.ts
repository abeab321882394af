/**
 * The client's HTTP/2 sessions, one per origin and connection settings (TLS, TCP, proxy), shared by
 * every `Client` with `http2: true` that connects there: RFC 8441 runs each WebSocket on a stream,
 * so many of them share one connection. A session counts the clients on it, connecting or open,
 * and is closed once the last is done, so that it never keeps the process alive by itself. One whose
 * streams are all taken (the server's SETTINGS_MAX_CONCURRENT_STREAMS) leaves the pool, and the
 * next client opens another connection. One that fails or goes away (GOAWAY, its socket closed) leaves the pool at once; Node then ends each
 * stream still on it, and the WebSocket on each closes with 1006.
 */
import { createHash } from 'node:crypto';
import * as http2 from 'node:http2';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import { ConnectionError, ErrorCode, HatchwayError } from '../errors.js';
import { openTunnel, type ProxyOptions } from './proxy.js';
import { createTransport, hostOf, isSecure, type TransportOptions } from './transport.js';

export interface Http2Endpoint extends TransportOptions {
  /** The WebSocket URL (`ws:` or `wss:`); only its origin matters here. */
  target: URL;
  proxy: ProxyOptions | null;
}

export interface SessionLease {
  /** The session, once the server's first SETTINGS frame has arrived (RFC 9113 §3.4). */
  readonly ready: Promise<http2.ClientHttp2Session>;
  /**
   * Takes one of the streams the server allows at once (SETTINGS_MAX_CONCURRENT_STREAMS, RFC 9113
   * §5.1.2), for the lease's whole life. `'full'`: all are taken, and Node would hold a new request
   * back until one closes (with WebSockets, maybe never); the session then takes no new client, and
   * the caller leases again. `'none'`: the server allows no stream at all.
   */
  claimStream(): 'claimed' | 'full' | 'none';
  /** The client is done with the session (idempotent); the last one to leave closes it. */
  release(): void;
}

const pool = new Map<string, PooledSession>();

export function leaseSession(endpoint: Http2Endpoint): SessionLease {
  const key = poolKey(endpoint);
  let pooled = pool.get(key);
  if (pooled === undefined || !pooled.takesStreams) {
    pooled = new PooledSession(key, endpoint);
    pool.set(key, pooled);
  }
  return pooled.lease();
}

/** Sessions in the pool now (each open or opening), for tests and diagnostics. */
export function pooledSessionCount(): number {
  return pool.size;
}

class PooledSession {
  private users = 0;
  /** Streams claimed by leases still held. */
  private streams = 0;
  private session: http2.ClientHttp2Session | null = null;
  /** Gives up the tunnel or the connection still being opened. */
  private readonly abort = new AbortController();
  private ended = false;
  /** The server's SETTINGS came: the session is usable (and closes gracefully). */
  private settled = false;
  readonly ready: Promise<http2.ClientHttp2Session>;

  constructor(
    private readonly key: string,
    endpoint: Http2Endpoint,
  ) {
    this.ready = this.open(endpoint);
    // A session that never became usable is of no use to anyone: every waiting client gets the error.
    this.ready.catch(() => this.end());
  }

  /** False once the session is closing or gone (a GOAWAY not yet seen by its listener included). */
  get takesStreams(): boolean {
    const session = this.session;
    return !this.ended && (session === null || !(session.closed || session.destroyed));
  }

  lease(): SessionLease {
    this.users++;
    let released = false;
    let claimed = false;
    return {
      ready: this.ready,
      claimStream: () => {
        if (claimed) return 'claimed';
        const limit = this.session!.remoteSettings.maxConcurrentStreams ?? Infinity;
        if (limit === 0) return 'none';
        if (this.streams >= limit) {
          // Clients leased later go to a new session; this one ends once its own have left.
          this.forget();
          return 'full';
        }
        this.streams++;
        claimed = true;
        return 'claimed';
      },
      release: () => {
        if (released) return;
        released = true;
        if (claimed) this.streams--;
        if (--this.users === 0) this.end();
      },
    };
  }

  private async open(endpoint: Http2Endpoint): Promise<http2.ClientHttp2Session> {
    const { target, proxy } = endpoint;
    const tunnel = proxy === null ? null : await openTunnel(target, proxy, { net: endpoint.net, signal: this.abort.signal });
    if (this.ended) {
      tunnel?.destroy();
      throw givenUp();
    }
    // `ws:` is HTTP/2 with prior knowledge (RFC 9113 §3.3); `wss:` asks for h2 in ALPN (§3.2).
    const socket = await connectedTransport(endpoint, tunnel, this.abort.signal);
    if (this.ended) {
      socket.destroy();
      throw givenUp();
    }
    const origin = `${isSecure(target) ? 'https' : 'http'}://${target.host}`;
    const session = http2.connect(origin, { settings: { enablePush: false }, createConnection: () => socket });
    this.session = session;
    // Errors after the session is ready reach each stream on it, which reports them.
    session.on('error', ignore);
    // No new stream goes to a session going away; those on it finish there (RFC 9113 §6.8).
    session.once('goaway', () => this.forget());
    session.once('close', () => this.forget());
    return new Promise((resolve, reject) => {
      session.once('remoteSettings', () => {
        this.settled = true;
        resolve(session);
      });
      session.once('error', reject);
      session.once('close', () => reject(new ConnectionError(`network error: ${target.href}: the HTTP/2 connection closed before the server's SETTINGS`, ErrorCode.SOCKET)));
    });
  }

  /** No client is left (or the session failed): it leaves the pool and closes. */
  private end(): void {
    this.forget();
    if (this.ended) return;
    this.ended = true;
    this.abort.abort();
    const session = this.session;
    if (session === null || session.destroyed) return;
    // No stream is left on it: a GOAWAY, then the socket closes (RFC 9113 §6.8). One still
    // connecting (a server that does not answer) is cut, or it would hold the process.
    if (this.settled) session.close();
    else session.destroy();
  }

  private forget(): void {
    if (pool.get(this.key) === this) pool.delete(this.key);
  }
}

/**
 * The connection under the session, connected (and through TLS, with h2 chosen) before the session
 * is made on it: a server that answered ALPN without h2 would read the preface as HTTP/1.1.
 */
function connectedTransport(endpoint: Http2Endpoint, tunnel: Duplex | null, signal: AbortSignal): Promise<Duplex> {
  const { target } = endpoint;
  const secure = isSecure(target);
  const socket = createTransport(target, tunnel, secure ? { net: endpoint.net, tls: { ...endpoint.tls, ALPNProtocols: ['h2'] } } : endpoint);
  const connecting = secure || (socket as Socket).connecting === true;
  return new Promise((resolve, reject) => {
    const fail = (error: Error): void => {
      socket.destroy();
      reject(error);
    };
    const onAbort = (): void => fail(givenUp());
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    const done = (): void => {
      signal.removeEventListener('abort', onAbort);
      socket.removeListener('error', onError);
    };
    const onError = (error: Error): void => {
      done();
      fail(transportError(error, target));
    };
    socket.once('error', onError);
    if (!connecting) {
      done();
      return resolve(socket);
    }
    socket.once(secure ? 'secureConnect' : 'connect', () => {
      done();
      const chosen = secure ? (socket as TLSSocket).alpnProtocol : 'h2';
      if (chosen === 'h2') resolve(socket);
      else fail(notHttp2(target, String(chosen || 'none')));
    });
  });
}

/** Every client left before the session was ready (no one sees this error). */
function givenUp(): ConnectionError {
  return new ConnectionError('the HTTP/2 session was given up', 'WS_ERR_CLOSED_BEFORE_OPEN');
}

function notHttp2(target: URL, chosen: string, cause?: Error): ConnectionError {
  const message = `${target.host} does not speak HTTP/2 over TLS (ALPN: ${chosen}, not h2)`;
  return new ConnectionError(message, ErrorCode.HTTP2_ALPN, cause === undefined ? undefined : { cause });
}

function transportError(error: Error, target: URL): Error {
  if (error instanceof HatchwayError) return error;
  // The server refused every protocol offered in ALPN (RFC 7301 §3.2), here h2.
  if ((error as NodeJS.ErrnoException).code === 'ERR_SSL_TLSV1_ALERT_NO_APPLICATION_PROTOCOL') return notHttp2(target, 'refused', error);
  return error;
}

/**
 * The pool's key: the origin and every setting of the connection under it. Bytes (a CA) count by
 * their digest; functions and other objects (a `lookup`, a secure context) by identity.
 */
function poolKey({ target, proxy, tls, net }: Http2Endpoint): string {
  const port = target.port || (isSecure(target) ? '443' : '80');
  return JSON.stringify([target.protocol, hostOf(target), port, proxy, tls ?? null, net ?? null], keyPart);
}

const identities = new WeakMap<object, number>();
let nextIdentity = 0;

function keyPart(this: Record<string, unknown>, name: string, value: unknown): unknown {
  const original = this[name];
  if (ArrayBuffer.isView(original)) {
    const bytes = new Uint8Array(original.buffer, original.byteOffset, original.byteLength);
    return `bytes:${createHash('sha256').update(bytes).digest('base64')}`;
  }
  if (typeof original === 'function' || (typeof original === 'object' && original !== null && !isPlain(original))) {
    let identity = identities.get(original);
    if (identity === undefined) identities.set(original, (identity = nextIdentity++));
    return `object:${identity}`;
  }
  return value;
}

function isPlain(value: object): boolean {
  const prototype = Object.getPrototypeOf(value) as unknown;
  return Array.isArray(value) || prototype === Object.prototype || prototype === null;
}

function ignore(): void {}

/**
 * Loopback fixtures for the Server-Sent Events tests: an HTTP server whose request handling each
 * test chooses, and a raw TCP client that keeps every byte of the response, so the wire format
 * can be checked byte for byte, and that can stop reading to play a stalled client.
 *
 * Everything opened here is tracked and torn down by `cleanup()` (call it from afterEach).
 */
import * as http from 'node:http';
import * as net from 'node:net';
import type { AddressInfo } from 'node:net';

export const WAIT_MS = 5000;

const servers = new Set<http.Server>();
const sockets = new Set<net.Socket>();

export async function cleanup(): Promise<void> {
  for (const socket of sockets) socket.destroy();
  sockets.clear();
  const closing = [...servers].map(
    (server) =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  servers.clear();
  await Promise.all(closing);
}

/** `promise`, or a rejection naming `what` after `ms`. */
export function within<T>(promise: Promise<T>, what: string, ms = WAIT_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** The next `type` event of any emitter, with a bound. */
export function nextEvent<T = unknown>(emitter: NodeJS.EventEmitter, type: string, ms = WAIT_MS): Promise<T> {
  return within(new Promise<T>((resolve) => emitter.once(type, resolve)), `'${type}'`, ms);
}

/** A listening server on 127.0.0.1 (port 0), closed by `cleanup()`. */
export async function serve(listener: http.RequestListener | http.Server): Promise<{ server: http.Server; port: number }> {
  const server = listener instanceof http.Server ? listener : http.createServer(listener);
  servers.add(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port };
}

/** A raw HTTP/1.1 client: the request is written by hand and every byte of the response is kept. */
export class RawClient {
  readonly socket: net.Socket;
  private bytes = Buffer.alloc(0);
  private readonly waiters = new Set<() => void>();
  readonly closed: Promise<void>;

  constructor(port: number, request: string) {
    this.socket = net.connect(port, '127.0.0.1');
    sockets.add(this.socket);
    this.socket.on('error', () => {});
    this.socket.on('data', (chunk: Buffer) => {
      this.bytes = Buffer.concat([this.bytes, chunk]);
      for (const waiter of [...this.waiters]) waiter();
    });
    this.closed = new Promise((resolve) => this.socket.once('close', () => resolve()));
    this.socket.write(request);
  }

  /** A GET with `Accept: text/event-stream` and any extra header lines. */
  static get(port: number, path: string, extra = '', version = '1.1'): RawClient {
    return new RawClient(port, `GET ${path} HTTP/${version}\r\nHost: 127.0.0.1:${port}\r\nAccept: text/event-stream\r\n${extra}\r\n`);
  }

  get text(): string {
    return this.bytes.toString('latin1');
  }

  /** The response head (status line and headers), once complete. */
  async head(): Promise<string> {
    await this.until((text) => text.includes('\r\n\r\n'), 'the response head');
    return this.text.slice(0, this.text.indexOf('\r\n\r\n'));
  }

  /** The body so far with chunked transfer coding removed (complete chunks only). */
  get body(): string {
    const text = this.text;
    let at = text.indexOf('\r\n\r\n');
    if (at === -1) return '';
    at += 4;
    if (!/transfer-encoding: chunked/i.test(text.slice(0, at))) return text.slice(at);
    let body = '';
    for (;;) {
      const lineEnd = text.indexOf('\r\n', at);
      if (lineEnd === -1) return body;
      const size = parseInt(text.slice(at, lineEnd), 16);
      if (Number.isNaN(size) || size === 0 || text.length < lineEnd + 2 + size + 2) return body;
      body += text.slice(lineEnd + 2, lineEnd + 2 + size);
      at = lineEnd + 2 + size + 2;
    }
  }

  /** Waits until `done(text)` holds for the raw bytes received so far. */
  until(done: (text: string) => boolean, what: string, ms = WAIT_MS): Promise<void> {
    if (done(this.text)) return Promise.resolve();
    let check: () => void = () => {};
    const waiting = new Promise<void>((resolve) => {
      check = () => {
        if (done(this.text)) resolve();
      };
      this.waiters.add(check);
    });
    return within(waiting, `${what}; received so far: ${JSON.stringify(this.text)}`, ms).finally(() =>
      this.waiters.delete(check),
    );
  }

  /** Waits until the de-chunked body ends with `suffix`. */
  bodyEndsWith(suffix: string, ms = WAIT_MS): Promise<void> {
    return this.until(() => this.body.endsWith(suffix), `a body ending in ${JSON.stringify(suffix)}`, ms);
  }

  destroy(): void {
    this.socket.destroy();
  }
}

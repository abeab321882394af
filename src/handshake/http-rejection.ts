/**
 * A short, complete HTTP response on a raw socket whose request will not be upgraded,
 * followed by closing the connection: nothing is left half-open.
 */
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';

/** How long a peer may take to close its side after the response before the socket is destroyed. */
const LINGER_MS = 2000;

export function rejectUpgrade(
  socket: Duplex,
  status: number,
  body: string,
  headers: Readonly<Record<string, string>> = {},
): void {
  if (socket.destroyed) return;
  let head = `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\nConnection: close\r\n`;
  for (const [name, value] of Object.entries(headers)) head += `${name}: ${value}\r\n`;
  head += `Content-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n`;
  socket.on('error', ignore);
  if (socket.writable) socket.end(head + body);
  closeWhenFlushed(socket);
}

/**
 * Ends a socket whose last bytes are written: reading on lets the peer's FIN arrive, and a
 * timer covers a peer that never sends one.
 */
export function closeWhenFlushed(socket: Duplex): void {
  socket.on('error', ignore);
  if (!socket.writableEnded) socket.end();
  socket.resume();
  const timer = setTimeout(() => socket.destroy(), LINGER_MS);
  timer.unref();
  socket.once('close', () => clearTimeout(timer));
}

function ignore(): void {}

/** What a refusal needs of an HTTP/2 stream (`ServerHttp2Stream` fits). */
export interface RefusableStream {
  readonly destroyed: boolean;
  readonly closed: boolean;
  readonly headersSent: boolean;
  respond(headers: Record<string, string | number>): void;
  end(body: string, callback: () => void): unknown;
  close(code?: number): void;
  on(event: 'error', listener: (error: Error) => void): unknown;
}

/**
 * The same refusal on an HTTP/2 stream (RFC 8441): a complete response, then RST_STREAM with
 * NO_ERROR (RFC 9113 §8.1) so that a client still sending cannot keep the stream open.
 */
export function refuseStream(stream: RefusableStream, status: number, body: string, headers: Readonly<Record<string, string>> = {}): void {
  stream.on('error', ignore);
  if (stream.destroyed || stream.closed) return;
  if (stream.headersSent) {
    stream.close();
    return;
  }
  const fields: Record<string, string | number> = { ':status': status, 'content-type': 'text/plain; charset=utf-8' };
  for (const [name, value] of Object.entries(headers)) fields[name.toLowerCase()] = value;
  stream.respond(fields);
  stream.end(body, () => stream.close());
}

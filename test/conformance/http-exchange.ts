/**
 * Raw HTTP exchanges for the handshake tests: a request sent as exact bytes (optionally in
 * paced pieces) on a fresh connection, and the response collected until the server closes,
 * with whether it is framed completely (RFC 9112 §6.3).
 */
import net from 'node:net';
import { chop } from './frame-encoder';
import { parseHeaderLines } from './shared/http-head';
import { track } from './open-sockets';
import { DEFAULT_TIMEOUT_MS, delay, withTimeout } from './shared/waits';

export interface HttpExchangeOptions {
  /** Write the request in pieces of this many bytes... */
  chopSize?: number;
  /** ...pausing this long after each piece. */
  pauseMs?: number;
  /** Stop (and destroy the socket) as soon as a response head has arrived, e.g. for 101. */
  stopAtHead?: boolean;
  timeoutMs?: number;
}

export interface HttpExchangeResult {
  raw: Buffer;
  statusLine: string | null;
  statusCode: number | null;
  headers: Record<string, string>;
  body: Buffer;
  /** The response is framed completely: head terminated, and Content-Length / chunked / close-delimited body complete. */
  complete: boolean;
  /** How the server ended TCP, or null if it did not within the timeout (or stopAtHead cut it short). */
  closedBy: 'fin' | 'reset' | 'close' | null;
  timedOut: boolean;
  elapsedMs: number;
  /** Error from writing the request (e.g. EPIPE once the server gave up on it). */
  writeError: string | null;
}

/** Send `request` (raw bytes) on a fresh connection and collect the response until the server closes. */
export async function httpExchange(port: number, request: Buffer | string, opts: HttpExchangeOptions = {}): Promise<HttpExchangeResult> {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const bytes = typeof request === 'string' ? Buffer.from(request, 'latin1') : request;
  const socket = track(net.connect({ host: '127.0.0.1', port }));
  socket.setNoDelay(true);
  const started = Date.now();
  const received: Buffer[] = [];
  let closedBy: HttpExchangeResult['closedBy'] = null;
  let writeError: string | null = null;
  let done = false;

  await withTimeout(
    new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('error', reject);
    }),
    timeoutMs,
    'connecting',
  );

  const finished = new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(true), timeoutMs);
    const finish = (timedOut: boolean): void => {
      clearTimeout(timer);
      resolve(timedOut);
    };
    socket.on('data', (d: Buffer) => {
      received.push(d);
      if (opts.stopAtHead && Buffer.concat(received).includes('\r\n\r\n')) finish(false);
    });
    socket.on('end', () => {
      closedBy ??= 'fin';
      finish(false);
    });
    socket.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE' || err.code === 'ECONNRESET') closedBy ??= 'reset';
      else closedBy ??= 'close';
      writeError ??= err.code ?? err.message;
      finish(false);
    });
    socket.on('close', () => {
      closedBy ??= 'close';
      finish(false);
    });
  });

  const writer = (async () => {
    const pieces = opts.chopSize ? chop(bytes, opts.chopSize) : [bytes];
    for (let i = 0; i < pieces.length && !done && !socket.destroyed; i++) {
      await new Promise<void>((resolve) => {
        socket.write(pieces[i]!, (err) => {
          if (err) writeError ??= err.message;
          resolve();
        });
      });
      if (i < pieces.length - 1 && opts.pauseMs) await delay(opts.pauseMs);
    }
  })();

  const timedOut = await finished;
  done = true;
  const elapsedMs = Date.now() - started;
  socket.destroy();
  await writer.catch(() => undefined);
  const raw = Buffer.concat(received);
  return { ...parseHttpResponse(raw, closedBy !== null), raw, closedBy, timedOut, elapsedMs, writeError };
}

function parseHttpResponse(
  raw: Buffer,
  closed: boolean,
): Pick<HttpExchangeResult, 'statusLine' | 'statusCode' | 'headers' | 'body' | 'complete'> {
  const end = raw.indexOf('\r\n\r\n');
  if (end < 0) return { statusLine: null, statusCode: null, headers: {}, body: Buffer.alloc(0), complete: false };
  const [statusLine = '', ...lines] = raw.subarray(0, end).toString('latin1').split('\r\n');
  const m = /^HTTP\/1\.[01] (\d{3})(?: .*)?$/.exec(statusLine);
  const statusCode = m ? Number(m[1]) : null;
  const headers = parseHeaderLines(lines);
  const body = raw.subarray(end + 4);
  let complete: boolean;
  if (statusCode === null) complete = false;
  else if ((statusCode >= 100 && statusCode < 200) || statusCode === 204 || statusCode === 304) complete = true;
  else if (headers['transfer-encoding'] !== undefined && /chunked/i.test(headers['transfer-encoding'])) {
    complete = /(^|\r\n)0\r\n(.*\r\n)*\r\n$/s.test(body.toString('latin1'));
  } else if (headers['content-length'] !== undefined) complete = body.length === Number(headers['content-length']);
  else complete = closed;
  return { statusLine, statusCode, headers, body, complete };
}

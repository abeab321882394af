/**
 * The head of an event-stream response: the headers every stream needs, then the caller's own
 * (CORS and the like), checked once so that nothing can split the response or take over a header
 * that framing depends on.
 */
import { ArgumentError } from '../errors.js';
import { TOKEN } from '../handshake/header-tokens.js';
import type { HeaderValues } from '../handshake/custom-headers.js';

export type ResponseHeaders = Record<string, string | string[]>;

/**
 * Headers the stream owns. `Content-Type` must be `text/event-stream` or the browser fails the
 * connection for good (WHATWG HTML §9.2.3); length, transfer coding and `Connection` are the
 * server's to frame the never-ending body (see `ResponseStream.open`).
 */
const OWNED = new Set(['content-type', 'content-length', 'transfer-encoding', 'connection', 'content-encoding']);

export interface HeadOptions {
  headers?: HeaderValues;
}

export function responseHeaders(options: HeadOptions): ResponseHeaders {
  const headers: ResponseHeaders = {
    'Content-Type': 'text/event-stream; charset=utf-8',
    // no-transform: proxies and the `compression` middleware leave the stream alone (compression
    // skips such responses), so every event reaches the browser as soon as it is written.
    'Cache-Control': 'no-cache, no-transform',
    // nginx buffers proxied responses unless told not to.
    'X-Accel-Buffering': 'no',
  };
  if (options.headers === undefined) return headers;
  const defaults = new Map(Object.keys(headers).map((name) => [name.toLowerCase(), name]));
  for (const [name, raw] of Object.entries(options.headers)) {
    if (!TOKEN.test(name)) throw new ArgumentError(`invalid header name ${JSON.stringify(name)}`, 'ERR_INVALID_HEADER');
    const lower = name.toLowerCase();
    if (OWNED.has(lower)) throw new ArgumentError(`header ${name} is set by the event stream itself`, 'ERR_INVALID_HEADER');
    const values = (Array.isArray(raw) ? raw : [raw]).map(String);
    for (const value of values) {
      if (/[\r\n\0]/.test(value)) {
        throw new ArgumentError(`header ${name} has a CR, LF or NUL in its value`, 'ERR_INVALID_HEADER');
      }
    }
    // The caller's value replaces a default of the same name (say, a stricter Cache-Control).
    const replaced = defaults.get(lower);
    if (replaced !== undefined) delete headers[replaced];
    headers[name] = values.length === 1 ? values[0]! : values;
  }
  return headers;
}

/**
 * The `headers` option: extra handshake headers, checked once so that nothing the caller
 * passes can split the response (CR, LF) or replace a header the handshake owns.
 */
import { ArgumentError } from '../errors.js';
import { TOKEN } from './header-tokens.js';

export type HeaderValues = Readonly<Record<string, string | number | readonly string[]>>;

const OWNED = new Set([
  'upgrade',
  'connection',
  'sec-websocket-accept',
  'sec-websocket-key',
  'sec-websocket-version',
  'sec-websocket-protocol',
  'sec-websocket-extensions',
  'content-length',
  'transfer-encoding',
]);

/** The headers as `Name: value\r\n` lines; throws `ArgumentError` for a bad name or value. */
export function headerLines(headers: HeaderValues | undefined): string {
  if (headers === undefined) return '';
  let lines = '';
  for (const [name, raw] of Object.entries(headers)) {
    if (!TOKEN.test(name)) throw new ArgumentError(`invalid header name ${JSON.stringify(name)}`, 'ERR_INVALID_HEADER');
    if (OWNED.has(name.toLowerCase())) {
      throw new ArgumentError(`header ${name} is set by the handshake itself`, 'ERR_INVALID_HEADER');
    }
    const values = Array.isArray(raw) ? raw : [String(raw)];
    for (const value of values) {
      if (/[\r\n\0]/.test(value)) {
        throw new ArgumentError(`header ${name} has a CR, LF or NUL in its value`, 'ERR_INVALID_HEADER');
      }
      lines += `${name}: ${value}\r\n`;
    }
  }
  return lines;
}

/** Headers that carry credentials: not sent on to another host after a redirect (Fetch, "HTTP-redirect fetch" step 13). */
const CREDENTIAL_HEADERS = new Set(['authorization', 'cookie', 'proxy-authorization']);

/** `headers` without the ones that carry credentials. */
export function withoutCredentials(headers: HeaderValues | undefined): HeaderValues | undefined {
  if (headers === undefined) return undefined;
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !CREDENTIAL_HEADERS.has(name.toLowerCase())));
}

/**
 * What an event-stream request tells the server: whether it asks for `text/event-stream`, the id
 * of the last event the client saw, and its URL. Read from `node:http` and `node:http2` (compat)
 * requests alike.
 */
import type { IncomingHttpHeaders } from 'node:http';

/** The parts of an `IncomingMessage` or `Http2ServerRequest` read here. */
export interface EventSourceRequest {
  readonly headers: IncomingHttpHeaders | Readonly<Record<string, string | string[] | undefined>>;
  readonly url?: string;
  /** Express keeps the URL the client asked for here when a router strips a mount path from `url`. */
  readonly originalUrl?: string;
  readonly httpVersionMajor?: number;
  readonly httpVersionMinor?: number;
  readonly socket?: unknown;
}

const MIME = 'text/event-stream';

/**
 * Does `Accept` list `text/event-stream` (WHATWG HTML §9.2.2: the browser's request carries
 * `Accept: text/event-stream`)? Media ranges are compared by essence, case-insensitively, with
 * their parameters ignored except `q=0`, which RFC 9110 §12.5.1 defines as "not acceptable".
 */
export function acceptsEventStream(request: EventSourceRequest): boolean {
  const accept = request.headers.accept;
  if (accept === undefined) return false;
  const joined = Array.isArray(accept) ? accept.join(',') : accept;
  if (!joined.toLowerCase().includes(MIME)) return false;
  for (const range of joined.split(',')) {
    const [essence = '', ...parameters] = range.split(';');
    if (essence.trim().toLowerCase() !== MIME) continue;
    if (!parameters.some(isZeroQuality)) return true;
  }
  return false;
}

function isZeroQuality(parameter: string): boolean {
  const [name = '', value = ''] = parameter.split('=');
  return name.trim().toLowerCase() === 'q' && Number(value.trim()) === 0;
}

/**
 * The `Last-Event-ID` request header (§9.2.4: sent by the browser when it reconnects), or else a
 * `lastEventId` query parameter, which polyfills use because they cannot set headers on every
 * transport. '' when there is neither. The value comes from the client: treat it as untrusted.
 */
export function lastEventIdOf(request: EventSourceRequest): string {
  const header = request.headers['last-event-id'];
  if (typeof header === 'string') return header;
  if (Array.isArray(header) && header.length > 0) return header[header.length - 1] ?? '';
  const url = request.url ?? '';
  const query = url.indexOf('?');
  if (query === -1 || !url.includes('lastEventId=', query)) return '';
  return new URLSearchParams(url.slice(query + 1)).get('lastEventId') ?? '';
}

/** `http(s)://host/path?query` as the client asked for it. */
export function requestUrl(request: EventSourceRequest): string {
  const headers = request.headers;
  const scheme = headerString(headers[':scheme']) ?? (isEncrypted(request.socket) ? 'https' : 'http');
  const host = headerString(headers[':authority']) ?? headerString(headers.host) ?? 'localhost';
  return `${scheme}://${host}${request.originalUrl ?? request.url ?? '/'}`;
}

function headerString(value: string | string[] | undefined): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function isEncrypted(socket: unknown): boolean {
  return (socket as { encrypted?: boolean } | null | undefined)?.encrypted === true;
}

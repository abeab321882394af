/**
 * The client's side of a WebSocket opened on an HTTP/2 stream (RFC 8441): the extended CONNECT
 * request's header block, and the checks of the server's answer. There is no key to send and no
 * accept value to check, and no `Upgrade`/`Connection` header (RFC 8441 §5); the version,
 * subprotocol and extension headers mean what they mean in RFC 6455 §4.1.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { IncomingHttpHeaders as Http2IncomingHeaders, OutgoingHttpHeaders } from 'node:http2';
import { basicCredentials } from '../handshake/basic-credentials.js';
import type { HeaderValues } from '../handshake/custom-headers.js';
import { isConnectionSpecific } from '../handshake/extended-connect.js';


export interface ExtendedConnectRequest {
  protocols: readonly string[];
  /** The `Sec-WebSocket-Extensions` offer, '' for none. */
  extensionOffer: string;
  /** The `headers` option, already checked by `headerLines`. */
  headers: HeaderValues | undefined;
}

/** The header block of the extended CONNECT for `target` (RFC 8441 §4, §5). */
export function extendedConnectHeaders(target: URL, request: ExtendedConnectRequest): OutgoingHttpHeaders {
  // RFC 8441 §5: `https` for a wss: URL, `http` for ws:.
  const headers: OutgoingHttpHeaders = {
    ':method': 'CONNECT',
    ':protocol': 'websocket',
    ':scheme': target.protocol === 'wss:' ? 'https' : 'http',
    ':authority': target.host,
    ':path': target.pathname + target.search,
  };
  for (const [name, value] of Object.entries(request.headers ?? {})) {
    const lower = name.toLowerCase();
    // RFC 9113 §8.3.1: a client speaking HTTP/2 itself puts the host in `:authority`, not in `Host`.
    if (lower === 'host') headers[':authority'] = String(value);
    else if (!isConnectionSpecific(lower)) headers[lower] = joinValues(headers[lower], value);
  }
  headers['sec-websocket-version'] = '13';
  if (request.protocols.length > 0) headers['sec-websocket-protocol'] = request.protocols.join(', ');
  if (request.extensionOffer !== '') headers['sec-websocket-extensions'] = request.extensionOffer;
  const credentials = basicCredentials(target);
  // As over HTTP/1.1, credentials in the URL win over an `Authorization` header.
  if (credentials !== null) headers.authorization = credentials;
  return headers;
}

/** Header names differing only in case are one header on HTTP/2 (lower case on the wire): their values are sent together. */
function joinValues(known: OutgoingHttpHeaders[string], value: string | number | readonly string[]): string | string[] {
  const values = Array.isArray(value) ? [...(value as readonly string[])] : [String(value)];
  if (known === undefined) return values.length === 1 ? values[0]! : values;
  return [...(Array.isArray(known) ? known : [String(known)]), ...values];
}

/** The answer's `:status`, and its headers without the pseudo-headers, as the Client exposes them. */
export function streamResponse(headers: Http2IncomingHeaders): { status: number; headers: IncomingHttpHeaders } {
  const plain: IncomingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) if (!name.startsWith(':')) plain[name] = value;
  return { status: Number(headers[':status']), headers: plain };
}

/** RFC 8441 §5: a 2xx answer opens the WebSocket. */
export function isSuccess(status: number): boolean {
  return status >= 200 && status <= 299;
}

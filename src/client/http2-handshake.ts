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
import { addHeaderFields } from '../handshake/extended-connect.js';

export interface ExtendedConnectRequest {
  protocols: readonly string[];
  /** Its `header` is the `Sec-WebSocket-Extensions` offer, '' for none. */
  offer: { readonly header: string };
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
  // RFC 9113 §8.3.1: a client speaking HTTP/2 itself puts the host in `:authority`, not in `Host`.
  addHeaderFields(headers, request.headers, ':authority');
  headers['sec-websocket-version'] = '13';
  if (request.protocols.length > 0) headers['sec-websocket-protocol'] = request.protocols.join(', ');
  if (request.offer.header !== '') headers['sec-websocket-extensions'] = request.offer.header;
  const credentials = basicCredentials(target);
  // As over HTTP/1.1, credentials in the URL win over an `Authorization` header.
  if (credentials !== null) headers.authorization = credentials;
  return headers;
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

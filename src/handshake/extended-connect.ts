/**
 * The server's side of a WebSocket opened on an HTTP/2 stream (RFC 8441): an extended CONNECT
 * request (`:method CONNECT`, `:protocol websocket`) answered by a 200 HEADERS frame. There is no
 * `Sec-WebSocket-Key`/`Accept` exchange and no `Upgrade`/`Connection` header (RFC 8441 §5); the
 * version, origin, subprotocol and extension headers mean what they mean in RFC 6455.
 */
import type { OutgoingHttpHeaders } from 'node:http2';
import { ErrorCode, HandshakeError } from '../errors.js';
import type { HeaderValues } from './custom-headers.js';
import { chooseProtocol, originAllowed, type ServerHandshakePolicy, type UpgradeRequest } from './server-handshake.js';

/**
 * Is this an extended CONNECT for a WebSocket? `:protocol` is only ever present on a CONNECT
 * (RFC 8441 §4; Node's HTTP/2 layer refuses it elsewhere), so the method is not checked: an
 * attached app may have read the request as GET to route it.
 */
export function isExtendedConnect(request: UpgradeRequest): boolean {
  const protocol = request.headers[':protocol'];
  return typeof protocol === 'string' && protocol.toLowerCase() === 'websocket';
}

export interface AcceptedExtendedConnect {
  /** The chosen subprotocol, or '' when none is shared. */
  protocol: string;
}

export function negotiateExtendedConnect(request: UpgradeRequest, policy: ServerHandshakePolicy = {}): AcceptedExtendedConnect {
  const headers = request.headers;
  // RFC 8441 §5: the version header is still sent, and only 13 is defined.
  const version = headers['sec-websocket-version'];
  if (typeof version !== 'string' || version.trim() !== '13') {
    throw new HandshakeError(`unsupported WebSocket version ${String(version)}`, ErrorCode.HANDSHAKE_VERSION, 426, {
      'Sec-WebSocket-Version': '13',
    });
  }
  if (policy.origins !== undefined && !originAllowed(policy.origins, headers.origin, request)) {
    throw new HandshakeError(`origin ${String(headers.origin)} is not allowed`, ErrorCode.HANDSHAKE_ORIGIN, 403);
  }
  return { protocol: chooseProtocol(headers['sec-websocket-protocol'], policy.protocols) };
}

/** Connection-specific headers: meaningless on HTTP/2 and refused by Node there (RFC 9113 §8.2.2). */
const CONNECTION_SPECIFIC = new Set(['connection', 'keep-alive', 'proxy-connection', 'te', 'transfer-encoding', 'upgrade']);

/** Is `lowerCaseName` a header HTTP/2 has no place for? The `headers` option's such entries are dropped on a stream. */
export function isConnectionSpecific(lowerCaseName: string): boolean {
  return CONNECTION_SPECIFIC.has(lowerCaseName);
}

export interface StreamAnswer {
  protocol: string;
  extensions: string;
  /** The `headers` option, already checked by `headerLines`. */
  headers: HeaderValues | undefined;
}

/** The 200 HEADERS frame that opens the WebSocket (RFC 8441 §5: any 2xx; 200 by convention). */
export function streamAnswerHeaders(answer: StreamAnswer): OutgoingHttpHeaders {
  const headers: OutgoingHttpHeaders = { ':status': 200 };
  for (const [name, value] of Object.entries(answer.headers ?? {})) {
    const lower = name.toLowerCase();
    if (!isConnectionSpecific(lower)) headers[lower] = Array.isArray(value) ? [...(value as readonly string[])] : String(value);
  }
  if (answer.protocol !== '') headers['sec-websocket-protocol'] = answer.protocol;
  if (answer.extensions !== '') headers['sec-websocket-extensions'] = answer.extensions;
  return headers;
}

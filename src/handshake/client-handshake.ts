/**
 * The client's side of the opening handshake (RFC 6455 §4.1): the request headers, and the
 * checks of the server's 101 response. Every failed check names itself in a `HandshakeError`.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { ArgumentError, HandshakeError } from '../errors.js';
import { acceptKey } from './accept-key.js';
import { basicCredentials } from './basic-credentials.js';
import { hasToken, TOKEN } from './header-tokens.js';

export const ClientHandshakeCode = {
  STATUS: 'WS_ERR_HANDSHAKE_STATUS',
  UPGRADE: 'WS_ERR_HANDSHAKE_UPGRADE',
  CONNECTION: 'WS_ERR_HANDSHAKE_CONNECTION',
  ACCEPT: 'WS_ERR_HANDSHAKE_ACCEPT',
  PROTOCOL: 'WS_ERR_HANDSHAKE_PROTOCOL',
  EXTENSION: 'WS_ERR_HANDSHAKE_EXTENSION',
} as const;

export interface ClientHandshake {
  key: string;
  /** Request headers for the GET, without the caller's extra headers. */
  headers: Record<string, string>;
}

export function clientHandshake(url: URL, protocols: readonly string[], extensionOffer: string): ClientHandshake {
  const key = randomBytes(16).toString('base64');
  const headers: Record<string, string> = {
    Upgrade: 'websocket',
    Connection: 'Upgrade',
    'Sec-WebSocket-Key': key,
    'Sec-WebSocket-Version': '13',
  };
  if (protocols.length > 0) headers['Sec-WebSocket-Protocol'] = protocols.join(', ');
  if (extensionOffer !== '') headers['Sec-WebSocket-Extensions'] = extensionOffer;
  const credentials = basicCredentials(url);
  if (credentials !== null) headers.Authorization = credentials;
  return { key, headers };
}

/** Subprotocols as the constructor takes them: distinct tokens (WHATWG WebSocket constructor step 8). */
export function protocolList(protocols: string | readonly string[] | undefined | null): string[] {
  const list = protocols === undefined || protocols === null ? [] : typeof protocols === 'string' ? [protocols] : [...protocols];
  const seen = new Set<string>();
  for (const protocol of list) {
    if (typeof protocol !== 'string' || !TOKEN.test(protocol) || seen.has(protocol)) {
      throw new ArgumentError(`invalid or repeated subprotocol ${JSON.stringify(protocol)}`, 'ERR_INVALID_PROTOCOL');
    }
    seen.add(protocol);
  }
  return list;
}

export interface AcceptedResponse {
  protocol: string;
  extensions: string;
}

/** RFC 6455 §4.1, the client's checks of the server's handshake, in order. */
export function checkServerResponse(
  statusCode: number | undefined,
  headers: IncomingHttpHeaders,
  key: string,
  offeredProtocols: readonly string[],
): AcceptedResponse {
  if (statusCode !== 101) {
    throw new HandshakeError(`unexpected response status ${String(statusCode)}`, ClientHandshakeCode.STATUS, statusCode ?? 0);
  }
  if (!hasToken(headers.upgrade, 'websocket')) {
    throw new HandshakeError('the Upgrade header of the response is not websocket', ClientHandshakeCode.UPGRADE, 101);
  }
  if (!hasToken(headers.connection, 'upgrade')) {
    throw new HandshakeError('the Connection header of the response does not list upgrade', ClientHandshakeCode.CONNECTION, 101);
  }
  if (headers['sec-websocket-accept'] !== acceptKey(key)) {
    throw new HandshakeError('Sec-WebSocket-Accept does not match the key', ClientHandshakeCode.ACCEPT, 101);
  }
  return checkChosen(101, headers, offeredProtocols);
}

/**
 * RFC 6455 §4.1 step 6, the check a 101 and an HTTP/2 answer (RFC 8441 §5) share: the subprotocol
 * the server chose was offered. `status` goes into the error. The extensions it chose (step 5) are
 * the offer's to check (`ClientOffer.activate`), which knows what each plugin offered.
 */
export function checkChosen(status: number, headers: IncomingHttpHeaders, offeredProtocols: readonly string[]): AcceptedResponse {
  const protocol = headers['sec-websocket-protocol'] ?? '';
  if (protocol !== '' && !offeredProtocols.includes(protocol)) {
    throw new HandshakeError(`the server chose subprotocol ${protocol}, which was not offered`, ClientHandshakeCode.PROTOCOL, status);
  }
  return { protocol, extensions: headers['sec-websocket-extensions'] ?? '' };
}

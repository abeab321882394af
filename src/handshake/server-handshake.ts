/**
 * The server's side of the opening handshake (RFC 6455 §4.2): checks the client's request
 * and builds the 101 response. Any refusal is a `HandshakeError` carrying its HTTP status. This
 * folder is the opening handshake of both roles as pure functions of headers: the server's here,
 * the client's (`client-handshake.ts`), the accept key, header lists, the caller's extra headers,
 * and the short HTTP refusal written on a socket that will not be upgraded.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { ErrorCode, HandshakeError } from '../errors.js';
import { acceptKey, isValidKey } from './accept-key.js';
import { hasToken, headerTokens } from './header-tokens.js';

/** What the handshake reads of a request; `http.IncomingMessage` fits. */
export interface UpgradeRequest {
  method?: string | undefined;
  url?: string | undefined;
  httpVersionMajor: number;
  httpVersionMinor: number;
  headers: IncomingHttpHeaders;
}

export type OriginPolicy = readonly string[] | ((origin: string | undefined, request: UpgradeRequest) => boolean);

export interface ServerHandshakePolicy {
  /** Subprotocols the server speaks; the first in the client's order wins. */
  protocols?: readonly string[] | undefined;
  origins?: OriginPolicy | undefined;
}

export interface AcceptedHandshake {
  accept: string;
  /** The chosen subprotocol, or '' when none is shared. */
  protocol: string;
  version: number;
}

/** RFC 6455 §4.1 and the drafts whose framing is identical (hybi-07, hybi-08). */
const SUPPORTED_VERSIONS = new Set(['13', '8', '7']);

/** Is this a WebSocket opening request at all (GET with `Upgrade: websocket`)? */
export function isWebSocketRequest(request: UpgradeRequest): boolean {
  return (
    request.method === 'GET' &&
    hasToken(request.headers.upgrade, 'websocket') &&
    hasToken(request.headers.connection, 'upgrade')
  );
}

export function negotiateServerHandshake(request: UpgradeRequest, policy: ServerHandshakePolicy = {}): AcceptedHandshake {
  const headers = request.headers;
  if (request.method !== 'GET') {
    throw new HandshakeError(`method ${request.method} is not GET`, ErrorCode.HANDSHAKE_METHOD, 400);
  }
  checkHttp11(request);
  if (!hasToken(headers.upgrade, 'websocket')) {
    throw new HandshakeError('the Upgrade header does not name websocket', ErrorCode.HANDSHAKE_UPGRADE, 400);
  }
  if (!hasToken(headers.connection, 'upgrade')) {
    throw new HandshakeError('the Connection header does not list upgrade', ErrorCode.HANDSHAKE_CONNECTION, 400);
  }
  const version = checkVersion(request, SUPPORTED_VERSIONS);
  const key = headers['sec-websocket-key'];
  if (!isValidKey(typeof key === 'string' ? key.trim() : key)) {
    throw new HandshakeError('Sec-WebSocket-Key is not the base64 form of 16 bytes', ErrorCode.HANDSHAKE_KEY, 400);
  }
  checkOrigin(policy, request);
  return {
    accept: acceptKey((key as string).trim()),
    protocol: chooseProtocol(headers['sec-websocket-protocol'], policy.protocols),
    version,
  };
}

/** The first protocol in the client's order that the server supports (RFC 6455 §4.2.2 step 5.4). */
export function chooseProtocol(offered: string | string[] | undefined, supported: readonly string[] | undefined): string {
  if (supported === undefined || supported.length === 0) return '';
  for (const protocol of headerTokens(offered)) {
    if (supported.includes(protocol)) return protocol;
  }
  return '';
}

function originAllowed(policy: OriginPolicy, origin: string | undefined, request: UpgradeRequest): boolean {
  return typeof policy === 'function' ? policy(origin, request) : origin !== undefined && policy.includes(origin);
}

/** RFC 6455 §4.1: the opening handshake is HTTP/1.1 or later (the legacy drafts' too). */
export function checkHttp11(request: UpgradeRequest): void {
  if (request.httpVersionMajor < 1 || (request.httpVersionMajor === 1 && request.httpVersionMinor < 1)) {
    throw new HandshakeError('HTTP/1.1 or later is required', ErrorCode.HANDSHAKE_HTTP_VERSION, 400);
  }
}

/** RFC 6455 §4.2.2: an unsupported `Sec-WebSocket-Version` gets 426 naming the one we speak; returns the version. */
export function checkVersion(request: UpgradeRequest, supported: ReadonlySet<string>): number {
  const header = request.headers['sec-websocket-version'];
  if (typeof header !== 'string' || !supported.has(header.trim())) {
    throw new HandshakeError(`unsupported WebSocket version ${String(header)}`, ErrorCode.HANDSHAKE_VERSION, 426, {
      'Sec-WebSocket-Version': '13',
    });
  }
  return Number(header.trim());
}

/** RFC 6455 §10.2: with an `origins` policy, an origin it does not allow gets 403. */
export function checkOrigin(policy: ServerHandshakePolicy, request: UpgradeRequest, origin: string | undefined = headerOrigin(request)): void {
  if (policy.origins !== undefined && !originAllowed(policy.origins, origin, request)) {
    throw new HandshakeError(`origin ${String(origin)} is not allowed`, ErrorCode.HANDSHAKE_ORIGIN, 403);
  }
}

function headerOrigin(request: UpgradeRequest): string | undefined {
  return request.headers.origin as string | undefined;
}

export interface SwitchingProtocols {
  accept: string;
  protocol: string;
  extensions: string;
  /** Pre-validated `Name: value\r\n` lines. */
  extraHeaderLines: string;
}

export function switchingProtocolsResponse(response: SwitchingProtocols): string {
  return (
    'HTTP/1.1 101 Switching Protocols\r\n' +
    'Upgrade: websocket\r\n' +
    'Connection: Upgrade\r\n' +
    `Sec-WebSocket-Accept: ${response.accept}\r\n` +
    (response.protocol !== '' ? `Sec-WebSocket-Protocol: ${response.protocol}\r\n` : '') +
    (response.extensions !== '' ? `Sec-WebSocket-Extensions: ${response.extensions}\r\n` : '') +
    response.extraHeaderLines +
    '\r\n'
  );
}

/**
 * The server's side of a WebSocket opened on an HTTP/2 stream (RFC 8441): an extended CONNECT
 * request (`:method CONNECT`, `:protocol websocket`) answered by a 200 HEADERS frame. There is no
 * `Sec-WebSocket-Key`/`Accept` exchange and no `Upgrade`/`Connection` header (RFC 8441 §5); the
 * version, origin, subprotocol and extension headers mean what they mean in RFC 6455.
 */
import type { OutgoingHttpHeaders } from 'node:http2';
import type { HeaderValues } from './custom-headers.js';
import { checkOrigin, checkVersion, chooseProtocol, type ServerHandshakePolicy, type UpgradeRequest } from './server-handshake.js';

const VERSION_13: ReadonlySet<string> = new Set(['13']);

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
  // RFC 8441 §5: the version header is still sent, and only 13 is defined.
  checkVersion(request, VERSION_13);
  checkOrigin(policy, request);
  return { protocol: chooseProtocol(request.headers['sec-websocket-protocol'], policy.protocols) };
}

/** Connection-specific headers: meaningless on HTTP/2 and refused by Node there (RFC 9113 §8.2.2). */
const CONNECTION_SPECIFIC = new Set(['connection', 'keep-alive', 'proxy-connection', 'te', 'transfer-encoding', 'upgrade']);

/** Is `lowerCaseName` a header HTTP/2 has no place for? The `headers` option's such entries are dropped on a stream. */
function isConnectionSpecific(lowerCaseName: string): boolean {
  return CONNECTION_SPECIFIC.has(lowerCaseName);
}

export interface StreamAnswer {
  protocol: string;
  extensions: string;
  /** The `headers` option, already checked by `headerLines`. */
  headers: HeaderValues | undefined;
}

/**
 * Adds the `headers` option to an HTTP/2 header block: names in lower case (RFC 9113 §8.2.1), the
 * connection-specific ones dropped (§8.2.2), and names differing only in case sent together, as
 * both go out over HTTP/1.1. `host` goes to `hostField` when given (a client's `:authority`).
 */
export function addHeaderFields(fields: OutgoingHttpHeaders, values: HeaderValues | undefined, hostField?: string): void {
  for (const [name, value] of Object.entries(values ?? {})) {
    const lower = name.toLowerCase();
    if (lower === 'host' && hostField !== undefined) fields[hostField] = String(value);
    else if (!isConnectionSpecific(lower)) fields[lower] = joinValues(fields[lower], value);
  }
}

function joinValues(known: OutgoingHttpHeaders[string], value: string | number | readonly string[]): string | string[] {
  const values = Array.isArray(value) ? [...(value as readonly string[])] : [String(value)];
  if (known === undefined) return values.length === 1 ? values[0]! : values;
  return [...(Array.isArray(known) ? known : [String(known)]), ...values];
}

/** The 200 HEADERS frame that opens the WebSocket (RFC 8441 §5: any 2xx; 200 by convention). */
export function streamAnswerHeaders(answer: StreamAnswer): OutgoingHttpHeaders {
  const headers: OutgoingHttpHeaders = { ':status': 200 };
  addHeaderFields(headers, answer.headers);
  if (answer.protocol !== '') headers['sec-websocket-protocol'] = answer.protocol;
  if (answer.extensions !== '') headers['sec-websocket-extensions'] = answer.extensions;
  return headers;
}

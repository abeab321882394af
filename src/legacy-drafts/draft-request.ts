/**
 * Which legacy draft a WebSocket request speaks, and the server's checks of it
 * (draft-hixie-thewebsocketprotocol-75 and -76, whose draft-76 is also hybi-00). A request that
 * carries any header of RFC 6455's handshake (`Sec-WebSocket-Version`, `Sec-WebSocket-Key`) is RFC
 * 6455's, whatever else it has: it is never answered as a draft. Of the rest, a request with
 * `Sec-WebSocket-Key1` or `Key2` is draft-76, and a plain `Upgrade: WebSocket` is draft-75.
 * Any refusal is a `HandshakeError` with its HTTP status, as for RFC 6455 requests.
 */
import {
  checkHttp11,
  checkOrigin,
  chooseProtocol,
  isWebSocketRequest,
  type ServerHandshakePolicy,
  type UpgradeRequest,
} from '../handshake/server-handshake.js';
import { keyQuotient } from './draft-challenge.js';

export type DraftVersion = 'hixie-75' | 'hixie-76';

export interface AcceptedDraft {
  /** The client's subprotocol when the server speaks it, else ''. */
  protocol: string;
  /** The request's `Origin`, echoed in the response (draft-76 §5.2), or undefined without one. */
  origin: string | undefined;
  /** Draft-76: the two key quotients the challenge's answer is made of (§5.2); null for draft-75. */
  quotients: readonly [number, number] | null;
}

/** The draft `request` speaks, or null when it is RFC 6455's (or no WebSocket request at all). */
export function draftVersionOf(request: UpgradeRequest): DraftVersion | null {
  const headers = request.headers;
  if (headers['sec-websocket-version'] !== undefined || headers['sec-websocket-key'] !== undefined) return null;
  if (!isWebSocketRequest(request)) return null;
  return headers['sec-websocket-key1'] !== undefined || headers['sec-websocket-key2'] !== undefined ? 'hixie-76' : 'hixie-75';
}

/** Checks a draft request (draft-76 §5.1, draft-75 §5.1) and picks its subprotocol. */
export function negotiateDraftHandshake(request: UpgradeRequest, version: DraftVersion, policy: ServerHandshakePolicy): AcceptedDraft {
  const headers = request.headers;
  // Both drafts' handshakes are an HTTP/1.1 GET (`isWebSocketRequest` has checked the method).
  checkHttp11(request);
  const quotients =
    version === 'hixie-76'
      ? ([keyQuotient(headers['sec-websocket-key1'], 'Sec-WebSocket-Key1'), keyQuotient(headers['sec-websocket-key2'], 'Sec-WebSocket-Key2')] as const)
      : null;
  const origin = singleValue(headers.origin);
  checkOrigin(policy, request, origin);
  // One subprotocol at most, under draft-76's name or draft-75's.
  const offered = version === 'hixie-76' ? headers['sec-websocket-protocol'] : headers['websocket-protocol'];
  return { protocol: chooseProtocol(offered, policy.protocols), origin, quotients };
}

function singleValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

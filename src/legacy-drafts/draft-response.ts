/**
 * The server's opening handshake in the legacy drafts. Draft-76 (§5.2): `101 WebSocket Protocol
 * Handshake`, `Sec-WebSocket-Origin` and `Sec-WebSocket-Location`, then after the header block the
 * 16-byte answer to the challenge. Draft-75: `101 Web Socket Protocol Handshake` (with the space),
 * `WebSocket-Origin` and `WebSocket-Location`, and nothing after the header block.
 */
import type { DraftVersion } from './draft-request.js';

export interface DraftResponse {
  /** The request's `Origin`; the header is left out when it had none. */
  origin: string | undefined;
  /** The WebSocket URL the client asked for, which it checks against its own (draft-76 §4.1). */
  location: string;
  /** The chosen subprotocol, or ''. */
  protocol: string;
  /** Pre-validated `Name: value\r\n` lines (the `headers` option). */
  extraHeaderLines: string;
}

/** The response's bytes: the header block, then `answer` (draft-76's 16 bytes; empty for draft-75). */
export function draftResponse(version: DraftVersion, response: DraftResponse, answer: Uint8Array): Buffer {
  const prefix = version === 'hixie-76' ? 'Sec-WebSocket-' : 'WebSocket-';
  const head =
    `HTTP/1.1 101 ${version === 'hixie-76' ? 'WebSocket' : 'Web Socket'} Protocol Handshake\r\n` +
    'Upgrade: WebSocket\r\n' +
    'Connection: Upgrade\r\n' +
    (response.origin !== undefined ? `${prefix}Origin: ${response.origin}\r\n` : '') +
    `${prefix}Location: ${response.location}\r\n` +
    (response.protocol !== '' ? `${prefix}Protocol: ${response.protocol}\r\n` : '') +
    response.extraHeaderLines +
    '\r\n';
  // Header values came from the request as Latin-1 (Node's reading of header bytes) and go back the same.
  const headBytes = Buffer.byteLength(head, 'latin1');
  const bytes = Buffer.allocUnsafe(headBytes + answer.length);
  bytes.write(head, 0, 'latin1');
  bytes.set(answer, headBytes);
  return bytes;
}

import * as crypto from 'node:crypto';

/** RFC 6455 §1.3: the GUID every server appends to the client's key. */
const WEBSOCKET_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

/** Node's one-shot digest (20.12 and later): about a third of the cost of a Hash object. */
const oneShot = (crypto as { hash?: (algorithm: string, data: string, encoding: 'base64') => string }).hash;

/** `Sec-WebSocket-Accept` for a `Sec-WebSocket-Key` (RFC 6455 §4.2.2 step 5.4). */
export function acceptKey(key: string): string {
  if (oneShot !== undefined) return oneShot('sha1', key + WEBSOCKET_GUID, 'base64');
  return crypto.createHash('sha1').update(key + WEBSOCKET_GUID).digest('base64');
}

/** A key must be the base64 form of 16 bytes (RFC 6455 §4.1 step 7): 22 characters and `==`. */
export function isValidKey(key: unknown): key is string {
  return typeof key === 'string' && /^[A-Za-z0-9+/]{22}==$/.test(key);
}

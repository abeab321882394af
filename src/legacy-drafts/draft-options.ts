/**
 * The server options for the legacy drafts, and their validation. The drafts are off by default:
 * their frames are never masked and draft-75 has no challenge at all, which is what made
 * transparent proxies' caches poisonable and led RFC 6455 to add masking and `Sec-WebSocket-Key`.
 */
import { ArgumentError } from '../errors.js';

export interface LegacyDraftOptions {
  /**
   * Also accept draft-75 and draft-76 (hixie) handshakes from clients that speak nothing newer
   * (`version` is then `'hixie-75'` or `'hixie-76'`). Off by default: unsafe on the open internet.
   */
  legacyDrafts?: boolean;
  /**
   * Seconds a draft-76 handshake may wait for its 8-byte body, which a proxy may forward after
   * the headers; a body that has not come by then drops the connection. Default 10.
   */
  handshakeTimeout?: number;
}

export const DEFAULT_HANDSHAKE_TIMEOUT = 10;

export function validateLegacyDraftOptions(options: LegacyDraftOptions): void {
  const { legacyDrafts, handshakeTimeout } = options;
  if (legacyDrafts !== undefined && typeof legacyDrafts !== 'boolean') {
    throw new ArgumentError('option legacyDrafts must be a boolean', 'ERR_INVALID_OPTION');
  }
  if (handshakeTimeout !== undefined && !(typeof handshakeTimeout === 'number' && handshakeTimeout > 0 && Number.isFinite(handshakeTimeout))) {
    throw new ArgumentError('option handshakeTimeout must be a number of seconds > 0', 'ERR_INVALID_OPTION');
  }
}

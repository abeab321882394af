/**
 * The checks of `new Client(url, protocols, options)` that throw: the URL (WHATWG WebSocket
 * constructor steps 1-6) and the client's own options (the session's are checked by the session).
 */
import { ArgumentError } from '../errors.js';
import type { ClientOptions } from './client.js';

export function validateClientOptions(options: ClientOptions): void {
  const { handshakeTimeout, maxRedirects, http2 } = options;
  if (handshakeTimeout !== undefined && !(typeof handshakeTimeout === 'number' && handshakeTimeout > 0 && Number.isFinite(handshakeTimeout))) {
    throw new ArgumentError('option handshakeTimeout must be a number of seconds > 0', 'ERR_INVALID_OPTION');
  }
  if (maxRedirects !== undefined && !(Number.isInteger(maxRedirects) && maxRedirects >= 0)) {
    throw new ArgumentError('option maxRedirects must be an integer >= 0', 'ERR_INVALID_OPTION');
  }
  if (http2 !== undefined && typeof http2 !== 'boolean') throw new ArgumentError('option http2 must be a boolean', 'ERR_INVALID_OPTION');
}

/** `ws:`/`wss:` (and `http:`/`https:`, mapped), no fragment (WHATWG WebSocket constructor steps 1-6). */
export function parseUrl(url: string | URL): URL {
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    throw new ArgumentError(`${String(url)} is not a valid URL`, 'ERR_INVALID_URL');
  }
  if (target.protocol === 'http:') target.protocol = 'ws:';
  else if (target.protocol === 'https:') target.protocol = 'wss:';
  if (target.protocol !== 'ws:' && target.protocol !== 'wss:') {
    throw new ArgumentError(`${target.href} is not a ws: or wss: URL`, 'ERR_INVALID_URL');
  }
  // `hash` is '' for both no fragment and an empty one (`ws://h/#`); the serialization tells them apart.
  if (target.hash !== '' || target.href.includes('#')) throw new ArgumentError('a WebSocket URL has no fragment', 'ERR_INVALID_URL');
  return target;
}

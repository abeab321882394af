/**
 * permessage-deflate parameters (RFC 7692 §7.1): checking an offer or a response, and working
 * out what each side promised. A malformed offer is declined, never an error.
 */
import type { ExtensionParams, ParamValue } from './extension-header.js';

export interface DeflateParams {
  server_no_context_takeover?: true;
  client_no_context_takeover?: true;
  server_max_window_bits?: number;
  /** `true`: the client can honour a limit (a bare parameter in an offer). */
  client_max_window_bits?: number | true;
}

const KNOWN = new Set(['server_no_context_takeover', 'client_no_context_takeover', 'server_max_window_bits', 'client_max_window_bits']);

export function isWindowBits(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 8 && value <= 15;
}

/** The parameters, or null when any is unknown, repeated, or out of range (RFC 7692 §7.1). */
export function readParams(params: ExtensionParams, side: 'offer' | 'response'): DeflateParams | null {
  const out: DeflateParams = {};
  for (const [key, value] of Object.entries(params)) {
    if (!KNOWN.has(key) || Array.isArray(value)) return null;
    if (!assign(out, key, value, side)) return null;
  }
  return out;
}

function assign(out: DeflateParams, key: string, value: ParamValue, side: 'offer' | 'response'): boolean {
  switch (key) {
    case 'server_no_context_takeover':
    case 'client_no_context_takeover':
      if (value !== true) return false;
      out[key] = true;
      return true;
    case 'server_max_window_bits':
      if (!isWindowBits(value)) return false;
      out.server_max_window_bits = value;
      return true;
    default:
      // A bare client_max_window_bits is an offer's way of saying "a limit is fine"; a response must give one.
      if (value === true) {
        if (side === 'response') return false;
        out.client_max_window_bits = true;
        return true;
      }
      if (!isWindowBits(value)) return false;
      out.client_max_window_bits = value;
      return true;
  }
}

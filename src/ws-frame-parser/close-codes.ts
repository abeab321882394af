/**
 * Close status codes (RFC 6455 §7.4, IANA registry).
 *
 * 1004, 1005, 1006 and 1015 are reserved and must never appear in a close frame on the wire;
 * 1005 and 1006 are reported locally when a close frame carried no code or never arrived.
 */
export const CloseCode = {
  NORMAL: 1000,
  GOING_AWAY: 1001,
  PROTOCOL_ERROR: 1002,
  UNSUPPORTED_DATA: 1003,
  NO_STATUS: 1005,
  ABNORMAL: 1006,
  INVALID_PAYLOAD: 1007,
  POLICY_VIOLATION: 1008,
  MESSAGE_TOO_BIG: 1009,
  MANDATORY_EXTENSION: 1010,
  INTERNAL_ERROR: 1011,
  SERVICE_RESTART: 1012,
  TRY_AGAIN_LATER: 1013,
  BAD_GATEWAY: 1014,
} as const;

/** May this code travel in a close frame (sent by the peer, or echoed back)? */
export function isValidWireCloseCode(code: number): boolean {
  return (
    (code >= 1000 && code <= 1003) ||
    (code >= 1007 && code <= 1014) ||
    (code >= 3000 && code <= 4999)
  );
}

/** May an application pass this code to `close()`? (WHATWG WebSocket §close(): 1000 or 3000-4999.) */
export function isApplicationCloseCode(code: number): boolean {
  return code === 1000 || (code >= 3000 && code <= 4999);
}

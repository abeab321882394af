/**
 * Close codes that may appear in a close frame on the wire (RFC 6455 §7.4.1, §7.4.2 and the
 * IANA registry): 1004-1006 and 1015 are reserved, 1016-2999 are unassigned or for extensions,
 * 3000-4999 are for libraries and applications.
 */
export function isSendableCloseCode(code: number): boolean {
  return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999);
}

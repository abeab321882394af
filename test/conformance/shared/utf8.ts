/** Strict UTF-8 validation, as RFC 6455 §8.1 requires of text messages and close reasons. */

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

export function isValidUtf8(data: Uint8Array): boolean {
  try {
    strictUtf8.decode(data);
    return true;
  } catch {
    return false;
  }
}

/**
 * The `maxBuffered` bound: the most outgoing bytes one connection may hold (api.md "Flow control
 * and limits"). A peer that does not read cannot make the server hold more: a `send()` that would
 * go past the bound fails the connection instead (`WS_ERR_BUFFER_OVERFLOW`).
 */

/** 64 MiB, one byte more than the default `maxLength`: an echo of the largest message accepted always fits. */
export const DEFAULT_MAX_BUFFERED = 64 * 1024 * 1024;

/**
 * Would `payload` on top of `buffered` bytes go past `limit`? A string's exact UTF-8 length is
 * counted only near the limit: three bytes per UTF-16 unit is never less than it.
 */
export function wouldOverflow(buffered: number, payload: string | Buffer, limit: number): boolean {
  if (typeof payload !== 'string') return buffered + payload.length > limit;
  if (buffered + payload.length * 3 <= limit) return false;
  return buffered + Buffer.byteLength(payload) > limit;
}

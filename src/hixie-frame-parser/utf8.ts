/**
 * Whole-buffer UTF-8 validation (RFC 3629 §4) for hosts that pass no native check. A draft text
 * frame is validated once it is complete: its end is the 0xFF byte, which never occurs in UTF-8,
 * so nothing is gained by checking a frame before its terminator has been seen.
 */
export type Utf8Check = (bytes: Uint8Array) => boolean;

export function isUtf8(bytes: Uint8Array): boolean {
  const end = bytes.length;
  let i = 0;
  while (i < end) {
    const lead = bytes[i]!;
    if (lead < 0x80) {
      i++;
      continue;
    }
    let count: number;
    // The second byte's range excludes overlong forms, UTF-16 surrogates and code points past U+10FFFF.
    let low = 0x80;
    let high = 0xbf;
    if (lead >= 0xc2 && lead <= 0xdf) count = 1;
    else if (lead >= 0xe0 && lead <= 0xef) {
      count = 2;
      if (lead === 0xe0) low = 0xa0;
      else if (lead === 0xed) high = 0x9f;
    } else if (lead >= 0xf0 && lead <= 0xf4) {
      count = 3;
      if (lead === 0xf0) low = 0x90;
      else if (lead === 0xf4) high = 0x8f;
    } else return false;
    // A sequence cut short by the end of the frame.
    if (i + count >= end) return false;
    for (let k = 1; k <= count; k++) {
      const byte = bytes[i + k]!;
      if (byte < low || byte > high) return false;
      low = 0x80;
      high = 0xbf;
    }
    i += count + 1;
  }
  return true;
}

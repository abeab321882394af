/**
 * The few RFC 6455 (and RFC 3629) rules the fuzzing oracle judges frames by, written out again
 * from the RFC text rather than imported from the library, so that the oracle and the library
 * cannot share a mistake.
 */

/** §5.2: opcodes 0x3-0x7 and 0xB-0xF are reserved; receiving one fails the connection. */
export function isDefinedOpcode(opcode: number): boolean {
  return opcode === 0x0 || opcode === 0x1 || opcode === 0x2 || opcode === 0x8 || opcode === 0x9 || opcode === 0xa;
}

/** §5.5: control frames are those whose opcode has the high bit set. */
export function isControlOpcode(opcode: number): boolean {
  return (opcode & 0x8) !== 0;
}

/** §5.5: all control frames have a payload length of 125 bytes or less. */
export const MAX_CONTROL_PAYLOAD = 125;

/**
 * §7.4.1 / §7.4.2 and the IANA registry: the codes a close frame may carry. 1004 is reserved, 1005,
 * 1006 and 1015 MUST NOT be set in a close frame, 1016-2999 are reserved for the protocol and its
 * extensions, and below 1000 or from 5000 up nothing is defined.
 */
export function isWireCloseCode(code: number): boolean {
  return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999);
}

/** What `close(code)` accepts (WHATWG WebSocket `close()`: 1000 or 3000-4999), and the reason's 123 bytes (§5.5: 125 - 2). */
export function isApplicationCloseCall(code: number | undefined, reason: string | undefined): boolean {
  const codeOk = code === undefined || code === 1000 || (Number.isInteger(code) && code >= 3000 && code <= 4999);
  return codeOk && (reason === undefined || Buffer.byteLength(reason) <= MAX_CONTROL_PAYLOAD - 2);
}

export type Utf8Status = 'complete' | 'partial' | 'invalid';

/**
 * RFC 3629 §4: is `bytes` valid UTF-8 ('complete'), a valid prefix cut inside a code point
 * ('partial'), or no prefix of any valid UTF-8 ('invalid': overlongs, surrogates, past U+10FFFF,
 * stray continuation bytes)? RFC 6455 §8.1 fails a text message as soon as it is 'invalid'.
 */
export function utf8Status(bytes: Uint8Array): Utf8Status {
  let i = 0;
  while (i < bytes.length) {
    const lead = bytes[i]!;
    let need: number;
    // The allowed range of the first continuation byte depends on the lead byte (§4 table).
    let low = 0x80;
    let high = 0xbf;
    if (lead <= 0x7f) need = 0;
    else if (lead >= 0xc2 && lead <= 0xdf) need = 1;
    else if (lead === 0xe0) [need, low] = [2, 0xa0];
    else if ((lead >= 0xe1 && lead <= 0xec) || lead === 0xee || lead === 0xef) need = 2;
    else if (lead === 0xed) [need, high] = [2, 0x9f];
    else if (lead === 0xf0) [need, low] = [3, 0x90];
    else if (lead >= 0xf1 && lead <= 0xf3) need = 3;
    else if (lead === 0xf4) [need, high] = [3, 0x8f];
    else return 'invalid';
    i++;
    for (let k = 0; k < need; k++, i++) {
      if (i === bytes.length) return 'partial';
      const byte = bytes[i]!;
      if (byte < low || byte > high) return 'invalid';
      low = 0x80;
      high = 0xbf;
    }
  }
  return 'complete';
}

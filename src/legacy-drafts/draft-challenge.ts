/**
 * Draft-76's challenge (draft-hixie-thewebsocketprotocol-76 §5.2): each of `Sec-WebSocket-Key1` and
 * `Key2` hides a number, its digits divided by its count of spaces; the client's 8-byte body is
 * /key_3/; the answer is the MD5 of both quotients as big-endian 32-bit integers, then /key_3/.
 * The body comes after the header block, so a proxy may forward it later than the headers: it is
 * gathered from whatever chunks it arrives in.
 */
import { createHash } from 'node:crypto';
import { ErrorCode, HandshakeError } from '../errors.js';

/** The length of /key_3/, the request's body (draft-76 §4.1). */
export const KEY3_LENGTH = 8;

const UINT32_MAX = 0xffffffff;

/**
 * The key's number divided by its spaces. The client makes the number as a quotient up to
 * 2^32 - 1 times 1 to 12 spaces, and never more than 2^32 - 1 (draft-76 §4.1): a key with no space,
 * a number over that, or one that its spaces do not divide, is no draft-76 key (§5.2 says to abort,
 * "a symptom of a cross-protocol attack") and gets a 400.
 */
export function keyQuotient(value: string | string[] | undefined, name: string): number {
  if (typeof value !== 'string') throw badKey(`${name} is missing`);
  let number = 0;
  let spaces = 0;
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code === 0x20) spaces++;
    else if (code >= 0x30 && code <= 0x39) {
      number = number * 10 + (code - 0x30);
      // Checked at each digit: the number stays exact however many digits follow.
      if (number > UINT32_MAX) throw badKey(`${name} holds a number over 2^32 - 1`);
    }
  }
  if (spaces === 0) throw badKey(`${name} has no spaces`);
  if (number % spaces !== 0) throw badKey(`${name}'s number is not a multiple of its spaces`);
  return number / spaces;
}

function badKey(message: string): HandshakeError {
  return new HandshakeError(message, ErrorCode.HANDSHAKE_KEY, 400);
}

/** The 16 bytes that follow the response's header block (draft-76 §5.2). */
export function challengeAnswer(quotient1: number, quotient2: number, key3: Uint8Array): Buffer {
  const challenge = Buffer.allocUnsafe(8 + KEY3_LENGTH);
  challenge.writeUInt32BE(quotient1, 0);
  challenge.writeUInt32BE(quotient2, 4);
  challenge.set(key3.subarray(0, KEY3_LENGTH), 8);
  return createHash('md5').update(challenge).digest();
}

/** Gathers /key_3/ from the bytes read after the headers, however they are cut. */
export class Key3Collector {
  private readonly key3 = Buffer.alloc(KEY3_LENGTH);
  private filled = 0;

  /** Takes what `chunk` holds of /key_3/; returns the bytes after it once it is whole, else null. */
  push(chunk: Buffer): Buffer | null {
    const take = Math.min(KEY3_LENGTH - this.filled, chunk.length);
    chunk.copy(this.key3, this.filled, 0, take);
    this.filled += take;
    return this.filled === KEY3_LENGTH ? chunk.subarray(take) : null;
  }

  /** /key_3/, once `push` returned non-null. */
  get value(): Buffer {
    return this.key3;
  }
}

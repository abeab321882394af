/**
 * The last text message turned into bytes or out of them, in either direction, so that sending
 * the same string again copies those bytes instead of encoding it again. Chat relays and
 * broadcasts send one string to many sockets (and often the string a client just sent): each
 * send after the first is then a copy.
 *
 * One entry for the whole process. The bytes it points at are never written again: received
 * message bytes belong to the delivered message, and written frames are never overwritten in
 * their slab.
 */
/** Longer texts are not remembered: the entry would keep a large buffer alive. */
const MAX_REMEMBERED = 65536;

let text: string | null = null;
let source: Uint8Array | null = null;
let start = 0;
let end = 0;

/** `bytes[from, to)` are the UTF-8 encoding of `value`, and will not change. */
export function rememberText(value: string, bytes: Uint8Array, from: number, to: number): void {
  if (to - from > MAX_REMEMBERED) return;
  text = value;
  source = bytes;
  start = from;
  end = to;
}

/** The UTF-8 length of `value` if it is the remembered text, else -1. */
export function rememberedLength(value: string): number {
  // Identity first: the usual hit is the very same string object.
  return text !== null && value === text ? end - start : -1;
}

/** Copies the remembered bytes (after a `rememberedLength` hit) into `target` at `offset`. */
export function copyRemembered(target: Uint8Array, offset: number): void {
  const bytes = source!;
  // No view is made when the bytes are a whole buffer (a received message) or in the target itself.
  if (target === bytes) target.copyWithin(offset, start, end);
  else if (start === 0 && end === bytes.length) target.set(bytes, offset);
  else target.set(bytes.subarray(start, end), offset);
}

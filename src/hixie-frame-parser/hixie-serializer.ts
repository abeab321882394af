/**
 * Frames the server sends in draft-75 and draft-76 (draft-76 §5.3): a text message is a 0x00
 * byte, its UTF-8 bytes and a 0xFF byte; the closing frame (draft-76 only, §1.4) is 0xFF 0x00.
 * There is nothing else to send: the drafts have no binary messages, pings or close codes, and a
 * server never masks.
 */
export const TEXT_FRAME_START = 0x00;
export const TEXT_FRAME_END = 0xff;

/** The closing frame's two bytes; copy them before handing them to anything that may keep them. */
export const CLOSING_FRAME: readonly number[] = [0xff, 0x00];

/** Bytes a text frame around `length` bytes of UTF-8 takes. */
export function textFrameLength(length: number): number {
  return length + 2;
}

/** A text frame around `text`, which must be UTF-8 (it then holds no 0xFF byte). */
export function encodeTextFrame(text: Uint8Array, allocate: (size: number) => Uint8Array = (size) => new Uint8Array(size)): Uint8Array {
  const frame = allocate(textFrameLength(text.length));
  frame[0] = TEXT_FRAME_START;
  frame.set(text, 1);
  frame[text.length + 1] = TEXT_FRAME_END;
  return frame;
}

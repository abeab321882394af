/**
 * Frames as the fuzzing peer puts them on the wire, and their encoding (RFC 6455 §5.2).
 *
 * Nothing here refuses a bad frame: every field is the generator's choice, so a frame may carry a
 * reserved opcode, RSV bits, the wrong MASK bit for its direction, a fragmented or oversized control
 * frame, or a length field that promises more than follows. This encoder shares no code with the
 * library under test.
 */

export interface PeerFrame {
  fin: boolean;
  /** RSV1..RSV3 as a 3-bit number (4 = RSV1, 2 = RSV2, 1 = RSV3). */
  rsv: number;
  /** 0..15, reserved values included. */
  opcode: number;
  masked: boolean;
  /** The masking key used when `masked` (RFC 6455 §5.3); part of the case so that runs replay exactly. */
  maskKey: Uint8Array;
  payload: Uint8Array;
  /**
   * A length field that differs from the payload (only for a frame that ends the peer's stream,
   * where nothing follows the header): e.g. a 64-bit length with its most significant bit set.
   */
  declaredLength?: bigint;
}

export const Op = { CONTINUATION: 0x0, TEXT: 0x1, BINARY: 0x2, CLOSE: 0x8, PING: 0x9, PONG: 0xa } as const;

/** The length a frame's header announces. */
export function announcedLength(frame: PeerFrame): bigint {
  return frame.declaredLength ?? BigInt(frame.payload.length);
}

/** Header bytes of a frame: 2, then 2 or 8 bytes of extended length, then the 4-byte key (§5.2). */
export function headerLength(frame: PeerFrame): number {
  const length = announcedLength(frame);
  const extended = length < 126n ? 0 : length < 0x10000n ? 2 : 8;
  return 2 + extended + (frame.masked ? 4 : 0);
}

export function encodePeerFrame(frame: PeerFrame): Buffer {
  const length = announcedLength(frame);
  const header = Buffer.alloc(headerLength(frame));
  header[0] = (frame.fin ? 0x80 : 0) | ((frame.rsv & 7) << 4) | (frame.opcode & 0x0f);
  const maskBit = frame.masked ? 0x80 : 0;
  let offset = 2;
  if (length < 126n) {
    header[1] = maskBit | Number(length);
  } else if (length < 0x10000n) {
    header[1] = maskBit | 126;
    header.writeUInt16BE(Number(length), 2);
    offset = 4;
  } else {
    header[1] = maskBit | 127;
    header.writeBigUInt64BE(length, 2);
    offset = 10;
  }
  const body = Buffer.from(frame.payload);
  if (frame.masked) {
    header.set(frame.maskKey.subarray(0, 4), offset);
    for (let i = 0; i < body.length; i++) body[i] = body[i]! ^ frame.maskKey[i & 3]!;
  }
  return Buffer.concat([header, body]);
}

/** The key of the peer's echoed close frames (any key will do, §5.3; fixed so runs replay). */
const ECHO_MASK_KEY = Uint8Array.of(0x11, 0x22, 0x33, 0x44);

/** The close frame a cooperative peer answers with: the session's code, no reason. */
export function echoFrame(role: 'server' | 'client', sessionPayload: Uint8Array): PeerFrame {
  return {
    fin: true,
    rsv: 0,
    opcode: Op.CLOSE,
    masked: role === 'server',
    maskKey: ECHO_MASK_KEY,
    payload: Uint8Array.from(sessionPayload.subarray(0, 2)),
  };
}

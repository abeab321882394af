/** Frame opcodes of RFC 6455 §5.2. */
export const Opcode = {
  CONTINUATION: 0x0,
  TEXT: 0x1,
  BINARY: 0x2,
  CLOSE: 0x8,
  PING: 0x9,
  PONG: 0xa,
} as const;

export type Opcode = (typeof Opcode)[keyof typeof Opcode];
export type DataOpcode = typeof Opcode.TEXT | typeof Opcode.BINARY;
export type ControlOpcode = typeof Opcode.CLOSE | typeof Opcode.PING | typeof Opcode.PONG;

/** The reserved bits as they sit in the first header byte (RFC 6455 §5.2). */
export const RSV1 = 0x40;
export const RSV2 = 0x20;
export const RSV3 = 0x10;

/** RFC 6455 §5.5: control frames carry at most 125 payload bytes. */
export const MAX_CONTROL_PAYLOAD = 125;

export function isControlOpcode(opcode: number): boolean {
  return (opcode & 0x8) !== 0;
}

export function isKnownOpcode(opcode: number): boolean {
  return opcode <= 0x2 || (opcode >= 0x8 && opcode <= 0xa);
}

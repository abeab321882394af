import { CloseCode } from './close-codes.js';

/**
 * Why the peer's bytes were refused. Failures are values handed to the sink, never thrown:
 * bad input from the network is an expected event, not a programming error.
 */
export interface FrameFailure {
  /** Stable identifier, listed in docs/errors.md. */
  readonly code: FailureCode;
  /** The close code to send to the peer (RFC 6455 §7.4.1). */
  readonly closeCode: number;
  /** Human-readable detail; for logs, never sent to the peer. */
  readonly message: string;
}

export const FailureCode = {
  UNEXPECTED_RSV: 'WS_ERR_UNEXPECTED_RSV',
  INVALID_OPCODE: 'WS_ERR_INVALID_OPCODE',
  EXPECTED_FIN: 'WS_ERR_EXPECTED_FIN',
  INVALID_CONTROL_PAYLOAD_LENGTH: 'WS_ERR_INVALID_CONTROL_PAYLOAD_LENGTH',
  EXPECTED_MASK: 'WS_ERR_EXPECTED_MASK',
  UNEXPECTED_MASK: 'WS_ERR_UNEXPECTED_MASK',
  UNEXPECTED_CONTINUATION: 'WS_ERR_UNEXPECTED_CONTINUATION',
  EXPECTED_CONTINUATION: 'WS_ERR_EXPECTED_CONTINUATION',
  INVALID_PAYLOAD_LENGTH: 'WS_ERR_INVALID_PAYLOAD_LENGTH',
  INVALID_CLOSE_PAYLOAD: 'WS_ERR_INVALID_CLOSE_PAYLOAD',
  INVALID_CLOSE_CODE: 'WS_ERR_INVALID_CLOSE_CODE',
  INVALID_UTF8: 'WS_ERR_INVALID_UTF8',
  MESSAGE_TOO_BIG: 'WS_ERR_MESSAGE_TOO_BIG',
  TOO_MANY_FRAGMENTS: 'WS_ERR_TOO_MANY_FRAGMENTS',
} as const;

export type FailureCode = (typeof FailureCode)[keyof typeof FailureCode];

const CLOSE_CODE_OF: Record<FailureCode, number> = {
  WS_ERR_UNEXPECTED_RSV: CloseCode.PROTOCOL_ERROR,
  WS_ERR_INVALID_OPCODE: CloseCode.PROTOCOL_ERROR,
  WS_ERR_EXPECTED_FIN: CloseCode.PROTOCOL_ERROR,
  WS_ERR_INVALID_CONTROL_PAYLOAD_LENGTH: CloseCode.PROTOCOL_ERROR,
  WS_ERR_EXPECTED_MASK: CloseCode.PROTOCOL_ERROR,
  WS_ERR_UNEXPECTED_MASK: CloseCode.PROTOCOL_ERROR,
  WS_ERR_UNEXPECTED_CONTINUATION: CloseCode.PROTOCOL_ERROR,
  WS_ERR_EXPECTED_CONTINUATION: CloseCode.PROTOCOL_ERROR,
  WS_ERR_INVALID_PAYLOAD_LENGTH: CloseCode.PROTOCOL_ERROR,
  WS_ERR_INVALID_CLOSE_PAYLOAD: CloseCode.PROTOCOL_ERROR,
  WS_ERR_INVALID_CLOSE_CODE: CloseCode.PROTOCOL_ERROR,
  WS_ERR_INVALID_UTF8: CloseCode.INVALID_PAYLOAD,
  WS_ERR_MESSAGE_TOO_BIG: CloseCode.MESSAGE_TOO_BIG,
  WS_ERR_TOO_MANY_FRAGMENTS: CloseCode.POLICY_VIOLATION,
};

export function failure(code: FailureCode, message: string): FrameFailure {
  return { code, closeCode: CLOSE_CODE_OF[code], message };
}

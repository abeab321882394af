/**
 * Why the peer's bytes were refused. As in the RFC 6455 codec, failures are values handed to the
 * sink, never thrown, with the same stable codes and the close code the session reports locally
 * (draft-75 and draft-76 frames carry no close code on the wire).
 */
export interface HixieFailure {
  /** Stable identifier, listed in docs/errors.md (the RFC 6455 codec's codes for the same faults). */
  readonly code: HixieFailureCode;
  /** The close code reported for it (RFC 6455 §7.4.1 numbering, as for RFC 6455 sessions). */
  readonly closeCode: number;
  /** Human-readable detail; for logs, never sent to the peer. */
  readonly message: string;
}

export const HixieFailureCode = {
  INVALID_UTF8: 'WS_ERR_INVALID_UTF8',
  MESSAGE_TOO_BIG: 'WS_ERR_MESSAGE_TOO_BIG',
} as const;

export type HixieFailureCode = (typeof HixieFailureCode)[keyof typeof HixieFailureCode];

const CLOSE_CODE_OF: Record<HixieFailureCode, number> = {
  WS_ERR_INVALID_UTF8: 1007,
  WS_ERR_MESSAGE_TOO_BIG: 1009,
};

export function hixieFailure(code: HixieFailureCode, message: string): HixieFailure {
  return { code, closeCode: CLOSE_CODE_OF[code], message };
}

/**
 * What a fuzzed session comes to, in a form both the model (predicted) and the harness (observed)
 * fill in, and that `expect(...).toEqual` can compare and print readably: payloads in hex.
 */

/** What an application call did; `threw ...` is anything else escaping the library (never expected). */
export type CallResult = 'returned' | 'CloseArgumentError' | 'ArgumentError' | `threw ${string}`;

/** An `error` event: a ProtocolError and the close code it names, a socket error, or anything else. */
export type ErrorSummary =
  | { kind: 'protocol'; closeCode: number }
  | { kind: 'socket' }
  | { kind: 'other'; name: string; code: string };

export interface Outcome {
  /** Did `open` fire? */
  opened: boolean;
  /** Messages delivered to the application: `text:<string>` or `binary:<hex>`. */
  messages: string[];
  /** `error` events, in order. */
  errors: ErrorSummary[];
  /** The one `close` event. */
  close: { code: number; reason: string; wasClean: boolean } | null;
  /** Frames the peer read from the session: `<opcode> <payload hex>`. */
  peerRead: string[];
  /** Did the peer read the session's FIN (`'end'`)? */
  peerReadEnd: boolean;
  /** What each application call did: returned, or threw one of the documented argument errors. */
  calls: CallResult[];
}

export function describeMessage(text: boolean, bytes: Uint8Array): string {
  return text ? `text:${Buffer.from(bytes).toString('utf8')}` : `binary:${Buffer.from(bytes).toString('hex')}`;
}

export function describeFrame(opcode: number, payload: Uint8Array): string {
  return `${opcode} ${Buffer.from(payload).toString('hex')}`;
}

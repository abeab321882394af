/**
 * One fuzzed session, as data: the role, the options, what the application calls while the
 * session is still connecting, then a list of steps (the peer's bytes, the application's calls,
 * what happens to TCP), and how the peer reacts on its own. The harness plays it against the
 * library; the model predicts it. Both read the same value, so a failing case replays exactly.
 */
import type { PeerFrame } from './peer-frame.js';

export type Role = 'server' | 'client';

export type AppCall =
  | { call: 'send'; data: string | Uint8Array }
  | { call: 'close'; code?: number; reason?: string }
  | { call: 'terminate' }
  | { call: 'ping'; payload: Uint8Array }
  | { call: 'pong'; payload: Uint8Array }
  | { call: 'pause' }
  | { call: 'resume' };

export type SendCall = Extract<AppCall, { call: 'send' }>;

export type Step =
  /** The peer writes these frames, their bytes cut into chunks of the given sizes (cycled). */
  | { kind: 'peer-frames'; frames: PeerFrame[]; chunkSizes: number[] }
  /** The peer writes only the first `keep` bytes of a frame; always followed by `peer-end` or `peer-reset`. */
  | { kind: 'peer-truncated'; frame: PeerFrame; keep: number }
  | { kind: 'app'; call: AppCall }
  /** The peer half-closes TCP (a FIN): it writes nothing more, and may go on reading. */
  | { kind: 'peer-end' }
  /** The peer resets TCP: both ends are destroyed, unread bytes are lost. */
  | { kind: 'peer-reset' }
  /** The session's own socket fails (`destroy(error)`, as a read error or ECONNRESET would). */
  | { kind: 'socket-error' }
  /** The peer stops reading what the session writes (its bytes pile up in the session's socket). */
  | { kind: 'peer-stop-reading' }
  | { kind: 'peer-start-reading' };

/**
 * What the peer does by itself. 'cooperative': a close frame from the session, when the peer has not
 * sent its own close before, is echoed with the same code (RFC 6455 §5.5.1), and a FIN from the
 * session is answered with the peer's FIN (§7.1.1). 'echo-only': it echoes the close frame but never
 * closes its side of TCP. 'unresponsive': it never answers at all. The session's closing timer ends
 * the connections the last two leave open.
 */
export type PeerPolicy = 'cooperative' | 'echo-only' | 'unresponsive';

export interface SessionFuzzOptions {
  maxLength?: number;
  maxFragments?: number;
  /** Keep-alive interval, seconds. */
  ping?: number;
  /** Seconds the closing handshake may take. */
  closeTimeout: number;
}

export interface Scenario {
  role: Role;
  options: SessionFuzzOptions;
  /** Calls made on the session before it opens (right after `new`, or before the client's `start`). */
  beforeOpen: AppCall[];
  /** Frames that arrived with the handshake (`head` of the upgrade, or after the client's 101). */
  head: PeerFrame[];
  steps: Step[];
  /**
   * Calls the application makes from inside its `message` listener, on the message with that index
   * (0 for the first delivered). The generators pick only calls whose effect does not depend on
   * where the chunk being read ends (not pause/resume).
   */
  onMessage: Array<{ message: number; call: AppCall }>;
  peer: PeerPolicy;
}

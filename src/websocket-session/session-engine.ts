/**
 * What a `WebSocketSession` asks of the engine behind it. The session is one class whatever the
 * protocol spoken on the wire; the engine is the part that differs: the RFC 6455 `Connection`
 * (`connection.ts`), or the draft-75 / draft-76 engine (`src/legacy-drafts/draft-engine.ts`). Each
 * engine owns its socket, its codec and its closing; the session only forwards the application's
 * calls, and the Hub reads the few members that let it write a frame made once for many sessions.
 */
import type { SharedCompressor } from '../extensions/shared-compression.js';
import type { ReadyState } from './ready-state.js';
import type { SendData } from './send-data.js';

/** The protocol spoken on the wire: RFC 6455, or one of the drafts before it (server only, opt-in). */
export type ProtocolVersion = 'hybi-13' | 'hixie-75' | 'hixie-76';

/** The closing of a session, as `close()` and `closeWithStatus()` start it. */
export interface SessionClosing {
  request(code: number, reason: string): void;
  requestWithStatus(code: number, graceMs: number | undefined): void;
}

export interface SessionEngine {
  readonly readyState: ReadyState;
  /** `bufferedAmount` is the outbox's. */
  readonly outbox: { readonly bufferedAmount: number };
  /** Pings sent with a callback, waiting for their pong; always null where there is no ping. */
  pingCallbacks: Array<[Buffer, () => void]> | null;
  send(data: SendData): boolean;
  /** A ping or an unsolicited pong, its payload already checked; `false` when none can be sent. */
  sendControl(opcode: number, data: Buffer): boolean;
  closingHandshake(): SessionClosing;
  terminate(): void;
  /** Stops reading for `reason` (a `ReadHold` bit), and reads again once no reason is left. */
  hold(reason: number): void;
  release(reason: number): void;
  readonly isPaused: boolean;
  /** False where only text travels (the drafts): the Hub then leaves binary events out. */
  readonly carriesBinary: boolean;
  /** Whether a frame made once for many sessions (a published event) can be written as it is. */
  readonly takesPrepared: boolean;
  /** A server's compressor that many sessions share, or null. */
  readonly sharedCompressor: SharedCompressor | null;
  sendPrepared(frame: Buffer): boolean;
}

/**
 * The closing handshake of a session (RFC 6455 §7): our close frame (sent once), the peer's,
 * the timer that drops a peer which never finishes, and what the close event reports. The
 * session creates it when closing starts, so an open connection does not carry its state.
 */
import { CloseCode, encodeClosePayload, isApplicationCloseCode, MAX_CONTROL_PAYLOAD } from '../ws-frame-parser/index.js';
import { CloseArgumentError } from '../errors.js';
import { CloseEvent } from './events.js';
import { asBuffer } from './message-data.js';
import type { SessionOptions } from './session-options.js';
import { ReadyState } from './ready-state.js';

/** What the closing handshake needs of its session (implemented by `WebSocketSession`). */
export interface ClosingHost {
  readyState: ReadyState;
  terminate(): void;
  /** Writes the close frame behind the messages still inside the extensions. */
  writeCloseFrame(payload: Buffer, after?: () => void): void;
  endSocket(): void;
}

/** `close()`'s arguments: `code` 1000 or 3000-4999, `reason` at most 123 bytes of UTF-8. */
export function checkCloseArguments(code: number | undefined, reason: string | undefined): void {
  if (code !== undefined && (!Number.isInteger(code) || !isApplicationCloseCode(code))) {
    throw new CloseArgumentError(`close code must be 1000 or 3000-4999, got ${code}`, 'ERR_INVALID_CLOSE_CODE');
  }
  if (reason !== undefined && Buffer.byteLength(reason) > MAX_CONTROL_PAYLOAD - 2) {
    throw new CloseArgumentError('close reason must be at most 123 bytes of UTF-8', 'ERR_CLOSE_REASON_TOO_LONG');
  }
}

export class ClosingHandshake {
  private timer: NodeJS.Timeout | null = null;
  /** `closeWithStatus()`'s bound on the whole close (server shutdown), cleared with the other. */
  private graceTimer: NodeJS.Timeout | null = null;
  private frameSent = false;
  frameReceived = false;
  /** Who started closing: `'local'` (`close()`, a failure, shutdown) or `'peer'` (its close frame came first). */
  initiatedBy: 'local' | 'peer' | null = null;
  /** What the close event reports: the peer's close frame, our failure code, or 1006. */
  private code: number = CloseCode.ABNORMAL;
  private reason = '';
  /** `close()` called while connecting: sent right after the handshake. */
  private requested: [number, string] | null = null;

  constructor(
    private readonly session: ClosingHost,
    private readonly options: SessionOptions,
  ) {}

  /** `close()`: at once when open; while connecting, right after the opening handshake. */
  request(code: number, reason: string): void {
    const session = this.session;
    if (session.readyState === ReadyState.CONNECTING) {
      session.readyState = ReadyState.CLOSING;
      this.requested = [code, reason];
      return;
    }
    if (session.readyState !== ReadyState.OPEN) return;
    this.start(code, reason);
  }

  /** `closeWithStatus()`: `close()` with an endpoint's own code, and a bound on the wait. */
  requestWithStatus(code: number, graceMs: number | undefined): void {
    this.request(code, '');
    if (graceMs !== undefined && this.session.readyState !== ReadyState.CLOSED && this.graceTimer === null) {
      this.graceTimer = setTimeout(closeTimedOut, graceMs, this.session);
      this.graceTimer.unref();
    }
  }

  /** The opening handshake is done after `close()` was called while connecting. */
  startRequested(): void {
    const [code, reason] = this.requested ?? [CloseCode.NORMAL, ''];
    this.start(code, reason);
  }

  private start(code: number, reason: string): void {
    this.initiatedBy ??= 'local';
    this.session.readyState = ReadyState.CLOSING;
    this.sendCloseFrame(code, reason);
    this.armTimer();
  }

  /** Our close frame goes out once; `after` runs once it is written (at once if it already was). */
  private sendCloseFrame(code: number | undefined, reason: string, after?: () => void): void {
    if (this.frameSent) return after?.();
    this.frameSent = true;
    this.session.writeCloseFrame(Buffer.from(encodeClosePayload(code, Buffer.from(reason))), after);
  }

  armTimer(): void {
    if (this.timer !== null) return;
    const seconds = this.options.closeTimeout ?? 30;
    this.timer = setTimeout(closeTimedOut, seconds * 1000, this.session);
    this.timer.unref();
  }

  /** The peer's close frame, once the messages before it are delivered. */
  received(code: number, reason: Uint8Array): void {
    const session = this.session;
    this.frameReceived = true;
    this.initiatedBy ??= 'peer';
    this.code = code;
    this.reason = asBuffer(reason).toString('utf8');
    if (session.readyState === ReadyState.OPEN) {
      session.readyState = ReadyState.CLOSING;
      // Echo the peer's code (RFC 6455 §5.5.1); an empty close is answered with an empty one.
      this.armTimer();
      this.sendCloseFrame(code === CloseCode.NO_STATUS ? undefined : code, '', () => session.endSocket());
      return;
    }
    this.armTimer();
    session.endSocket();
  }

  /** The session failed the connection (RFC 6455 §7.1.7): `closeCode` goes out, if still open, and is reported. */
  fail(closeCode: number): void {
    const session = this.session;
    this.initiatedBy ??= 'local';
    this.code = closeCode;
    this.reason = '';
    if (session.readyState === ReadyState.OPEN) this.sendCloseFrame(closeCode, '');
    session.readyState = ReadyState.CLOSING;
    this.armTimer();
  }

  /** The connection is dropped without a closing handshake (`maxBuffered` reached); `code` is reported. */
  abandon(code: number): void {
    this.initiatedBy ??= 'local';
    this.code = code;
    this.reason = '';
    this.session.readyState = ReadyState.CLOSING;
  }

  /** TCP is closed: the timer has nothing left to bound. */
  stop(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    if (this.graceTimer !== null) clearTimeout(this.graceTimer);
    this.timer = null;
    this.graceTimer = null;
  }

  closeEvent(target: unknown): CloseEvent {
    return new CloseEvent(target, this.code, this.reason, this.frameSent && this.frameReceived);
  }
}

function closeTimedOut(session: ClosingHost): void {
  session.terminate();
}

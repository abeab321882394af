/**
 * The engine behind a draft-75 or draft-76 session: the same `WebSocketSession` as RFC 6455's, with
 * the drafts' codec (`src/hixie-frame-parser/`) and the session's own parts wherever the drafts
 * behave alike: the outbox (batching, `bufferedAmount`, `drain`, reading held while the peer does
 * not read), `maxBuffered`, the closing handshake's state and timers, and the lifecycle events.
 *
 * What differs: only text travels (a binary `send()` throws, `ping()` and `pong()` return false);
 * a draft-76 handshake is complete only once the client's 8-byte body has come, which may be after
 * the headers, so the session waits CONNECTING (sends queued) until then, for `handshakeTimeout` at
 * most; draft-76 closes with 0xFF 0x00 both ways (§1.4), and draft-75, which has no closing frame,
 * by closing TCP, so its FIN plays that part. Close events report 1000 for a completed close, the
 * local code of a failure (1007, 1009, 1008) or 1006, as for RFC 6455 sessions.
 */
import { isUtf8 } from 'node:buffer';
import type { Duplex } from 'node:stream';
import { CLOSING_FRAME, HixieParser, TEXT_FRAME_END, TEXT_FRAME_START, textFrameLength, type HixieFailure, type HixieSink } from '../hixie-frame-parser/index.js';
import { CloseCode } from '../ws-frame-parser/index.js';
import { ArgumentError, ConnectionError, ErrorCode, ProtocolError } from '../errors.js';
import { socketFailure } from '../websocket-session/socket-error.js';
import { reportHandshake } from '../observability/diagnostics.js';
import { emitClose, emitError, emitOpen } from '../websocket-session/lifecycle.js';
import { deliverMessage } from '../websocket-session/incoming-frames.js';
import { Outbox, type OutboxHost } from '../websocket-session/outbox.js';
import { admits, type BoundedConnection } from '../websocket-session/outbound-limit.js';
import { bindSocket, startReading, type SessionSocket, type SocketOwner } from '../websocket-session/socket-listeners.js';
import { ClosingHandshake, type ClosingHost } from '../websocket-session/closing-handshake.js';
import { ReadyState } from '../websocket-session/ready-state.js';
import { pausedByApplication, releaseReading } from '../websocket-session/read-holds.js';
import type { SendData } from '../websocket-session/send-data.js';
import type { SessionOptions } from '../websocket-session/session-options.js';
import type { SessionEngine } from '../websocket-session/session-engine.js';
import type { WebSocketSession } from '../websocket-session/websocket-session.js';
import { Key3Collector } from './draft-challenge.js';
import { DEFAULT_HANDSHAKE_TIMEOUT, type LegacyDraftOptions } from './draft-options.js';
import type { DraftVersion } from './draft-request.js';

const EMPTY = Buffer.alloc(0);

/** The server's handshake response, given draft-76's /key_3/ (empty for draft-75). */
export type DraftResponder = (key3: Buffer) => Buffer;

export class DraftEngine implements SessionEngine, HixieSink, SocketOwner, OutboxHost, ClosingHost, BoundedConnection {
  readyState: ReadyState = ReadyState.CONNECTING;
  socket: SessionSocket | null = null;
  readonly outbox: Outbox;
  /** The drafts have no ping: nothing ever waits for a pong. */
  pingCallbacks: null = null;
  readonly abortAttempt = null;
  /** The drafts send text only: the Hub leaves binary events out unless they travel in an envelope. */
  readonly carriesBinary = false;
  /** A published event's prepared frame is an RFC 6455 frame: the Hub sends it as text instead. */
  readonly takesPrepared = false;
  readonly sharedCompressor = null;
  private readonly parser: HixieParser;
  private closing: ClosingHandshake | null = null;
  /** Why reading is held back, and whether it has started (`read-holds.ts`). */
  holds = 0;
  reading = false;
  /** Draft-76 until the body has come: gathers /key_3/, and how the response is made once it has. */
  private key3: Key3Collector | null = null;
  private respond: DraftResponder | null = null;
  private handshakeTimer: NodeJS.Timeout | null = null;
  /** Frames that came with the draft-76 body while reading was held, parsed once nothing holds it. */
  private heldBytes: Buffer | null = null;
  /** The connection was failed: a draft-75 FIN after that does not make the close a clean one. */
  private failed = false;

  constructor(
    readonly session: WebSocketSession,
    readonly version: DraftVersion,
    readonly options: SessionOptions & LegacyDraftOptions,
  ) {
    this.outbox = new Outbox(this, 'server');
    const closingFrame = version === 'hixie-76';
    this.parser = new HixieParser(this, { closingFrame, maxLength: options.maxLength, allocate: Buffer.allocUnsafe, isUtf8 });
  }

  /** Takes over the upgraded socket; nothing is written before `start()`. */
  attach(socket: Duplex): void {
    const s = bindSocket(socket, this);
    this.socket = s;
    this.outbox.attach(s);
  }

  /** Reads on from `head`: draft-75 is answered at once, draft-76 once its 8-byte body has come. */
  start(head: Buffer | undefined, respond: DraftResponder): void {
    const socket = this.socket;
    if (socket === null || socket.destroyed) return;
    startReading(this, socket);
    this.respond = respond;
    if (this.version === 'hixie-75') this.complete(EMPTY);
    else {
      this.key3 = new Key3Collector();
      const seconds = this.options.handshakeTimeout ?? DEFAULT_HANDSHAKE_TIMEOUT;
      this.handshakeTimer = setTimeout(bodyTimedOut, seconds * 1000, this, seconds);
      this.handshakeTimer.unref();
      // The body is part of the handshake: it is read even when the handler paused before it came.
      socket.resume();
    }
    if (head !== undefined && head.length > 0) this.onData(head);
  }

  /** The handshake is complete: the response goes out ahead of every frame, then the session opens. */
  private complete(key3: Buffer): void {
    this.stopHandshakeTimer();
    this.key3 = null;
    const respond = this.respond!;
    // The response's parts are of no use once it is out: the session does not hold them.
    this.respond = null;
    this.outbox.prepared(respond(key3));
    // Written while still CONNECTING, the response is not counted in `bufferedAmount`.
    this.outbox.flush();
    reportHandshake('server', this.session.url, 101);
    if (this.readyState === ReadyState.CLOSING) {
      // close() was called while connecting: the sends made before are dropped, the close follows.
      this.outbox.takePending();
      this.closingHandshake().startRequested();
      return;
    }
    const pending = this.outbox.takePending();
    this.readyState = ReadyState.OPEN;
    // Sends made before open go first, ahead of any made by the open listeners.
    if (pending !== null) for (const payload of pending) this.writeText(payload.data as string);
    emitOpen(this.session, 'server');
  }

  send(data: SendData): boolean {
    if (typeof data !== 'string') {
      throw new ArgumentError(`${this.version} has no binary messages: send() takes a string here`, ErrorCode.BINARY_UNSUPPORTED);
    }
    const state = this.readyState;
    if (state !== ReadyState.OPEN && state !== ReadyState.CONNECTING) return false;
    if (!admits(this, data)) return false;
    if (state === ReadyState.CONNECTING) {
      this.outbox.queue({ isText: true, data });
      return false;
    }
    this.writeText(data);
    return this.outbox.hasRoom();
  }

  /** 0x00, the text's UTF-8 bytes, 0xFF (draft-76 §5.3). */
  private writeText(text: string): void {
    const length = Buffer.byteLength(text);
    const frame = Buffer.allocUnsafe(textFrameLength(length));
    frame[0] = TEXT_FRAME_START;
    frame.write(text, 1, length, 'utf8');
    frame[length + 1] = TEXT_FRAME_END;
    this.outbox.prepared(frame);
  }

  /** There are no pings or pongs in the drafts. */
  sendControl(): boolean {
    return false;
  }

  sendPrepared(): boolean {
    return false;
  }

  closingHandshake(): ClosingHandshake {
    return (this.closing ??= new ClosingHandshake(this, this.options));
  }

  /** Draft-76's closing frame carries no code or reason; draft-75 has none, and closes TCP instead. */
  writeCloseFrame(_payload: Buffer, after?: () => void): void {
    if (this.version === 'hixie-76') this.outbox.prepared(Buffer.from(CLOSING_FRAME));
    after?.();
    if (this.version === 'hixie-75') this.endSocket();
  }

  /** The server closes TCP once the closing frames are out. */
  endSocket(): void {
    this.outbox.flush();
    this.socket?.end();
  }

  onData(chunk: Buffer): void {
    let bytes = chunk;
    if (this.key3 !== null) {
      const rest = this.key3.push(bytes);
      if (rest === null) return;
      this.complete(this.key3.value);
      bytes = rest;
      if (this.holds !== 0) {
        // Reading was held while the body was awaited: the frames that came with it wait as well.
        this.socket?.pause();
        if (bytes.length > 0) this.heldBytes = bytes;
        return;
      }
    }
    if (bytes.length > 0) this.parser.push(bytes);
  }

  onMessage(text: Uint8Array): void {
    if (this.readyState === ReadyState.OPEN) deliverMessage(this.session, text, true);
  }

  /** The peer's 0xFF 0x00: answered with ours unless it was sent already, then TCP is closed. */
  onClose(): void {
    this.closingHandshake().received(CloseCode.NORMAL, EMPTY);
  }

  onFailure(failure: HixieFailure): void {
    this.fail(new ProtocolError(failure), failure.closeCode);
  }

  /** Fails the connection: one error event, the closing frame (draft-76), then TCP closes. */
  fail(error: Error, closeCode: number): void {
    if (this.readyState === ReadyState.CLOSED) return;
    this.failed = true;
    this.emitError(error);
    this.parser.stop();
    this.closingHandshake().fail(closeCode);
    this.endSocket();
  }

  emitError(error: Error): void {
    emitError(this.session, 'server', error);
  }

  terminate(): void {
    if (this.readyState === ReadyState.CLOSED) return;
    if (this.socket === null) return this.finish();
    this.drop(null);
  }

  /** Ends the connection without a closing handshake, after emitting `error` if there is one. */
  drop(error: Error | null): void {
    this.parser.stop();
    if (error !== null) this.emitError(error);
    this.socket?.destroy();
  }

  onSocketEnd(): void {
    const state = this.readyState;
    // In draft-75 the peer's FIN is its close: answered with ours, and the close is complete.
    if (this.version === 'hixie-75' && !this.failed && (state === ReadyState.OPEN || state === ReadyState.CLOSING)) {
      return this.closingHandshake().received(CloseCode.NORMAL, EMPTY);
    }
    this.parser.stop();
    this.socket?.end();
  }

  onSocketError(error: Error): void {
    this.drop(this.readyState === ReadyState.OPEN ? socketFailure(error) : null);
  }

  onSocketDrain(): void {
    this.outbox.drained();
  }

  /** TCP is closed (or the connection never opened): the session ends here, exactly once. */
  finish(): void {
    if (this.readyState === ReadyState.CLOSED) return;
    this.readyState = ReadyState.CLOSED;
    this.stopHandshakeTimer();
    this.key3 = null;
    this.heldBytes = null;
    this.closing?.stop();
    this.parser.stop();
    this.outbox.discard();
    emitClose(this.session, 'server', this.closing);
  }

  private stopHandshakeTimer(): void {
    if (this.handshakeTimer !== null) clearTimeout(this.handshakeTimer);
    this.handshakeTimer = null;
  }

  get isPaused(): boolean {
    return pausedByApplication(this);
  }

  hold(reason: number): void {
    this.holds |= reason;
    // The draft-76 body is read whatever holds reading: the handshake cannot complete without it.
    if (this.key3 === null) this.socket?.pause();
  }

  release(reason: number): void {
    this.holds &= ~reason;
    const held = this.heldBytes;
    if (this.holds === 0 && held !== null) {
      this.heldBytes = null;
      this.parser.push(held);
    }
    // `reason` is cleared already; a message listener above may have held reading again.
    releaseReading(this, 0);
  }
}

/** The draft-76 body did not come within `handshakeTimeout`: the connection is dropped (close event 1006). */
function bodyTimedOut(engine: DraftEngine, seconds: number): void {
  engine.drop(new ConnectionError(`the draft-76 handshake's 8-byte body did not arrive within ${seconds} s`, ErrorCode.HANDSHAKE_TIMEOUT));
}

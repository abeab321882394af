/**
 * The engine behind one `WebSocketSession`: the socket, the frame parser, the outgoing side (`outbox.ts`)
 * and the collaborators made on demand (closing handshake, keep-alive, extension pipeline). It is the
 * parser's sink and the socket's owner, and gives each collaborator the narrow interface it asks for.
 */
import type { Duplex } from 'node:stream';
import { Opcode, type FrameFailure, type FrameParser, type FrameSink } from '../ws-frame-parser/index.js';
import { STOPPED_PARSER, frameParserFor } from './frame-parser-for.js';
import { ConnectionError, ErrorCode, ProtocolError } from '../errors.js';
import { socketFailure } from './socket-error.js';
import type { NegotiatedExtensions } from '../extensions/negotiation.js';
import type { SharedCompressor } from '../extensions/shared-compression.js';
import { emitClose, emitError, emitOpen } from './lifecycle.js';
import { Keepalive, type KeepaliveTarget } from './keepalive.js';
import { toBuffer, type Payload, type SendData } from './send-data.js';
import { asBuffer } from './message-data.js';
import type { SessionOptions } from './session-options.js';
import { ReadyState } from './ready-state.js';
import { holdReading, pausedByApplication, releaseReading } from './read-holds.js';
import { Outbox, type OutboxHost } from './outbox.js';
import { admits } from './outbound-limit.js';
import { bindSocket, startReading, type SessionSocket, type SocketOwner } from './socket-listeners.js';
import { ClosingHandshake, type ClosingHost } from './closing-handshake.js';
import { SessionExtensions, type ExtensionHost } from './session-extensions.js';
import { deliverMessage, answerPing, settlePong } from './incoming-frames.js';
import type { Role, WebSocketSession } from './websocket-session.js';

export class Connection implements FrameSink, SocketOwner, OutboxHost, ClosingHost, ExtensionHost, KeepaliveTarget {
  readyState: ReadyState = ReadyState.CONNECTING;
  socket: SessionSocket | null = null;
  /** Made with the peer's first bytes (`frame-parser-for.ts`). */
  private parser: FrameParser | null = null;
  /** The outgoing side: the write batch, early sends, `bufferedAmount` and `drain`. */
  readonly outbox: Outbox;
  /** Pings sent with a callback, waiting for the pong with the same payload. */
  pingCallbacks: Array<[Buffer, () => void]> | null = null;
  private keepalive: Keepalive | null = null;
  /** Created when closing starts: the state of the closing handshake. */
  private closing: ClosingHandshake | null = null;
  /** Negotiated extensions: the pipeline messages run through, and the RSV bits they own. */
  private pipeline: SessionExtensions | null = null;
  private extensionRsv = 0;
  /** Why reading is held back, and whether it has started (`read-holds.ts`). */
  holds = 0;
  reading = false;
  /** Set by any incoming byte; the keep-alive reads and clears it. */
  heardFromPeer = false;
  /** Set by the client: gives up a connection attempt that has no socket yet. */
  abortAttempt: ((error: Error) => void) | null = null;

  constructor(
    /** The public face: where events go, and the `binaryType` messages are delivered as. */
    readonly session: WebSocketSession,
    private readonly role: Role,
    readonly options: SessionOptions,
  ) {
    this.outbox = new Outbox(this, role);
  }

  /** Takes over an upgraded socket. Bytes written before `start()` precede every frame. */
  attach(socket: Duplex): void {
    const s = bindSocket(socket, this);
    this.socket = s;
    this.outbox.attach(s);
  }

  /** Nothing the peer sends is parsed from now on. */
  private stopParser(): void {
    if (this.parser === null) this.parser = STOPPED_PARSER;
    else this.parser.stop();
  }

  /** The handshake agreed on these extensions; call before `attach`. */
  useExtensions(negotiated: NegotiatedExtensions): void {
    this.session.extensions = negotiated.header;
    this.extensionRsv = negotiated.rsv;
    if (negotiated.sessions.length > 0) this.pipeline = new SessionExtensions(negotiated.sessions, this);
  }

  /** The handshake is done: open, flush what was sent early, then read frames (from `head` first). */
  start(head: Buffer | undefined): void {
    const socket = this.socket;
    if (socket === null || socket.destroyed) return;
    startReading(this, socket);
    if (this.readyState === ReadyState.CLOSING) {
      // close() was called while connecting: the sends made before are dropped, the close frame
      // follows the handshake at once, and the frames that came with it are still read.
      this.outbox.takePending();
      this.closingHandshake().startRequested();
    } else this.open();
    if (head !== undefined && head.length > 0) this.onData(head);
  }

  private open(): void {
    const pending = this.outbox.takePending();
    this.readyState = ReadyState.OPEN;
    const ping = this.options.ping ?? 0;
    if (ping > 0) this.keepalive = new Keepalive(this, ping * 1000);
    // Sends made before open go first, ahead of any made by the open listeners.
    if (pending !== null) for (const payload of pending) this.sendPayload(payload);
    emitOpen(this.session, this.role);
  }

  send(data: SendData): boolean {
    const state = this.readyState;
    if (state !== ReadyState.OPEN && state !== ReadyState.CONNECTING) return false;
    const bytes = typeof data === 'string' ? data : toBuffer(data);
    if (!admits(this, bytes)) return false;
    const isText = typeof bytes === 'string';
    if (state === ReadyState.CONNECTING) {
      this.outbox.queue({ isText, data: bytes });
      return false;
    }
    // The common case frames the bytes straight away: no payload object per message.
    if (this.pipeline !== null) this.pipeline.send({ isText, data: bytes });
    else this.sendFrame(isText ? Opcode.TEXT : Opcode.BINARY, bytes);
    return this.outbox.hasRoom();
  }

  /** RFC 6455 carries binary messages as well as text. */
  get carriesBinary(): boolean {
    return true;
  }

  /** Frames made once for many sessions fit this one: it is a server's (unmasked) with no extension in the way. */
  get takesPrepared(): boolean {
    return this.role === 'server' && this.pipeline === null;
  }

  /** A server's compressor that many sessions share (frames made once, compressed once), or null. */
  get sharedCompressor(): SharedCompressor | null {
    return this.role === 'server' ? (this.pipeline?.sharedCompressor ?? null) : null;
  }

  /** A whole frame made once for many sessions (a published event): `send()`'s checks, then its bytes as they are. */
  sendPrepared(frame: Buffer): boolean {
    if (this.readyState !== ReadyState.OPEN || !admits(this, frame)) return false;
    if (this.pipeline === null) this.outbox.prepared(frame);
    else this.pipeline.sendPrepared(frame);
    return this.outbox.hasRoom();
  }

  /** A ping (also the keep-alive's) or an unsolicited pong, its payload already checked; `false` unless open. */
  sendControl(opcode: number, data: Buffer): boolean {
    if (this.readyState !== ReadyState.OPEN) return false;
    this.sendFrame(opcode, data);
    return true;
  }

  private sendPayload(payload: Payload): void {
    if (this.pipeline !== null) this.pipeline.send(payload);
    else this.sendFrame(payload.isText ? Opcode.TEXT : Opcode.BINARY, payload.data);
  }

  /** Writes one frame into the turn's batch. */
  sendFrame(opcode: number, data: string | Buffer, rsv = 0, fin = true): void {
    this.outbox.frame(opcode, data, rsv, fin);
  }

  onSocketDrain(): void {
    this.outbox.drained();
  }

  /** Drops the connection at once, without a closing handshake. */
  terminate(): void {
    if (this.readyState === ReadyState.CLOSED) return;
    if (this.socket === null) return this.finish();
    this.drop(null);
  }

  /** Ends the connection without a closing handshake, after emitting `error` if there is one. */
  drop(error: Error | null): void {
    // Called from a listener, the rest of the chunk being parsed must not be answered.
    this.stopParser();
    if (error !== null) this.emitError(error);
    this.socket?.destroy();
  }

  /** The closing handshake, created when closing starts (`close()`, the peer's close frame, a failure). */
  closingHandshake(): ClosingHandshake {
    return (this.closing ??= new ClosingHandshake(this, this.options));
  }

  /** The close frame goes out after the messages still inside the extensions, which are then closed (RFC 7692 §6). */
  writeCloseFrame(payload: Buffer, after?: () => void): void {
    const write = (): void => {
      this.sendFrame(Opcode.CLOSE, payload);
      after?.();
    };
    if (this.pipeline !== null) this.pipeline.close(write);
    else write();
  }

  /** Ends the TCP connection once the close frames are out. */
  endSocket(): void {
    const socket = this.socket;
    if (socket === null) return;
    this.outbox.flush();
    // RFC 6455 §7.1.1: the server closes TCP first; a client waits for it (with the timer).
    if (this.role === 'server' || this.closing?.frameReceived === true) socket.end();
  }

  onData(chunk: Buffer): void {
    this.heardFromPeer = true;
    (this.parser ??= frameParserFor(this, this.role, this.extensionRsv, this.options)).push(chunk);
  }

  onMessage(data: Uint8Array, isText: boolean, rsv: number): void {
    if (this.readyState !== ReadyState.OPEN) return;
    if (this.pipeline === null) return deliverMessage(this.session, data, isText);
    this.pipeline.receive(asBuffer(data), isText, rsv);
  }

  /** A message out of the extension pipeline. */
  deliver(bytes: Buffer, isText: boolean): void {
    deliverMessage(this.session, bytes, isText);
  }

  onPing(payload: Uint8Array): void {
    if (this.readyState === ReadyState.OPEN) answerPing(this, payload);
  }

  onPong(payload: Uint8Array): void {
    settlePong(this, payload);
  }

  onClose(code: number, reason: Uint8Array): void {
    const closing = this.closingHandshake();
    if (this.pipeline !== null && this.readyState === ReadyState.OPEN && this.pipeline.holdClose(code, reason)) {
      return closing.armTimer();
    }
    closing.received(code, reason);
  }

  onFailure(failure: FrameFailure): void {
    this.fail(new ProtocolError(failure), failure.closeCode);
  }

  /** Fails the connection (RFC 6455 §7.1.7): one error event, a close frame, then TCP closes. */
  fail(error: Error, closeCode: number): void {
    if (this.readyState === ReadyState.CLOSED) return;
    this.emitError(error);
    this.stopParser();
    // What is still inside the extensions is dropped: the close frame goes out now.
    this.pipeline?.drop();
    this.pipeline = null;
    this.closingHandshake().fail(closeCode);
    if (this.socket === null) return;
    this.outbox.flush();
    this.socket.end();
  }

  /** Reports `error` (to the diagnostics channel always, to the session when it listens). */
  emitError(error: Error): void {
    emitError(this.session, this.role, error);
  }

  /** The peer half-closed TCP. */
  onSocketEnd(): void {
    // A held close frame ends the socket itself once the messages before it are delivered.
    if (this.pipeline !== null && this.pipeline.holdsClose) return;
    if (this.closing?.frameReceived !== true && this.readyState !== ReadyState.CLOSED) this.stopParser();
    this.socket?.end();
  }

  onSocketError(error: Error): void {
    this.drop(this.readyState === ReadyState.OPEN ? socketFailure(error) : null);
  }

  /** TCP is closed (or the connection never opened): the session ends here, exactly once. */
  finish(): void {
    if (this.readyState === ReadyState.CLOSED) return;
    this.readyState = ReadyState.CLOSED;
    this.closing?.stop();
    this.keepalive?.stop();
    this.keepalive = null;
    this.stopParser();
    this.pipeline?.destroy();
    this.outbox.discard();
    this.pingCallbacks = null;
    emitClose(this.session, this.role, this.closing);
  }

  /** The keep-alive found the peer silent for a whole interval. */
  dropSilentPeer(): void {
    this.drop(new ConnectionError('no answer to ping', ErrorCode.PING_TIMEOUT));
  }

  get isPaused(): boolean {
    return pausedByApplication(this);
  }

  hold(reason: number): void {
    holdReading(this, reason);
  }

  release(reason: number): void {
    releaseReading(this, reason);
  }
}

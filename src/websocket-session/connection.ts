/**
 * The engine behind one `WebSocketSession`: the socket, the frame parser, the per-turn write batch,
 * sends made before `open`, and the collaborators made on demand (closing handshake, keep-alive,
 * extension pipeline). It is the parser's sink and the socket's owner, and gives each collaborator
 * the narrow interface it asks for. Nothing here is published (see `websocket-session.ts`).
 */
import { isUtf8 } from 'node:buffer';
import type { Duplex } from 'node:stream';
import { CloseCode, FrameParser, Opcode, type FrameFailure, type FrameSink } from '../ws-frame-parser/index.js';
import { ConnectionError, ErrorCode, ProtocolError } from '../errors.js';
import type { NegotiatedExtensions } from '../extensions/negotiation.js';
import { CloseEvent, ErrorEvent, WebSocketEvent } from './events.js';
import { Keepalive, type KeepaliveTarget } from './keepalive.js';
import { writeFrame, writeLatin1 } from './frame-writer.js';
import { toBuffer, toPayload, type Payload, type SendData } from './send-data.js';
import { asBuffer } from './message-data.js';
import type { SessionOptions } from './session-options.js';
import { WriteBatcher, type FlushListener } from './write-batcher.js';
import { ReadyState } from './ready-state.js';
import { bindSocket, startReading, type SessionSocket, type SocketOwner } from './socket-listeners.js';
import { ClosingHandshake, type ClosingHost } from './closing-handshake.js';
import { SessionExtensions, type ExtensionHost } from './session-extensions.js';
import { deliverMessage, answerPing, settlePong } from './incoming-frames.js';
import type { Role, WebSocketSession } from './websocket-session.js';

export class Connection implements FrameSink, SocketOwner, FlushListener, ClosingHost, ExtensionHost, KeepaliveTarget {
  readyState: ReadyState = ReadyState.CONNECTING;
  socket: SessionSocket | null = null;
  private parser: FrameParser | null = null;
  private writer: WriteBatcher | null = null;
  /** Sends made before `open`. */
  private pending: Payload[] | null = null;
  /** Pings sent with a callback, waiting for the pong with the same payload. */
  pingCallbacks: Array<[Buffer, () => void]> | null = null;
  private keepalive: Keepalive | null = null;
  /** Created when closing starts: the state of the closing handshake. */
  private closing: ClosingHandshake | null = null;
  private needDrain = false;
  /** Negotiated extensions: the pipeline messages run through, and the RSV bits they own. */
  private pipeline: SessionExtensions | null = null;
  private extensionRsv = 0;
  /** Bytes sent and still inside the extension pipeline. */
  pipelineBytes = 0;
  /** The application paused reading. */
  isPaused = false;
  /** Set by any incoming byte; the keep-alive reads and clears it. */
  heardFromPeer = false;

  constructor(
    /** The public face: where events go, and the `binaryType` messages are delivered as. */
    readonly session: WebSocketSession,
    private readonly role: Role,
    private readonly options: SessionOptions,
  ) {}

  /** Takes over an upgraded socket. Bytes written before `start()` precede every frame. */
  attach(socket: Duplex): void {
    const s = bindSocket(socket, this);
    this.socket = s;
    this.writer = new WriteBatcher(s, this);
    this.pipeline?.attach(s);
    this.parser = new FrameParser(this, {
      role: this.role,
      allowedRsv: this.extensionRsv,
      maxLength: this.options.maxLength,
      maxFragments: this.options.maxFragments,
      allocate: Buffer.allocUnsafe,
      isUtf8,
    });
  }

  /** The handshake agreed on these extensions; call before `attach`. */
  useExtensions(negotiated: NegotiatedExtensions): void {
    this.session.extensions = negotiated.header;
    this.extensionRsv = negotiated.rsv;
    if (negotiated.sessions.length > 0) this.pipeline = new SessionExtensions(negotiated.sessions, this);
  }

  /** Queues raw bytes (the handshake) ahead of any frame. */
  writeRaw(text: string): void {
    writeLatin1(this.writer!, text);
  }

  /** The handshake is done: open, flush what was sent early, then read frames (from `head` first). */
  start(head: Buffer | undefined): void {
    const socket = this.socket;
    if (socket === null || socket.destroyed) return;
    startReading(socket);
    if (this.readyState === ReadyState.CLOSING) {
      // close() was called while connecting: the close frame follows the handshake at once.
      this.pending = null;
      this.closingHandshake().startRequested();
      return;
    }
    this.readyState = ReadyState.OPEN;
    if (this.options.ping !== undefined && this.options.ping > 0) {
      this.keepalive = new Keepalive(this, this.options.ping * 1000);
    }
    // Sends made before open go first, ahead of any made by the open listeners.
    const pending = this.pending;
    this.pending = null;
    if (pending !== null) for (const payload of pending) this.sendPayload(payload);
    this.session.emit('open', new WebSocketEvent('open', this.session));
    if (head !== undefined && head.length > 0) this.onData(head);
  }

  send(data: SendData): boolean {
    if (this.readyState === ReadyState.CONNECTING) {
      (this.pending ??= []).push(toPayload(data));
      this.needDrain = true;
      return false;
    }
    if (this.readyState !== ReadyState.OPEN) return false;
    if (this.pipeline !== null) this.pipeline.send(toPayload(data));
    else if (typeof data === 'string') this.sendFrame(Opcode.TEXT, data);
    else this.sendFrame(Opcode.BINARY, toBuffer(data));
    return this.checkBackpressure();
  }

  /** A ping (also the keep-alive's) or an unsolicited pong, its payload already checked; `false` unless open. */
  sendControl(opcode: number, data: Buffer): boolean {
    if (this.readyState !== ReadyState.OPEN) return false;
    this.sendFrame(opcode, data);
    return true;
  }

  get bufferedAmount(): number {
    let queued = 0;
    if (this.pending !== null) for (const payload of this.pending) queued += Buffer.byteLength(payload.data);
    // While connecting, what the batcher holds is the handshake, not the caller's data.
    if (this.readyState === ReadyState.CONNECTING) return queued;
    return queued + this.pipelineBytes + (this.writer?.pendingBytes ?? 0) + (this.socket?.writableLength ?? 0);
  }

  private sendPayload(payload: Payload): void {
    if (this.pipeline !== null) this.pipeline.send(payload);
    else this.sendFrame(payload.isText ? Opcode.TEXT : Opcode.BINARY, payload.data);
  }

  /** Writes one frame into the turn's batch. */
  sendFrame(opcode: number, data: string | Buffer, rsv = 0, fin = true): void {
    writeFrame(this.writer!, this.role === 'client', opcode, data, rsv, fin);
  }

  private checkBackpressure(): boolean {
    const socket = this.socket!;
    if (this.pipelineBytes + this.writer!.pendingBytes + socket.writableLength < socket.writableHighWaterMark) return true;
    this.needDrain = true;
    return false;
  }

  afterFlush(accepted: boolean): void {
    // While connecting only the handshake is flushed; the queued sends are still to go.
    if (accepted && this.readyState !== ReadyState.CONNECTING) this.emitDrain();
  }

  onSocketDrain(): void {
    if ((this.writer?.pendingBytes ?? 0) === 0) this.emitDrain();
  }

  private emitDrain(): void {
    if (!this.needDrain) return;
    this.needDrain = false;
    this.session.emit('drain', new WebSocketEvent('drain', this.session));
  }

  /** Drops the connection at once, without a closing handshake. */
  terminate(): void {
    if (this.readyState === ReadyState.CLOSED) return;
    if (this.socket === null) return this.finish();
    this.socket.destroy();
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
    this.writer!.flush();
    // RFC 6455 §7.1.1: the server closes TCP first; a client waits for it (with the timer).
    if (this.role === 'server' || this.closing?.frameReceived === true) socket.end();
  }

  onData(chunk: Buffer): void {
    this.heardFromPeer = true;
    this.parser!.push(chunk);
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
    this.parser?.stop();
    // What is still inside the extensions is dropped: the close frame goes out now.
    this.pipeline?.drop();
    this.pipeline = null;
    this.closingHandshake().fail(closeCode);
    if (this.socket === null) return;
    this.writer!.flush();
    this.socket.end();
  }

  emitError(error: Error): void {
    if (this.session.listenerCount('error') > 0) this.session.emit('error', new ErrorEvent(this.session, error));
  }

  /** The peer half-closed TCP. */
  onSocketEnd(): void {
    // A held close frame ends the socket itself once the messages before it are delivered.
    if (this.pipeline !== null && this.pipeline.holdsClose) return;
    if (this.closing?.frameReceived !== true && this.readyState !== ReadyState.CLOSED) this.parser?.stop();
    this.socket?.end();
  }

  onSocketError(error: Error): void {
    if (this.readyState === ReadyState.OPEN) {
      this.emitError(new ConnectionError(error.message, ErrorCode.SOCKET, { cause: error }));
    }
    this.socket?.destroy();
  }

  /** TCP is closed (or the connection never opened): the session ends here, exactly once. */
  finish(): void {
    if (this.readyState === ReadyState.CLOSED) return;
    this.readyState = ReadyState.CLOSED;
    this.closing?.stop();
    this.keepalive?.stop();
    this.keepalive = null;
    this.parser?.stop();
    this.pipeline?.destroy();
    this.writer?.discard();
    this.pending = null;
    this.pingCallbacks = null;
    const session = this.session;
    session.emit('close', this.closing?.closeEvent(session) ?? new CloseEvent(session, CloseCode.ABNORMAL, '', false));
  }

  /** The keep-alive found the peer silent for a whole interval. */
  dropSilentPeer(): void {
    this.emitError(new ConnectionError('no answer to ping', ErrorCode.PING_TIMEOUT));
    this.socket?.destroy();
  }

  pause(): void {
    this.isPaused = true;
    this.socket?.pause();
  }

  resume(): void {
    this.isPaused = false;
    // Reading held back for the extension pipeline resumes when that drains.
    if (this.pipeline === null || !this.pipeline.readingPaused) this.socket?.resume();
  }
}

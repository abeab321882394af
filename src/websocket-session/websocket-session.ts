/**
 * The WebSocket session shared by the server socket and the client: readyState, the closing
 * handshake, keep-alive, backpressure and message delivery. A host hands it an upgraded
 * socket; the session never knows which framework or role produced it beyond masking.
 */
import { isUtf8 } from 'node:buffer';
import type { Duplex } from 'node:stream';
import { CloseCode, FrameParser, Opcode, MAX_CONTROL_PAYLOAD, type FrameFailure, type FrameSink } from '../ws-frame-parser/index.js';
import { ArgumentError, ConnectionError, ErrorCode, ProtocolError } from '../errors.js';
import { CloseEvent, ControlEvent, ErrorEvent, MessageEvent, WebSocketEvent, type MessageData, type WebSocketEventMap } from './events.js';
import { WebSocketEventTarget } from './event-target.js';
import { Keepalive } from './keepalive.js';
import { writeFrame, writeLatin1 } from './frame-writer.js';
import type { NegotiatedExtensions } from '../extensions/negotiation.js';
import { toBuffer, toPayload, type Payload, type SendData } from './send-data.js';
import { asBuffer, toArrayBuffer } from './message-data.js';
import { validateSessionOptions, type SessionOptions } from './session-options.js';
import { WriteBatcher } from './write-batcher.js';
import { MessageIterator } from './message-iterator.js';
import { rememberText } from './text-memo.js';
import { ReadyState } from './ready-state.js';
import { bindSocket, startReading, type SessionSocket } from './socket-listeners.js';
import { ClosingHandshake, checkCloseArguments } from './closing-handshake.js';
import { SessionExtensions } from './session-extensions.js';

export type { SessionOptions };
export { ReadyState };
export type BinaryType = 'nodebuffer' | 'arraybuffer';
export type Role = 'server' | 'client';

const EMPTY = Buffer.alloc(0);

export interface WebSocketSession {
  readonly CONNECTING: 0;
  readonly OPEN: 1;
  readonly CLOSING: 2;
  readonly CLOSED: 3;
  /** The protocol version spoken on the wire. */
  readonly version: 'hybi-13';
}

export abstract class WebSocketSession extends WebSocketEventTarget implements FrameSink {
  static readonly CONNECTING = ReadyState.CONNECTING;
  static readonly OPEN = ReadyState.OPEN;
  static readonly CLOSING = ReadyState.CLOSING;
  static readonly CLOSED = ReadyState.CLOSED;

  readyState: ReadyState = ReadyState.CONNECTING;
  url = '';
  /** The subprotocol agreed in the handshake, '' for none. */
  protocol = '';
  /** The extensions agreed in the handshake, as a `Sec-WebSocket-Extensions` value. */
  extensions = '';
  binaryType: BinaryType = 'nodebuffer';

  protected socket: SessionSocket | null = null;
  private parser: FrameParser | null = null;
  private writer: WriteBatcher | null = null;
  /** Sends made before `open`. */
  private pending: Payload[] | null = null;
  private pingCallbacks: Array<[Buffer, () => void]> | null = null;
  private keepalive: Keepalive | null = null;
  /** Created when closing starts: the state of the closing handshake. */
  private closing: ClosingHandshake | null = null;
  private needDrain = false;
  /** Negotiated extensions: the pipeline messages run through, and the RSV bits they own. */
  private pipeline: SessionExtensions | null = null;
  private extensionRsv = 0;
  /** @internal Bytes sent and still inside the extension pipeline. */
  pipelineBytes = 0;
  private paused = false;
  /** Set by any incoming byte; the keep-alive reads and clears it. */
  heardFromPeer = false;

  protected constructor(
    private readonly role: Role,
    protected readonly options: SessionOptions,
  ) {
    super();
    validateSessionOptions(options);
  }

  // --- Attaching a socket -------------------------------------------------------------

  /** Takes over an upgraded socket. Bytes written before `start()` precede every frame. */
  protected attach(socket: Duplex): void {
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
  protected useExtensions(negotiated: NegotiatedExtensions): void {
    this.extensions = negotiated.header;
    this.extensionRsv = negotiated.rsv;
    if (negotiated.sessions.length > 0) this.pipeline = new SessionExtensions(negotiated.sessions, this);
  }

  /** Queues raw bytes (the handshake) ahead of any frame. */
  protected writeRaw(text: string): void {
    writeLatin1(this.writer!, text);
  }

  /** The handshake is done: open, flush what was sent early, then read frames (from `head` first). */
  protected start(head: Buffer | undefined): void {
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
    this.emit('open', new WebSocketEvent('open', this));
    if (head !== undefined && head.length > 0) this.onData(head);
  }

  // --- Sending -----------------------------------------------------------------------

  /**
   * Sends a text (string) or binary message. Returns `true` when it goes straight out and
   * `false` when it waits behind a full socket (or before `open`); `drain` follows a `false`.
   */
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

  /** Sends a ping; `callback` runs when the pong with the same payload arrives. */
  ping(payload: string | Buffer = EMPTY, callback?: () => void): boolean {
    const data = controlPayload(payload, 'ping');
    if (this.readyState !== ReadyState.OPEN) return false;
    this.sendFrame(Opcode.PING, data);
    if (callback !== undefined) (this.pingCallbacks ??= []).push([data, callback]);
    return true;
  }

  /** Sends an unsolicited pong (RFC 6455 §5.5.3: a one-way heartbeat). */
  pong(payload: string | Buffer = EMPTY): boolean {
    const data = controlPayload(payload, 'pong');
    if (this.readyState !== ReadyState.OPEN) return false;
    this.sendFrame(Opcode.PONG, data);
    return true;
  }

  /** Bytes accepted by `send()` and not yet handed to the kernel. */
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

  /** @internal Writes one frame into the turn's batch. */
  sendFrame(opcode: number, data: string | Buffer, rsv = 0, fin = true): void {
    writeFrame(this.writer!, this.role === 'client', opcode, data, rsv, fin);
  }

  private checkBackpressure(): boolean {
    const socket = this.socket!;
    if (this.pipelineBytes + this.writer!.pendingBytes + socket.writableLength < socket.writableHighWaterMark) return true;
    this.needDrain = true;
    return false;
  }

  /** @internal */
  afterFlush(accepted: boolean): void {
    // While connecting only the handshake is flushed; the queued sends are still to go.
    if (accepted && this.needDrain && this.readyState !== ReadyState.CONNECTING) {
      this.needDrain = false;
      this.emit('drain', new WebSocketEvent('drain', this));
    }
  }

  /** @internal */
  onSocketDrain(): void {
    if (this.needDrain && (this.writer?.pendingBytes ?? 0) === 0) {
      this.needDrain = false;
      this.emit('drain', new WebSocketEvent('drain', this));
    }
  }

  // --- Closing -----------------------------------------------------------------------

  /**
   * Starts the closing handshake (RFC 6455 §7.1.2). `code` is 1000 or 3000-4999 and `reason`
   * at most 123 bytes of UTF-8; anything else throws a `CloseArgumentError`.
   */
  close(code?: number, reason?: string): void {
    checkCloseArguments(code, reason);
    this.closingHandshake().request(code ?? CloseCode.NORMAL, reason ?? '');
  }

  /**
   * @internal Closes with a code reserved to the endpoint itself (1001 going away, 1011
   * internal error), which `close()` refuses from applications; `graceMs` bounds the wait
   * for the peer before the connection is dropped.
   */
  closeWithStatus(code: number, graceMs?: number): void {
    this.closingHandshake().requestWithStatus(code, graceMs);
  }

  /** Drops the connection at once, without a closing handshake. */
  terminate(): void {
    if (this.readyState === ReadyState.CLOSED) return;
    if (this.socket === null) return this.finish();
    this.socket.destroy();
  }

  private closingHandshake(): ClosingHandshake {
    return (this.closing ??= new ClosingHandshake(this, this.options));
  }

  /**
   * @internal The close frame goes out after the messages still inside the extensions, which are
   * then closed (RFC 7692 §6); `after` runs once it is written.
   */
  writeCloseFrame(payload: Buffer, after?: () => void): void {
    const write = (): void => {
      this.sendFrame(Opcode.CLOSE, payload);
      after?.();
    };
    if (this.pipeline !== null) this.pipeline.close(write);
    else write();
  }

  /** @internal Ends the TCP connection once the close frames are out. */
  endSocket(): void {
    const socket = this.socket;
    if (socket === null) return;
    this.writer!.flush();
    // RFC 6455 §7.1.1: the server closes TCP first; a client waits for it (with the timer).
    if (this.role === 'server' || this.closing?.frameReceived === true) socket.end();
  }

  // --- Receiving (the parser's sink) ---------------------------------------------------

  /** @internal */
  onData(chunk: Buffer): void {
    this.heardFromPeer = true;
    this.parser!.push(chunk);
  }

  onMessage(data: Uint8Array, isText: boolean, rsv: number): void {
    if (this.readyState !== ReadyState.OPEN) return;
    if (this.pipeline === null) return this.deliver(asBuffer(data), isText);
    this.pipeline.receive(asBuffer(data), isText, rsv);
  }

  /** @internal */
  deliver(bytes: Buffer, isText: boolean): void {
    let value: MessageData;
    if (isText) {
      const text = bytes.toString('utf8');
      rememberText(text, bytes, 0, bytes.length);
      value = text;
    } else {
      value = this.binaryType === 'arraybuffer' ? toArrayBuffer(bytes) : bytes;
    }
    this.emit('message', new MessageEvent(this, value));
  }

  onPing(payload: Uint8Array): void {
    if (this.readyState !== ReadyState.OPEN) return;
    const data = asBuffer(payload);
    this.sendFrame(Opcode.PONG, data);
    if (this.listenerCount('ping') > 0) this.emit('ping', new ControlEvent('ping', this, data));
  }

  onPong(payload: Uint8Array): void {
    const data = asBuffer(payload);
    const callbacks = this.pingCallbacks;
    if (callbacks !== null) {
      const index = callbacks.findIndex(([sent]) => sent.equals(data));
      if (index !== -1) {
        const [, callback] = callbacks[index]!;
        callbacks.splice(index, 1);
        callback();
      }
    }
    if (this.listenerCount('pong') > 0) this.emit('pong', new ControlEvent('pong', this, data));
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

  /** @internal Fails the connection (RFC 6455 §7.1.7): one error event, a close frame, then TCP closes. */
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

  protected emitError(error: Error): void {
    if (this.listenerCount('error') > 0) this.emit('error', new ErrorEvent(this, error));
  }

  /** @internal The peer half-closed TCP. */
  onSocketEnd(): void {
    // A held close frame ends the socket itself once the messages before it are delivered.
    if (this.pipeline !== null && this.pipeline.holdsClose) return;
    if (this.closing?.frameReceived !== true && this.readyState !== ReadyState.CLOSED) this.parser?.stop();
    this.socket?.end();
  }

  /** @internal */
  onSocketError(error: Error): void {
    if (this.readyState === ReadyState.OPEN) {
      this.emitError(new ConnectionError(error.message, ErrorCode.SOCKET, { cause: error }));
    }
    this.socket?.destroy();
  }

  /** @internal TCP is closed: the session ends here, exactly once. */
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
    this.emit('close', this.closing?.closeEvent(this) ?? new CloseEvent(this, CloseCode.ABNORMAL, '', false));
  }

  /** @internal The keep-alive found the peer silent for a whole interval. */
  dropSilentPeer(): void {
    this.emitError(new ConnectionError('no answer to ping', ErrorCode.PING_TIMEOUT));
    this.socket?.destroy();
  }

  // --- Inbound flow control and iteration ----------------------------------------------

  /** Stops reading from the socket (messages already received are still delivered). */
  pause(): void {
    this.paused = true;
    this.socket?.pause();
  }

  resume(): void {
    this.paused = false;
    // Reading held back for the extension pipeline resumes when that drains.
    if (this.pipeline === null || !this.pipeline.readingPaused) this.socket?.resume();
  }

  get isPaused(): boolean {
    return this.paused;
  }

  /** `for await (const data of ws)`: each message's data, until the connection closes. */
  [Symbol.asyncIterator](): AsyncIterableIterator<WebSocketEventMap['message']['data']> {
    return new MessageIterator(this);
  }
}

for (const [name, value] of Object.entries(ReadyState)) {
  Object.defineProperty(WebSocketSession.prototype, name, { value, enumerable: true });
}
Object.defineProperty(WebSocketSession.prototype, 'version', { value: 'hybi-13', enumerable: true });

function controlPayload(payload: string | Buffer, kind: string): Buffer {
  const data = typeof payload === 'string' ? Buffer.from(payload) : toBuffer(payload);
  if (data.length > MAX_CONTROL_PAYLOAD) {
    throw new ArgumentError(`a ${kind} payload must be at most 125 bytes`, 'ERR_CONTROL_PAYLOAD_TOO_LONG');
  }
  return data;
}

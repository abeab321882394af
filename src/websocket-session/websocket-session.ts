/**
 * The WebSocket session, shared by the server socket (`server/`) and the client (`client/`):
 * what an application holds and calls, whatever framework or role produced it. This folder is
 * the session and everything only it uses: the connection engine behind it (`connection.ts`),
 * the closing handshake, keep-alive, the per-turn write batch and the frame writer, the glue to
 * negotiated extensions, the event objects and listener surface, the async iterator and the
 * `Duplex` view. The session turns the application's calls into calls on its engine
 * (`session-engine.ts`), which it keeps in a private field: the RFC 6455 connection, or for a
 * legacy draft the draft engine that the server socket puts in its place (`replaceEngine`). The
 * server socket, the client, the server's registry and the Hub reach the engine through
 * `connectionOf` / `engineOf`, which the package does not export.
 */
import { CloseCode, MAX_CONTROL_PAYLOAD, Opcode } from '../ws-frame-parser/index.js';
import { ArgumentError } from '../errors.js';
import type { WebSocketEventMap } from './events.js';
import { WebSocketEventTarget } from './event-target.js';
import { toBuffer, type SendData } from './send-data.js';
import { validateSessionOptions, type SessionOptions } from './session-options.js';
import { MessageIterator } from './message-iterator.js';
import { ReadyState } from './ready-state.js';
import { checkCloseArguments } from './closing-handshake.js';
import { Connection } from './connection.js';
import { ReadHold } from './read-holds.js';
import type { ProtocolVersion, SessionEngine } from './session-engine.js';

export type { SessionOptions, ProtocolVersion };
export { ReadyState };
export type BinaryType = 'nodebuffer' | 'arraybuffer';
export type Role = 'server' | 'client';

const EMPTY = Buffer.alloc(0);

let engineOfSession: (session: WebSocketSession) => SessionEngine;
let setEngine: (session: WebSocketSession, engine: SessionEngine) => void;

/** The engine behind a session, whichever protocol it speaks (the Hub's way in). */
export function engineOf(session: WebSocketSession): SessionEngine {
  return engineOfSession(session);
}

/** The RFC 6455 connection behind a session, for the server socket and the client, which make only those. */
export function connectionOf(session: WebSocketSession): Connection {
  const engine = engineOfSession(session);
  if (!(engine instanceof Connection)) throw new TypeError(`a ${session.version} session has no RFC 6455 connection`);
  return engine;
}

/**
 * Puts `engine` in place of the RFC 6455 connection a session was made with: the server socket
 * does it for a legacy draft handshake, right after construction and before the session is
 * handed to anyone. `version` becomes the session's own.
 */
export function replaceEngine(session: WebSocketSession, engine: SessionEngine, version: ProtocolVersion): void {
  setEngine(session, engine);
  Object.defineProperty(session, 'version', { value: version, enumerable: true });
}

/**
 * Closes with a code reserved to the endpoint itself (1001 going away, 1011 internal error), which
 * `close()` refuses from applications; `graceMs` bounds the wait for the peer.
 */
export function closeWithStatus(session: WebSocketSession, code: number, graceMs?: number): void {
  engineOfSession(session).closingHandshake().requestWithStatus(code, graceMs);
}

export interface WebSocketSession {
  readonly CONNECTING: 0;
  readonly OPEN: 1;
  readonly CLOSING: 2;
  readonly CLOSED: 3;
  /** The protocol version spoken on the wire: `'hixie-75'` or `'hixie-76'` only with the server's `legacyDrafts`. */
  readonly version: ProtocolVersion;
}

export abstract class WebSocketSession extends WebSocketEventTarget {
  static readonly CONNECTING = ReadyState.CONNECTING;
  static readonly OPEN = ReadyState.OPEN;
  static readonly CLOSING = ReadyState.CLOSING;
  static readonly CLOSED = ReadyState.CLOSED;

  url = '';
  /** The subprotocol agreed in the handshake, '' for none. */
  protocol = '';
  /** The extensions agreed in the handshake, as a `Sec-WebSocket-Extensions` value. */
  extensions = '';
  binaryType: BinaryType = 'nodebuffer';
  #engine: SessionEngine;

  static {
    // A static block may reach the private field: this is the one way in from outside the class.
    engineOfSession = (session) => session.#engine;
    setEngine = (session, engine) => {
      session.#engine = engine;
    };
  }

  protected constructor(role: Role, options: SessionOptions) {
    super();
    validateSessionOptions(options);
    this.#engine = new Connection(this, role, options);
  }

  get readyState(): ReadyState {
    return this.#engine.readyState;
  }

  /**
   * Sends a text (string) or binary message. Returns `true` when it goes straight out and
   * `false` when it waits behind a full socket (or before `open`); `drain` follows a `false`.
   */
  send(data: SendData): boolean {
    return this.#engine.send(data);
  }

  /** Sends a ping; `callback` runs when the pong with the same payload arrives. */
  ping(payload: string | Buffer = EMPTY, callback?: () => void): boolean {
    const data = controlPayload(payload, 'ping');
    const engine = this.#engine;
    if (!engine.sendControl(Opcode.PING, data)) return false;
    if (callback !== undefined) (engine.pingCallbacks ??= []).push([data, callback]);
    return true;
  }

  /** Sends an unsolicited pong (RFC 6455 §5.5.3: a one-way heartbeat). */
  pong(payload: string | Buffer = EMPTY): boolean {
    return this.#engine.sendControl(Opcode.PONG, controlPayload(payload, 'pong'));
  }

  /** Bytes accepted by `send()` and not yet handed to the kernel. */
  get bufferedAmount(): number {
    return this.#engine.outbox.bufferedAmount;
  }

  /**
   * Starts the closing handshake (RFC 6455 §7.1.2). `code` is 1000 or 3000-4999 and `reason`
   * at most 123 bytes of UTF-8; anything else throws a `CloseArgumentError`.
   */
  close(code?: number, reason?: string): void {
    checkCloseArguments(code, reason);
    this.#engine.closingHandshake().request(code ?? CloseCode.NORMAL, reason ?? '');
  }

  /** Drops the connection at once, without a closing handshake. */
  terminate(): void {
    this.#engine.terminate();
  }

  /** Stops reading from the socket (messages already received are still delivered). */
  pause(): void {
    this.#engine.hold(ReadHold.APPLICATION);
  }

  resume(): void {
    this.#engine.release(ReadHold.APPLICATION);
  }

  get isPaused(): boolean {
    return this.#engine.isPaused;
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

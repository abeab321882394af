/**
 * The outgoing side of one connection: the per-turn write batch, the sends made before `open`,
 * and what `bufferedAmount`, `send()`'s return value and `drain` are made of. It is also where
 * outgoing bytes hold back incoming ones. While the socket takes no more of what we wrote (it is
 * "backed up": a write returned false and no `drain` came yet), a server reads nothing more from
 * its peer, so a peer that never reads is slowed down by TCP instead of growing our memory; our
 * own pongs and close frames count as much as the application's sends. A client keeps reading (as
 * `pipe()` does on the reading side), so that two peers sending large messages to each other at
 * once never both wait for the other; and either role, while backed up, answers only the latest
 * ping (RFC 6455 §5.5.3), so that pongs cannot pile up behind a peer that does not read.
 */
import type { Duplex } from 'node:stream';
import { Opcode } from '../ws-frame-parser/index.js';
import { WebSocketEvent } from './events.js';
import { writeFrame, writeLatin1 } from './frame-writer.js';
import { ReadHold } from './read-holds.js';
import { ReadyState } from './ready-state.js';
import type { Payload } from './send-data.js';
import { WriteBatcher, type FlushListener } from './write-batcher.js';
import type { WebSocketSession } from './websocket-session.js';

/** What the outbox needs of its connection. */
export interface OutboxHost {
  readonly session: WebSocketSession;
  readonly readyState: ReadyState;
  hold(reason: number): void;
  release(reason: number): void;
}

export class Outbox implements FlushListener {
  private writer: WriteBatcher | null = null;
  /** Sends made before `open`, counted in `bufferedAmount` until they go out. */
  private pending: Payload[] | null = null;
  /** A `send()` returned false (or came before `open`): `drain` is owed. */
  private needDrain = false;
  /** A write returned false and the socket's `drain` has not come yet. */
  private backedUp = false;
  /** The latest ping that came while backed up, answered on `drain`. */
  private owedPong: Buffer | null = null;
  /** Bytes sent and still inside the extension pipeline (counted there, before they are frames). */
  pipelineBytes = 0;

  constructor(
    private readonly host: OutboxHost,
    private readonly role: 'server' | 'client',
  ) {}

  attach(socket: Duplex): void {
    this.writer = new WriteBatcher(socket, this);
  }

  /** Raw bytes (the handshake) ahead of any frame. */
  writeRaw(text: string): void {
    writeLatin1(this.writer!, text);
  }

  /** Writes one frame into the turn's batch. */
  frame(opcode: number, data: string | Buffer, rsv: number, fin: boolean): void {
    // A client masks every frame (RFC 6455 §5.3).
    writeFrame(this.writer!, this.role === 'client', opcode, data, rsv, fin);
  }

  /** Answers a ping; while backed up, only the latest is answered, once the socket drains (RFC 6455 §5.5.3). */
  pong(payload: Buffer): void {
    if (this.backedUp) this.owedPong = Buffer.from(payload);
    else this.frame(Opcode.PONG, payload, 0, true);
  }

  /** A whole frame made elsewhere, queued by reference: it must not change until written. */
  prepared(frame: Buffer): void {
    this.writer!.push(frame);
  }

  /** A send made before `open`. */
  queue(payload: Payload): void {
    (this.pending ??= []).push(payload);
    this.needDrain = true;
  }

  /** The sends made before `open`, handed over once (to go out first), or dropped with null. */
  takePending(): Payload[] | null {
    const pending = this.pending;
    this.pending = null;
    return pending;
  }

  get bufferedAmount(): number {
    let queued = 0;
    if (this.pending !== null) for (const payload of this.pending) queued += Buffer.byteLength(payload.data);
    // While connecting, what the batcher holds is the handshake, not the caller's data.
    if (this.host.readyState === ReadyState.CONNECTING) return queued;
    const writer = this.writer;
    return queued + this.pipelineBytes + (writer === null ? 0 : writer.pendingBytes + writer.socket.writableLength);
  }

  /** `send()`'s answer: is there room below the socket's high-water mark? If not, `drain` is owed. */
  hasRoom(): boolean {
    const writer = this.writer!;
    const socket = writer.socket;
    if (this.pipelineBytes + writer.pendingBytes + socket.writableLength < socket.writableHighWaterMark) return true;
    this.needDrain = true;
    return false;
  }

  afterFlush(accepted: boolean): void {
    if (!accepted) {
      this.backedUp = true;
      if (this.role === 'server') this.host.hold(ReadHold.OUTBOUND);
      return;
    }
    // While connecting only the handshake is flushed; the queued sends are still to go.
    if (this.host.readyState !== ReadyState.CONNECTING) this.emitDrain();
  }

  /** The socket's buffer emptied. */
  drained(): void {
    this.backedUp = false;
    const owed = this.owedPong;
    this.owedPong = null;
    if (owed !== null && this.host.readyState === ReadyState.OPEN) this.frame(Opcode.PONG, owed, 0, true);
    this.host.release(ReadHold.OUTBOUND);
    if ((this.writer?.pendingBytes ?? 0) === 0) this.emitDrain();
  }

  flush(): void {
    this.writer?.flush();
  }

  /** Drops what was not written yet: the connection is gone. */
  discard(): void {
    this.pending = null;
    this.owedPong = null;
    this.writer?.discard();
  }

  private emitDrain(): void {
    if (!this.needDrain) return;
    this.needDrain = false;
    const session = this.host.session;
    session.emit('drain', new WebSocketEvent('drain', session));
  }
}

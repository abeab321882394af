/**
 * The session's side of the negotiated extensions (permessage-deflate and other plugins):
 * messages each way through their pipeline, reading held back while received messages pile
 * up inside it, and the peer's close frame held behind the messages that came before it.
 * The session creates it only when extensions were agreed; without them no message comes here.
 */
import { isUtf8 } from 'node:buffer';
import { CloseCode, FailureCode, Opcode, RSV1, RSV2, RSV3, failure, type FrameFailure } from '../ws-frame-parser/index.js';
import { MessagePipeline } from '../extensions/message-pipeline.js';
import { sharedCompressorOf, type SharedCompressor } from '../extensions/shared-compression.js';
import type { ExtensionMessage, ExtensionSession } from '../extensions/extension-plugin.js';
import type { Payload } from './send-data.js';
import { ReadyState } from './ready-state.js';
import { ReadHold } from './read-holds.js';

/** What the extensions need of their session (implemented by `WebSocketSession`). */
export interface ExtensionHost {
  readonly readyState: ReadyState;
  /** Bytes sent and still inside the pipeline: the session counts them as buffered. `prepared()` writes a frame as it is. */
  readonly outbox: { pipelineBytes: number; prepared(frame: Buffer): void };
  sendFrame(opcode: number, data: Buffer, rsv: number): void;
  deliver(bytes: Buffer, isText: boolean): void;
  fail(error: Error, closeCode: number): void;
  onFailure(failure: FrameFailure): void;
  onClose(code: number, reason: Uint8Array): void;
  /** Stops, and lets resume, reading the socket (with `ReadHold.EXTENSIONS`). */
  hold(reason: number): void;
  release(reason: number): void;
}

/** Received messages inside the extension pipeline at which reading pauses, and resumes. */
const INCOMING_PIPELINE_HIGH = 16;
const INCOMING_PIPELINE_LOW = 4;

export class SessionExtensions {
  private readonly pipeline: MessagePipeline;
  /** Received messages still inside the extension pipeline (e.g. being inflated). */
  private incomingInPipeline = 0;
  /** Reading is paused because too many received messages are inside the pipeline. */
  readingPaused = false;
  /** The peer's close frame, held until the messages that came before it are delivered. */
  private heldClose: [number, Uint8Array] | null = null;

  /** One compression for many sessions alike (a published event), when the only extension allows it. */
  readonly sharedCompressor: SharedCompressor | null;

  constructor(
    sessions: readonly ExtensionSession[],
    private readonly host: ExtensionHost,
  ) {
    this.pipeline = new MessagePipeline(sessions);
    this.sharedCompressor = sharedCompressorOf(sessions);
  }

  /** A frame made for many sessions (compressed by `sharedCompressor`), written in its turn behind the messages sent before it. */
  sendPrepared(frame: Buffer): void {
    const host = this.host;
    host.outbox.pipelineBytes += frame.length;
    this.pipeline.passOutgoing(() => {
      host.outbox.pipelineBytes -= frame.length;
      if (host.readyState !== ReadyState.CLOSED) host.outbox.prepared(frame);
    });
  }

  send(payload: Payload): void {
    const host = this.host;
    const data = typeof payload.data === 'string' ? Buffer.from(payload.data) : payload.data;
    const opcode = payload.isText ? Opcode.TEXT : Opcode.BINARY;
    host.outbox.pipelineBytes += data.length;
    const message = { rsv1: false, rsv2: false, rsv3: false, opcode, data };
    this.pipeline.processOutgoing(message, (error, result) => {
      host.outbox.pipelineBytes -= data.length;
      if (error !== null) return host.fail(error, closeCodeOf(error));
      if (host.readyState === ReadyState.CLOSED) return;
      host.sendFrame(result!.opcode, result!.data, rsvBits(result!));
    });
  }

  receive(data: Buffer, isText: boolean, rsv: number): void {
    const host = this.host;
    const message = { rsv1: (rsv & RSV1) !== 0, rsv2: (rsv & RSV2) !== 0, rsv3: (rsv & RSV3) !== 0, opcode: isText ? Opcode.TEXT : Opcode.BINARY, data };
    // Inflating is slower than reading: past a few messages in flight, stop reading the socket
    // until they are through, so that a peer cannot queue up messages without bound.
    if (++this.incomingInPipeline >= INCOMING_PIPELINE_HIGH && !this.readingPaused) {
      this.readingPaused = true;
      host.hold(ReadHold.EXTENSIONS);
    }
    this.pipeline.processIncoming(message, (error, result) => {
      if (--this.incomingInPipeline <= INCOMING_PIPELINE_LOW) this.resumeAfterPipeline();
      if (error !== null) return host.fail(error, closeCodeOf(error));
      if (host.readyState === ReadyState.OPEN) {
        // The parser left text with extension bits unchecked: only the transformed bytes are text.
        if (isText && rsv !== 0 && !isUtf8(result!.data)) {
          return host.onFailure(failure(FailureCode.INVALID_UTF8, 'text message is not valid UTF-8 after the extensions'));
        }
        host.deliver(result!.data, isText);
      }
      if (this.incomingInPipeline === 0 && this.heldClose !== null) {
        const [code, reason] = this.heldClose;
        this.heldClose = null;
        host.onClose(code, reason);
      }
    });
  }

  /** Holds the peer's close frame if messages received before it are still inside the pipeline. */
  holdClose(code: number, reason: Uint8Array): boolean {
    if (this.incomingInPipeline === 0) return false;
    // Messages sent before the close frame are still being inflated: they come first.
    this.heldClose = [code, reason];
    return true;
  }

  get holdsClose(): boolean {
    return this.heldClose !== null;
  }

  /** Lets the messages already sent through, closes the extensions, then calls `done` (RFC 7692 §6). */
  close(done: () => void): void {
    this.pipeline.close(done);
  }

  /** Drops what is still inside the extensions: the connection is gone. */
  destroy(): void {
    this.pipeline.destroy();
    this.heldClose = null;
  }

  /** Drops what is still inside the extensions when the session fails the connection. */
  drop(): void {
    this.pipeline.destroy();
    // Reading may have been paused for the pipeline: the rest of the closing handshake needs it.
    this.resumeAfterPipeline();
    this.heldClose = null;
  }

  private resumeAfterPipeline(): void {
    if (!this.readingPaused) return;
    this.readingPaused = false;
    // Another reason to hold reading back (the application's pause()) stays in force.
    this.host.release(ReadHold.EXTENSIONS);
  }
}

function rsvBits(message: ExtensionMessage): number {
  return (message.rsv1 ? RSV1 : 0) | (message.rsv2 ? RSV2 : 0) | (message.rsv3 ? RSV3 : 0);
}

/** The close code for an extension's error: its own, else 1007 for bad compressed data, else 1011. */
function closeCodeOf(error: Error): number {
  const own = (error as { closeCode?: unknown }).closeCode;
  if (typeof own === 'number') return own;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && code.startsWith('Z_') ? CloseCode.INVALID_PAYLOAD : CloseCode.INTERNAL_ERROR;
}

/**
 * The data framing of draft-hixie-thewebsocketprotocol-75 and -76 (draft-76 §5.3, the same
 * algorithm as its client side, §4.2): bytes in, text messages, the closing frame and typed
 * failures out.
 *
 * A frame starts with a type byte. With its high bit clear, the frame is text: bytes up to a
 * 0xFF terminator, a message when the type is 0x00 and discarded otherwise. With the high bit set,
 * a length follows (base-128 digits, most significant first, each with the high bit set but the
 * last), then that many bytes, which are discarded; in draft-76 the type 0xFF with length 0 is the
 * closing frame (§1.4). Every frame, kept or discarded, is bounded by `maxLength`: a text frame as
 * soon as it holds more bytes without a terminator, a length as soon as its digits add up to more
 * (so a run of digit bytes can never grow it past the precision of a number).
 *
 * Sans-I/O, as the RFC 6455 codec: no sockets, timers or imports from outside this folder, and the
 * same calls on the sink for any chunking of the same bytes. The parser takes ownership of the
 * chunks given to `push`: a message that arrived whole in one chunk is delivered as a view of it.
 */
import { hixieFailure, HixieFailureCode, type HixieFailure } from './failure.js';
import { isUtf8 as isUtf8Automaton, type Utf8Check } from './utf8.js';

export interface HixieSink {
  /** A complete text message (type 0x00), valid UTF-8. */
  onMessage(text: Uint8Array): void;
  /** The closing frame, 0xFF 0x00 (draft-76 only). Nothing is parsed after it. */
  onClose(): void;
  /** The input broke a limit; nothing is parsed after it. */
  onFailure(failure: HixieFailure): void;
}

export interface HixieParserOptions {
  /** Draft-76's closing handshake: 0xFF 0x00 closes. In draft-75 it is an empty frame, discarded. */
  closingFrame: boolean;
  /** Largest frame in bytes, text or discarded. Default 2^26 - 1, as for RFC 6455 sessions. */
  maxLength?: number;
  /** Allocator for messages joined from several chunks (the host can pass a pooled one). */
  allocate?: (size: number) => Uint8Array;
  /** Validator for a whole message (the host can pass a native one). */
  isUtf8?: Utf8Check;
}

export const DEFAULT_MAX_LENGTH = 2 ** 26 - 1;

/** The byte that ends a text frame, and the type byte of the closing frame. */
const TERMINATOR = 0xff;
const TEXT_MESSAGE = 0x00;

const enum State {
  FrameType,
  Text,
  Length,
  Skip,
  Stopped,
}

/** First capacity of the buffer a message cut by chunk boundaries is gathered in. */
const FIRST_CAPACITY = 256;

function newBytes(size: number): Uint8Array {
  return new Uint8Array(size);
}

export class HixieParser {
  private state = State.FrameType;
  private readonly closingFrame: boolean;
  private readonly maxLength: number;
  private readonly allocate: (size: number) => Uint8Array;
  private readonly isUtf8: Utf8Check;

  /** The frame's type byte. */
  private frameType = 0;
  /** Text: bytes seen before the terminator. Length: the length read so far. Skip: bytes left. */
  private count = 0;
  /** The start of a text message that a chunk boundary cut, and how much of it is filled. */
  private gathered: Uint8Array | null = null;
  private gatheredLength = 0;

  constructor(
    private readonly sink: HixieSink,
    options: HixieParserOptions,
  ) {
    this.closingFrame = options.closingFrame;
    this.maxLength = options.maxLength ?? DEFAULT_MAX_LENGTH;
    this.allocate = options.allocate ?? newBytes;
    this.isUtf8 = options.isUtf8 ?? isUtf8Automaton;
  }

  /** True once the closing frame or a failure ended the stream. */
  get stopped(): boolean {
    return this.state === State.Stopped;
  }

  /** Ends parsing; later input is ignored and a partly gathered message is released. */
  stop(): void {
    this.state = State.Stopped;
    this.gathered = null;
    this.gatheredLength = 0;
  }

  push(chunk: Uint8Array): void {
    const end = chunk.length;
    let pos = 0;
    while (pos < end) {
      switch (this.state) {
        case State.FrameType:
          this.startFrame(chunk[pos++]!);
          break;
        case State.Text:
          pos = this.readText(chunk, pos, end);
          break;
        case State.Length:
          pos = this.readLength(chunk, pos, end);
          break;
        case State.Skip:
          pos = this.skip(pos, end);
          break;
        case State.Stopped:
          return;
      }
    }
  }

  private startFrame(type: number): void {
    this.frameType = type;
    this.count = 0;
    this.state = (type & 0x80) !== 0 ? State.Length : State.Text;
  }

  private readText(chunk: Uint8Array, pos: number, end: number): number {
    const at = chunk.indexOf(TERMINATOR, pos);
    const stop = at === -1 ? end : at;
    this.count += stop - pos;
    if (this.count > this.maxLength) {
      this.fail(HixieFailureCode.MESSAGE_TOO_BIG, `text frame longer than maxLength (${this.maxLength} bytes)`);
      return end;
    }
    // Other types with the high bit clear are read the same way and discarded (draft-76 §4.2).
    const kept = this.frameType === TEXT_MESSAGE;
    if (at === -1) {
      if (kept) this.gather(chunk.subarray(pos, end));
      return end;
    }
    this.state = State.FrameType;
    if (kept) this.endText(chunk.subarray(pos, at));
    return at + 1;
  }

  private endText(last: Uint8Array): void {
    let message = last;
    if (this.gathered !== null) {
      this.gather(last);
      message = this.gathered.subarray(0, this.gatheredLength);
      // The buffer goes with the message: an idle parser holds none.
      this.gathered = null;
      this.gatheredLength = 0;
    }
    // Draft-76 §5.4 leaves invalid UTF-8 to the server; like RFC 6455 §8.1, it fails the connection.
    if (!this.isUtf8(message)) return this.fail(HixieFailureCode.INVALID_UTF8, 'text frame is not valid UTF-8');
    this.sink.onMessage(message);
  }

  /** Copies a piece of a message cut by a chunk boundary into the gathering buffer, growing it by doubling. */
  private gather(piece: Uint8Array): void {
    const needed = this.gatheredLength + piece.length;
    let buffer = this.gathered;
    if (buffer === null || buffer.length < needed) {
      let capacity = buffer === null ? FIRST_CAPACITY : buffer.length * 2;
      while (capacity < needed) capacity *= 2;
      // A message is never longer than maxLength (checked before): no buffer beyond it either.
      capacity = Math.max(needed, Math.min(capacity, this.maxLength));
      const grown = this.allocate(capacity);
      if (buffer !== null) grown.set(buffer.subarray(0, this.gatheredLength), 0);
      this.gathered = buffer = grown;
    }
    buffer.set(piece, this.gatheredLength);
    this.gatheredLength = needed;
  }

  private readLength(chunk: Uint8Array, pos: number, end: number): number {
    while (pos < end) {
      const digit = chunk[pos++]!;
      this.count = this.count * 128 + (digit & 0x7f);
      if (this.count > this.maxLength) {
        this.fail(HixieFailureCode.MESSAGE_TOO_BIG, `frame length over maxLength (${this.maxLength} bytes)`);
        return end;
      }
      if ((digit & 0x80) !== 0) continue;
      if (this.count === 0 && this.frameType === TERMINATOR && this.closingFrame) {
        this.stop();
        this.sink.onClose();
        return end;
      }
      this.state = this.count === 0 ? State.FrameType : State.Skip;
      return pos;
    }
    return pos;
  }

  /** The payload of a length-prefixed frame is discarded (draft-76 §4.2; draft-75 has no binary messages either). */
  private skip(pos: number, end: number): number {
    const take = Math.min(this.count, end - pos);
    this.count -= take;
    if (this.count === 0) this.state = State.FrameType;
    return pos + take;
  }

  private fail(code: HixieFailureCode, message: string): void {
    this.stop();
    this.sink.onFailure(hixieFailure(code, message));
  }
}

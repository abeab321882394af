/**
 * RFC 6455 §5 frame parser: bytes in, messages, control frames and failures out.
 *
 * Sans-I/O: it never touches a socket or a timer. Feeding the same bytes in any chunking,
 * down to one byte at a time, produces the same calls on the sink. The parser takes
 * ownership of the chunks given to `push`: masked payloads are unmasked in place and
 * messages may be views of those chunks.
 */
import { ChunkList, type Allocate } from './chunk-list.js';
import { isValidWireCloseCode, CloseCode } from './close-codes.js';
import { failure, FailureCode, type FrameFailure } from './failure.js';
import { maskInto, unmaskInPlace } from './mask.js';
import { isControlOpcode, isKnownOpcode, MAX_CONTROL_PAYLOAD, Opcode, RSV1, RSV2, RSV3 } from './opcodes.js';
import { Utf8Validator, type Utf8BulkCheck } from './utf8-validator.js';

export interface FrameSink {
  /** A complete data message. `rsv` holds the reserved bits of its first frame (extension-owned). */
  onMessage(data: Uint8Array, isText: boolean, rsv: number): void;
  onPing(payload: Uint8Array): void;
  onPong(payload: Uint8Array): void;
  /** `code` is 1005 when the frame had no body; `reason` is valid UTF-8. Nothing is parsed after it. */
  onClose(code: number, reason: Uint8Array): void;
  /** The input broke the protocol; nothing is parsed after it. */
  onFailure(failure: FrameFailure): void;
}

export interface FrameParserOptions {
  /** `'server'` requires masked frames, `'client'` refuses them (RFC 6455 §5.1). */
  role: 'server' | 'client';
  /** Largest message in bytes, summed across fragments; checked from each header. Default 2^26 - 1. */
  maxLength?: number;
  /** Most frames in one fragmented message. Default 131072. */
  maxFragments?: number;
  /** RSV bits (RSV1/RSV2/RSV3 as in the first header byte) that negotiated extensions own. */
  allowedRsv?: number;
  /** Allocator for joined messages (the host can pass a pooled one). */
  allocate?: Allocate;
  /** Fast validator for runs of complete code points (the host can pass a native one). */
  isUtf8?: Utf8BulkCheck;
}

export const DEFAULT_MAX_LENGTH = 2 ** 26 - 1;
export const DEFAULT_MAX_FRAGMENTS = 131072;

const enum State {
  Header,
  Payload,
  Stopped,
}

const MAX_HEADER = 14;
const EMPTY = new Uint8Array(0);

/**
 * A single-frame message at least this long gets its own buffer once a quarter of it has
 * arrived; the rest is unmasked straight into it instead of being kept in pieces and joined at
 * the end. Waiting for the quarter means a peer can make the parser hold at most four times
 * what it actually sent, never what a header merely announces.
 */
const RESERVE_MIN = 16384;

function newBytes(size: number): Uint8Array {
  return new Uint8Array(size);
}

export class FrameParser {
  private state = State.Header;
  private readonly requireMask: boolean;
  private readonly maxLength: number;
  private readonly maxFragments: number;
  private readonly allocate: Allocate;
  allowedRsv: number;

  /** Header bytes cut by a chunk boundary. */
  // Buffers a connection needs only now and then are made on first use: an idle connection
  // holds none of them.
  private spill: Uint8Array | null = null;
  private spillLength = 0;

  // The frame being read.
  private fin = false;
  private opcode = 0;
  private frameLength = 0;
  private remaining = 0;
  /** The frame's masking key, its four bytes packed in one number. */
  private maskWord = 0;
  private masked = false;
  private zeroMask = false;

  // The data message being assembled.
  private messageOpcode = 0;
  private messageRsv = 0;
  private messageLength = 0;
  private fragments = 0;
  private chunkList: ChunkList | null = null;
  /** The whole message's buffer once it is reserved (see RESERVE_MIN), and how much of it is filled. */
  private reserved: Uint8Array | null = null;
  private reservedLength = 0;
  /** Made with the first text message: a connection that never gets text never holds one. */
  private utf8Validator: Utf8Validator | null = null;
  private readonly isUtf8: Utf8BulkCheck | null;
  private validateText = false;

  /** Control frame payloads cut by a chunk boundary. */
  private control: Uint8Array | null = null;
  private controlLength = 0;

  constructor(private readonly sink: FrameSink, options: FrameParserOptions) {
    this.requireMask = options.role === 'server';
    this.maxLength = options.maxLength ?? DEFAULT_MAX_LENGTH;
    this.maxFragments = options.maxFragments ?? DEFAULT_MAX_FRAGMENTS;
    this.allowedRsv = options.allowedRsv ?? 0;
    this.allocate = options.allocate ?? newBytes;

    this.isUtf8 = options.isUtf8 ?? null;
  }

  /** True once a close frame or a failure ended the stream. */
  get stopped(): boolean {
    return this.state === State.Stopped;
  }

  /** Ends parsing; later input is ignored and buffered pieces are released. */
  stop(): void {
    this.state = State.Stopped;
    this.chunkList = null;
    this.reserved = null;
  }

  push(chunk: Uint8Array): void {
    const end = chunk.length;
    let pos = 0;
    while (pos < end) {
      if (this.state === State.Header) {
        pos = this.readHeader(chunk, pos, end);
      } else if (this.state === State.Payload) {
        pos = this.readPayload(chunk, pos, end);
      } else {
        return;
      }
    }
  }

  private readHeader(chunk: Uint8Array, pos: number, end: number): number {
    if (this.spillLength === 0) {
      const size = end - pos >= 2 ? headerSize(chunk[pos + 1]!) : MAX_HEADER;
      if (end - pos >= size) {
        this.parseHeader(chunk, pos);
        return pos + size;
      }
      (this.spill ??= new Uint8Array(MAX_HEADER)).set(chunk.subarray(pos, end), 0);
      this.spillLength = end - pos;
      return end;
    }
    const spill = this.spill!;
    if (this.spillLength < 2) spill[this.spillLength++] = chunk[pos++]!;
    if (this.spillLength < 2) return pos;
    const size = headerSize(spill[1]!);
    const take = Math.min(size - this.spillLength, end - pos);
    spill.set(chunk.subarray(pos, pos + take), this.spillLength);
    this.spillLength += take;
    pos += take;
    if (this.spillLength === size) {
      this.spillLength = 0;
      this.parseHeader(spill, 0);
    }
    return pos;
  }

  /** Decodes and checks one complete header; `bytes` holds it from `at`. */
  private parseHeader(bytes: Uint8Array, at: number): void {
    const b0 = bytes[at]!;
    const b1 = bytes[at + 1]!;
    const fin = (b0 & 0x80) !== 0;
    const rsv = b0 & (RSV1 | RSV2 | RSV3);
    const opcode = b0 & 0x0f;
    const masked = (b1 & 0x80) !== 0;
    let length = b1 & 0x7f;
    let offset = at + 2;

    if (!isKnownOpcode(opcode)) return this.fail(FailureCode.INVALID_OPCODE, `reserved opcode 0x${opcode.toString(16)}`);
    const control = isControlOpcode(opcode);
    if (rsv !== 0 && (control || opcode === Opcode.CONTINUATION || (rsv & ~this.allowedRsv) !== 0)) {
      return this.fail(FailureCode.UNEXPECTED_RSV, `reserved bits 0x${(rsv >> 4).toString(16)} set without an extension that owns them`);
    }
    if (masked !== this.requireMask) {
      return this.requireMask
        ? this.fail(FailureCode.EXPECTED_MASK, 'a client frame must be masked')
        : this.fail(FailureCode.UNEXPECTED_MASK, 'a server frame must not be masked');
    }
    if (length === 126) {
      length = (bytes[offset]! << 8) | bytes[offset + 1]!;
      offset += 2;
    } else if (length === 127) {
      const high = readUint32(bytes, offset);
      if (high > 0x7fffffff) return this.fail(FailureCode.INVALID_PAYLOAD_LENGTH, 'the most significant bit of a 64-bit length is set');
      // A length of 2^53 or more cannot be an exact number, so no limit could be checked against it.
      if (high > 0x1fffff) return this.fail(FailureCode.MESSAGE_TOO_BIG, 'frame length of 2^53 bytes or more');
      length = high * 0x100000000 + readUint32(bytes, offset + 4);
      offset += 8;
    }

    if (control) {
      if (!fin) return this.fail(FailureCode.EXPECTED_FIN, 'a control frame must not be fragmented');
      if (length > MAX_CONTROL_PAYLOAD) return this.fail(FailureCode.INVALID_CONTROL_PAYLOAD_LENGTH, `control frame payload of ${length} bytes exceeds 125`);
      if (opcode === Opcode.CLOSE && length === 1) return this.fail(FailureCode.INVALID_CLOSE_PAYLOAD, 'a close frame body of 1 byte');
    } else if (opcode === Opcode.CONTINUATION) {
      if (this.messageOpcode === 0) return this.fail(FailureCode.UNEXPECTED_CONTINUATION, 'continuation frame with no message to continue');
      if (++this.fragments > this.maxFragments) return this.fail(FailureCode.TOO_MANY_FRAGMENTS, `more than ${this.maxFragments} fragments in one message`);
    } else {
      if (this.messageOpcode !== 0) return this.fail(FailureCode.EXPECTED_CONTINUATION, 'new data frame inside a fragmented message');
      this.messageOpcode = opcode;
      this.messageRsv = rsv;
      this.messageLength = 0;
      this.fragments = 1;
      // With extension bits set the payload is transformed (compressed); the host checks the result.
      this.validateText = opcode === Opcode.TEXT && rsv === 0;
    }
    if (!control) {
      if (length > this.maxLength - this.messageLength) {
        return this.fail(FailureCode.MESSAGE_TOO_BIG, `message longer than maxLength (${this.maxLength} bytes)`);
      }
      this.messageLength += length;
    }

    this.fin = fin;
    this.opcode = opcode;
    this.masked = masked;
    if (masked) {
      this.maskWord = readUint32(bytes, offset);
      // XOR with an all-zero key changes nothing (some clients mask with zeros on purpose).
      this.zeroMask = this.maskWord === 0;
    }
    this.frameLength = this.remaining = length;
    this.controlLength = 0;
    if (length === 0) this.endFrame(EMPTY);
    else this.state = State.Payload;
  }

  private readPayload(chunk: Uint8Array, pos: number, end: number): number {
    const take = Math.min(this.remaining, end - pos);
    const piece = chunk.subarray(pos, pos + take);
    // Only the key phase matters; `& 3` keeps it a small integer even for lengths past 2^31.
    const phase = (this.frameLength - this.remaining) & 3;
    this.remaining -= take;

    if (this.reserved === null && this.remaining > 0 && this.frameLength >= RESERVE_MIN && this.fin && this.fragments === 1) {
      // A quarter of the message is here (counting this piece): give it its own buffer.
      if ((this.frameLength - this.remaining) * 4 >= this.frameLength) this.reserve();
    }
    if (this.reserved !== null) {
      this.readIntoReserved(piece, phase);
      return pos + take;
    }

    if (this.masked && !this.zeroMask) unmaskInPlace(piece, keyBytes(this.maskWord), phase);

    if (isControlOpcode(this.opcode)) {
      if (this.remaining === 0 && this.controlLength === 0) {
        this.endFrame(piece);
      } else {
        const control = (this.control ??= new Uint8Array(MAX_CONTROL_PAYLOAD));
        control.set(piece, this.controlLength);
        this.controlLength += take;
        if (this.remaining === 0) this.endFrame(control.subarray(0, this.controlLength));
      }
      return pos + take;
    }

    if (this.validateText && !this.utf8.push(piece)) {
      this.fail(FailureCode.INVALID_UTF8, 'text message is not valid UTF-8');
      return end;
    }
    // Fast path: a whole single-frame message within one chunk is delivered as a view.
    if (this.remaining === 0 && this.fin && this.bufferedLength === 0) {
      this.endFrame(piece);
    } else {
      this.pieces.append(piece);
      if (this.remaining === 0) this.endFrame(null);
    }
    return pos + take;
  }

  /** Moves what arrived of the current single-frame message into a buffer of its full length. */
  private reserve(): void {
    const target = this.allocate(this.frameLength);
    this.reservedLength = this.chunkList === null ? 0 : this.chunkList.takeInto(target);
    this.chunkList = null;
    this.reserved = target;
  }

  private readIntoReserved(piece: Uint8Array, phase: number): void {
    const target = this.reserved!;
    const at = this.reservedLength;
    if (this.masked && !this.zeroMask) maskInto(piece, target, at, keyBytes(this.maskWord), phase);
    else target.set(piece, at);
    this.reservedLength = at + piece.length;
    if (this.validateText && !this.utf8.push(target.subarray(at, this.reservedLength))) {
      return this.fail(FailureCode.INVALID_UTF8, 'text message is not valid UTF-8');
    }
    if (this.remaining === 0) {
      this.reserved = null;
      this.endFrame(target);
    }
  }

  /** A frame's payload is complete; `payload` is null when it went into the message's pieces. */
  private endFrame(payload: Uint8Array | null): void {
    this.state = State.Header;
    switch (this.opcode) {
      case Opcode.PING:
        return this.sink.onPing(copyControl(payload!, this.control));
      case Opcode.PONG:
        return this.sink.onPong(copyControl(payload!, this.control));
      case Opcode.CLOSE:
        return this.endClose(payload!);
    }
    if (!this.fin) {
      if (payload !== null) this.pieces.append(payload);
      return;
    }
    if (this.validateText && !this.utf8.complete) {
      this.fail(FailureCode.INVALID_UTF8, 'text message ends inside a UTF-8 sequence');
      return;
    }
    const data = payload !== null && this.bufferedLength === 0 ? payload : this.takePieces(payload);
    const isText = this.messageOpcode === Opcode.TEXT;
    const rsv = this.messageRsv;
    this.messageOpcode = 0;
    this.utf8Validator?.reset();
    this.sink.onMessage(data, isText, rsv);
  }

  private get utf8(): Utf8Validator {
    return (this.utf8Validator ??= new Utf8Validator(this.isUtf8));
  }

  /** Bytes of the current message held in the chunk list. */
  private get bufferedLength(): number {
    return this.chunkList === null ? 0 : this.chunkList.byteLength;
  }

  private get pieces(): ChunkList {
    return (this.chunkList ??= new ChunkList(this.allocate));
  }

  private takePieces(last: Uint8Array | null): Uint8Array {
    if (last !== null) this.pieces.append(last);
    if (this.bufferedLength === 0) return EMPTY;
    const message = this.pieces.take();
    // The list (and its carry buffer) goes with the message: an idle connection keeps nothing.
    this.chunkList = null;
    return message;
  }

  private endClose(body: Uint8Array): void {
    let code: number = CloseCode.NO_STATUS;
    let reason = EMPTY;
    if (body.length >= 2) {
      code = (body[0]! << 8) | body[1]!;
      if (!isValidWireCloseCode(code)) return this.fail(FailureCode.INVALID_CLOSE_CODE, `invalid close code ${code}`);
      reason = body.slice(2);
      const validator = new Utf8Validator(null);
      if (!validator.push(reason) || !validator.complete) {
        return this.fail(FailureCode.INVALID_UTF8, 'close reason is not valid UTF-8');
      }
    }
    this.stop();
    this.sink.onClose(code, reason);
  }

  private fail(code: FailureCode, message: string): void {
    this.stop();
    this.sink.onFailure(failure(code, message));
  }
}

/** Total header length announced by the second header byte. */
function headerSize(b1: number): number {
  const length = b1 & 0x7f;
  return 2 + (length === 126 ? 2 : length === 127 ? 8 : 0) + ((b1 & 0x80) !== 0 ? 4 : 0);
}

function readUint32(bytes: Uint8Array, at: number): number {
  return ((bytes[at]! << 24) >>> 0) + ((bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) | bytes[at + 3]!);
}

/** Control payloads assembled in the shared scratch buffer are copied out before delivery. */
function copyControl(payload: Uint8Array, scratch: Uint8Array | null): Uint8Array {
  return scratch !== null && payload.buffer === scratch.buffer ? payload.slice() : payload;
}

/** One scratch key for every parser: unmasking reads it synchronously, right after it is filled. */
const scratchKey = new Uint8Array(4);

function keyBytes(word: number): Uint8Array {
  scratchKey[0] = word >>> 24;
  scratchKey[1] = (word >>> 16) & 0xff;
  scratchKey[2] = (word >>> 8) & 0xff;
  scratchKey[3] = word & 0xff;
  return scratchKey;
}

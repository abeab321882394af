/**
 * The RFC 6455 frame codec, sans-I/O: bytes in, frames, messages and typed failures out
 * (`frame-parser.ts`, a state machine that gives the same result for any chunking); frames in,
 * bytes out (`frame-serializer.ts`). No sockets, timers, zlib, events, Node typings or imports
 * from the rest of the project; the session above it owns all of that.
 */
export { FrameParser, DEFAULT_MAX_LENGTH, DEFAULT_MAX_FRAGMENTS } from './frame-parser.js';
export type { FrameSink, FrameParserOptions } from './frame-parser.js';
export {
  encodeFrame,
  encodeFragments,
  encodeClosePayload,
  frameHeaderLength,
  writeFrameHeader,
} from './frame-serializer.js';
export type { FrameFields, EncodeOptions, MaskSource } from './frame-serializer.js';
export { FailureCode, failure } from './failure.js';
export type { FrameFailure } from './failure.js';
export { CloseCode, isValidWireCloseCode, isApplicationCloseCode } from './close-codes.js';
export { Opcode, RSV1, RSV2, RSV3, MAX_CONTROL_PAYLOAD, isControlOpcode } from './opcodes.js';
export { Utf8Validator, isUtf8Automaton } from './utf8-validator.js';
export type { Utf8BulkCheck } from './utf8-validator.js';
export { unmaskInPlace, unmaskWithoutSimd, maskInto } from './mask.js';
export type { Allocate } from './chunk-list.js';

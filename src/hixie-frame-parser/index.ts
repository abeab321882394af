/**
 * The draft-75 / draft-76 (hixie) frame codec, sans-I/O, beside the RFC 6455 one and of the same
 * shape: bytes in, text messages, the closing frame and typed failures out (`hixie-parser.ts`, the
 * same result for any chunking); text in, frames out (`hixie-serializer.ts`). No sockets, timers,
 * events, Node typings or imports from the rest of the project; the draft session engine
 * (`src/legacy-drafts/`) owns all of that.
 */
export { HixieParser, DEFAULT_MAX_LENGTH } from './hixie-parser.js';
export type { HixieSink, HixieParserOptions } from './hixie-parser.js';
export { encodeTextFrame, textFrameLength, CLOSING_FRAME, TEXT_FRAME_START, TEXT_FRAME_END } from './hixie-serializer.js';
export { HixieFailureCode, hixieFailure } from './failure.js';
export type { HixieFailure } from './failure.js';
export { isUtf8 } from './utf8.js';
export type { Utf8Check } from './utf8.js';

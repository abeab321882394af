/**
 * The frame parser of a connection, made with the first bytes its peer sends after the handshake
 * (a connection that only listens, a subscriber or a feed, never holds one: ~250 B each), and the
 * one stopped parser shared by every connection that stopped reading before any byte came.
 */
import { isUtf8 } from 'node:buffer';
import { FrameParser, type FrameSink } from '../ws-frame-parser/index.js';
import type { SessionOptions } from './session-options.js';
import type { Role } from './websocket-session.js';

export function frameParserFor(sink: FrameSink, role: Role, allowedRsv: number, options: SessionOptions): FrameParser {
  const { maxLength, maxFragments } = options;
  return new FrameParser(sink, { role, allowedRsv, maxLength, maxFragments, allocate: Buffer.allocUnsafe, isUtf8 });
}

/** Ignores all input: the parser of a connection stopped before its peer sent anything. */
export const STOPPED_PARSER = new FrameParser(null as unknown as FrameSink, { role: 'server' });
STOPPED_PARSER.stop();

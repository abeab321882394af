/**
 * The shapes most Autobahn cases have, as builders for the shared case tables: traffic the peer
 * must answer (then a clean close), traffic it must fail the connection on, and the NON-STRICT
 * variant where a good message comes first. Also the frames and replies the tables are made of.
 */
import { Op, type FrameSpec, type Payload } from '../frame-encoder';
import type { SharedCase } from './autobahn-case';
import type { SendMode } from './frame-sender';
import type { RawEndpoint } from './raw-endpoint';
import type { Failure } from './tester';
import type { MessageKind } from './wire-event';

/** What the peer sends back: an echoed message, or the pong that answers a ping (RFC 6455 §5.5.3). */
export interface MessageReply {
  readonly type: MessageKind;
  readonly payload: Payload;
}
export interface PongReply {
  readonly type: 'pong';
  readonly payload: Payload;
}
export type Reply = MessageReply | PongReply;

export const echoOf = (type: MessageKind, payload: Payload): MessageReply => ({ type, payload });
export const textEcho = (payload: Payload): MessageReply => ({ type: 'text', payload });
export const pongWith = (payload: Payload): PongReply => ({ type: 'pong', payload });

export async function expectReply(wire: RawEndpoint, reply: Reply, timeoutMs?: number): Promise<void> {
  if (reply.type === 'pong') await wire.expectPong(reply.payload, timeoutMs);
  else await wire.expectMessage(reply.type, reply.payload, timeoutMs);
}

export const opcodeFor = (kind: MessageKind): number => (kind === 'text' ? Op.TEXT : Op.BINARY);
export const pingFrame = (payload: Payload): FrameSpec => ({ opcode: Op.PING, payload });
export const pongFrame = (payload: Payload): FrameSpec => ({ opcode: Op.PONG, payload });
export const textFrame = (payload: Payload, fin = true): FrameSpec => ({ opcode: Op.TEXT, fin, payload });
export const continuationFrame = (payload: Payload, fin: boolean): FrameSpec => ({ opcode: Op.CONTINUATION, fin, payload });

/** Autobahn's payloads of a given size: '*' for text, 0xfe for binary. */
export function uniformPayload(kind: MessageKind, length: number): Buffer {
  return Buffer.alloc(length, kind === 'text' ? 0x2a /* '*' */ : 0xfe);
}

/** Autobahn's modes besides 'bulk': one write per frame, and one byte at a time. */
export const PER_FRAME: SendMode = 'per-frame';
export const OCTETS: SendMode = { chopSize: 1, pauseMs: 1 };

/** The peer answers `frames` with exactly `replies`, in order, and nothing else; then the tester closes cleanly. */
export function answered(id: string, title: string, frames: FrameSpec[], replies: Reply[], mode: SendMode = 'bulk'): SharedCase {
  return {
    id,
    title,
    async run(t) {
      await t.wire.sendFrames(frames, mode);
      for (const reply of replies) await expectReply(t.wire, reply);
      // Any other reply would come before the close answer and fail here.
      await t.closeCleanly();
    },
  };
}

/** The peer fails the connection on `frames`, answering none of them. */
export function fails(id: string, title: string, frames: FrameSpec[], failure: Failure, mode: SendMode = 'bulk'): SharedCase {
  return {
    id,
    title,
    async run(t) {
      await t.wire.sendFrames(frames, mode);
      await t.expectFailure(failure);
    },
  };
}

/**
 * `frames` start with a good message and then break the RFC: echoing the message before failing
 * is OK, failing without the echo NON-STRICT (Autobahn's grades); an echo must be exact.
 */
export function failsAfterOptionalEcho(id: string, title: string, frames: FrameSpec[], echo: MessageReply, failure: Failure, mode: SendMode = 'bulk'): SharedCase {
  return {
    id,
    title,
    async run(t) {
      await t.wire.sendFrames(frames, mode);
      const echoed = await t.wire.maybeExpectMessage(echo.type, echo.payload);
      await t.expectFailure(failure);
      t.grade(echoed ? 'OK' : 'NON-STRICT');
    },
  };
}

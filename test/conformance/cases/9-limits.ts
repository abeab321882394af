/**
 * Autobahn category 9 (limits and performance), sized for a CI run: large single-frame messages
 * (9.1 text / 9.2 binary), 4 MiB in fragments of 64 B .. 4 MiB (9.3 / 9.4), 1 MiB written in
 * TCP chops of 64 .. 2048 B (9.5 / 9.6), and 100 sequential round trips (9.7 / 9.8, reduced from
 * Autobahn's 1000). Plus the library's maxLength limit: an oversized message fails with 1009
 * (RFC 6455 §7.4.1), as early as the frame header announces it.
 *
 * Payloads are made inside each run: made while describing, the tables would hold hundreds of
 * MiB for the whole file.
 */
import { fragmentMessage, Op, type FrameSpec } from '../frame-encoder';
import type { CaseGroup, SharedCase } from '../shared/autobahn-case';
import { opcodeFor, uniformPayload } from '../shared/case-builders';
import type { SendMode } from '../shared/frame-sender';
import type { Failure } from '../shared/tester';
import type { MessageKind } from '../shared/wire-event';

const KiB = 1024;
const MiB = 1024 * KiB;
/** Generous bound for the largest echoes on a loaded CI machine. */
const BIG_TIMEOUT_MS = 20_000;
const TEST_TIMEOUT_MS = 60_000;
const MAX_LENGTH = 1024;

/** RFC 6455 §7.4.1 1009: the message is too big to process. A drop is not enough: the code is the point. */
const TOO_BIG: Failure = { code: 1009, clientError: 'WS_ERR_MESSAGE_TOO_BIG', allowDrop: false };

/** A message of `size` bytes, sent as `frames(payload)` in `mode`, is echoed within BIG_TIMEOUT_MS. */
function bigEcho(id: string, title: string, kind: MessageKind, size: number, frames: (payload: Buffer) => FrameSpec[], mode: SendMode = 'bulk'): SharedCase {
  return {
    id,
    title,
    async run(t) {
      const payload = uniformPayload(kind, size);
      await t.wire.sendFrames(frames(payload), mode);
      await t.wire.expectMessage(kind, payload, BIG_TIMEOUT_MS);
      await t.closeCleanly();
    },
  };
}

function roundTrips(id: string, kind: MessageKind, size: number): SharedCase {
  return {
    id,
    title: `100 round trips of ${size}-byte ${kind} messages`,
    async run(t) {
      for (let i = 0; i < 100; i++) {
        // Vary the content so a stale or duplicated echo cannot pass.
        const payload = uniformPayload(kind, size);
        if (size > 0) payload[i % size] = kind === 'text' ? 0x30 + (i % 10) : i;
        await t.wire.sendFrame({ opcode: opcodeFor(kind), payload });
        await t.wire.expectMessage(kind, payload);
      }
      await t.closeCleanly();
    },
  };
}

const oneFrame =
  (kind: MessageKind) =>
  (payload: Buffer): FrameSpec[] => [{ opcode: opcodeFor(kind), payload }];

const singleMessages = (group: string, kind: MessageKind): CaseGroup => ({
  title: `${group} single ${kind} messages`,
  timeoutMs: TEST_TIMEOUT_MS,
  entries: [64 * KiB, 256 * KiB, MiB, 4 * MiB, 8 * MiB, 16 * MiB].map((size, i) => bigEcho(`${group}.${i + 1}`, `${kind} message of ${size} bytes is echoed`, kind, size, oneFrame(kind))),
});

const fragmentedMessages = (group: string, kind: MessageKind): CaseGroup => ({
  title: `${group} 4 MiB ${kind} message in fragments`,
  timeoutMs: TEST_TIMEOUT_MS,
  entries: [64, 256, KiB, 4 * KiB, 16 * KiB, 64 * KiB, 256 * KiB, MiB, 4 * MiB].map((size, i) =>
    bigEcho(`${group}.${i + 1}`, `4 MiB ${kind} message in fragments of ${size} bytes is echoed as one message`, kind, 4 * MiB, (payload) => fragmentMessage(opcodeFor(kind), payload, size)),
  ),
});

const choppedMessages = (group: string, kind: MessageKind): CaseGroup => ({
  title: `${group} 1 MiB ${kind} message written in TCP chops`,
  timeoutMs: TEST_TIMEOUT_MS,
  entries: [64, 128, 256, 512, 1024, 2048].map((size, i) => bigEcho(`${group}.${i + 1}`, `1 MiB ${kind} message written in chops of ${size} bytes is echoed`, kind, MiB, oneFrame(kind), { chopSize: size })),
});

const sequentialRoundTrips = (group: string, kind: MessageKind): CaseGroup => ({
  title: `${group} sequential ${kind} round trips`,
  timeoutMs: TEST_TIMEOUT_MS,
  entries: [0, 16, 64, 256, KiB, 4 * KiB].map((size, i) => roundTrips(`${group}.${i + 1}`, kind, size)),
});

/** 9.ext.maxLength.5 and .6: the peer must not wait for a payload it will refuse anyway. */
const EARLY_REJECTIONS: SharedCase[] = [
  {
    id: '9.ext.maxLength.5',
    title: 'a frame header announcing 1025 bytes fails with 1009 before the payload arrives (early rejection)',
    async run(t) {
      const frame = t.wire.encode({ opcode: Op.BINARY, payload: uniformPayload('binary', MAX_LENGTH + 1) });
      await t.wire.write(frame.subarray(0, t.wire.headerLength(MAX_LENGTH + 1)));
      await t.expectFailure(TOO_BIG);
    },
  },
  {
    id: '9.ext.maxLength.6',
    title: 'a second fragment taking the total past 1024 fails with 1009 before its payload arrives (early rejection)',
    async run(t) {
      await t.wire.sendFrame({ opcode: Op.TEXT, fin: false, payload: uniformPayload('text', 1000) });
      await t.wire.ping('barrier');
      await t.wire.expectPong('barrier');
      const second = t.wire.encode({ opcode: Op.CONTINUATION, fin: true, payload: uniformPayload('text', 25) });
      await t.wire.write(second.subarray(0, t.wire.headerLength(25)));
      await t.expectFailure(TOO_BIG);
    },
  },
];

/** 9.ext.maxLength.1-.4: exactly at the limit is fine, one byte more is not, in one frame or in fragments. */
function maxLengthCases(kind: MessageKind): SharedCase[] {
  const opcode = opcodeFor(kind);
  const atLimit = (): Buffer => uniformPayload(kind, MAX_LENGTH);
  const overLimit = (): Buffer => uniformPayload(kind, MAX_LENGTH + 1);
  const echoed = (id: string, title: string, frames: (payload: Buffer) => FrameSpec[]): SharedCase => ({
    id,
    title,
    async run(t) {
      await t.wire.sendFrames(frames(atLimit()));
      await t.wire.expectMessage(kind, atLimit());
      await t.closeCleanly();
    },
  });
  const tooBig = (id: string, title: string, frames: (payload: Buffer) => FrameSpec[]): SharedCase => ({
    id,
    title,
    async run(t) {
      await t.wire.sendFrames(frames(overLimit()));
      await t.expectFailure(TOO_BIG);
    },
  });
  return [
    echoed('9.ext.maxLength.1', `a ${kind} message of exactly 1024 bytes is echoed`, oneFrame(kind)),
    echoed('9.ext.maxLength.2', `1024 bytes of ${kind} in 2 fragments are echoed`, (payload) => fragmentMessage(opcode, payload, 512)),
    tooBig('9.ext.maxLength.3', `a ${kind} message of 1025 bytes fails with 1009`, oneFrame(kind)),
    tooBig('9.ext.maxLength.4', `1025 bytes of ${kind} in fragments of 512 + 513 fail with 1009`, (payload) => [
      { opcode, fin: false, payload: payload.subarray(0, 512) },
      { opcode: Op.CONTINUATION, fin: true, payload: payload.subarray(512) },
    ]),
  ];
}

export const LIMITS_CASES: readonly CaseGroup[] = [
  singleMessages('9.1', 'text'),
  singleMessages('9.2', 'binary'),
  fragmentedMessages('9.3', 'text'),
  fragmentedMessages('9.4', 'binary'),
  choppedMessages('9.5', 'text'),
  choppedMessages('9.6', 'binary'),
  sequentialRoundTrips('9.7', 'text'),
  sequentialRoundTrips('9.8', 'binary'),
  {
    title: `9.ext maxLength ${MAX_LENGTH}`,
    peerOptions: { maxLength: MAX_LENGTH },
    timeoutMs: TEST_TIMEOUT_MS,
    entries: [...maxLengthCases('text'), ...maxLengthCases('binary'), ...EARLY_REJECTIONS],
  },
];

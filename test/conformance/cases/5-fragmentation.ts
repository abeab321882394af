/**
 * Autobahn category 5: fragmentation (RFC 6455 §5.4). Control frames must not be fragmented,
 * continuation frames need a message to continue, a new data frame may not start inside a
 * fragmented message, and control frames may be interleaved with (and must be answered in the
 * middle of) a fragmented message.
 */
import { Op, type FrameSpec } from '../frame-encoder';
import type { CaseGroup, SharedCase } from '../shared/autobahn-case';
import { answered, continuationFrame, fails, failsAfterOptionalEcho, OCTETS, PER_FRAME, pingFrame, pongWith, textEcho, textFrame } from '../shared/case-builders';
import type { SendMode } from '../shared/frame-sender';
import type { Failure } from '../shared/tester';

const EXPECTED_FIN: Failure = { code: 1002, clientError: 'WS_ERR_EXPECTED_FIN' };
const UNEXPECTED_CONTINUATION: Failure = { code: 1002, clientError: 'WS_ERR_UNEXPECTED_CONTINUATION' };
const EXPECTED_CONTINUATION: Failure = { code: 1002, clientError: 'WS_ERR_EXPECTED_CONTINUATION' };

/** Autobahn's three ways of sending a case's frames, in the order its sub-cases use them. */
const MODES: Array<[how: string, mode: SendMode]> = [
  ['in one write', 'bulk'],
  ['frame by frame', PER_FRAME],
  ['octet by octet', OCTETS],
];

const fragmented = (opcode: number): FrameSpec[] => [
  { opcode, fin: false, payload: 'fragment1' },
  continuationFrame('fragment2', true),
];
const TWO_FRAGMENTS = fragmented(Op.TEXT);
const WITH_PING: FrameSpec[] = [textFrame('fragment1', false), pingFrame('ping payload'), continuationFrame('fragment2', true)];

/** 5.9-5.14: a continuation with nothing to continue, then a good text. */
const strayContinuation = (fin: boolean): FrameSpec[] => [continuationFrame('non-continuation payload', fin), textFrame('Hello, world!')];

/** 5.16, 5.17: twice, a continuation with nothing to continue, then a 2-fragment text. */
const strayContinuationTwice = (fin: boolean): FrameSpec[] => {
  const round = [continuationFrame('fragment1', fin), textFrame('fragment2', false), continuationFrame('fragment3', true)];
  return [...round, ...round];
};

/** 5.19, 5.20: pings inside a 5-fragment text must be answered before the message completes. */
function pingsInsideFragments(id: string, mode: SendMode): SharedCase {
  return {
    id,
    title: `pings inside a 5-fragment text are answered before the message completes (mode ${JSON.stringify(mode)})`,
    async run(t) {
      await t.wire.sendFrames([textFrame('fragment1', false), continuationFrame('fragment2', false), pingFrame('pongme 1!')], mode);
      // Autobahn pauses 1 s here and expects the pong meanwhile; waiting for the pong asserts the same.
      await t.wire.expectPong('pongme 1!');
      await t.wire.sendFrames([continuationFrame('fragment3', false), continuationFrame('fragment4', false), pingFrame('pongme 2!')], mode);
      await t.wire.expectPong('pongme 2!');
      await t.wire.sendFrame(continuationFrame('fragment5', true), mode);
      await t.wire.expectText('fragment1fragment2fragment3fragment4fragment5');
      await t.closeCleanly();
    },
  };
}

export const FRAGMENTATION_CASES: readonly CaseGroup[] = [
  {
    title: '5 fragmentation',
    entries: [
      fails('5.1', 'ping in 2 fragments fails with 1002', fragmented(Op.PING), EXPECTED_FIN),
      fails('5.2', 'pong in 2 fragments fails with 1002', fragmented(Op.PONG), EXPECTED_FIN),
      ...MODES.map(([how, mode], i) => answered(`5.${i + 3}`, `text in 2 fragments, sent ${how}, is echoed as one message`, TWO_FRAGMENTS, [textEcho('fragment1fragment2')], mode)),
      ...MODES.map(([how, mode], i) =>
        answered(`5.${i + 6}`, `text in 2 fragments with a ping in between, sent ${how}: pong, then the echo`, WITH_PING, [pongWith('ping payload'), textEcho('fragment1fragment2')], mode),
      ),
      ...[true, false].flatMap((fin, f) =>
        MODES.map(([how, mode], i) =>
          fails(`5.${9 + 3 * f + i}`, `continuation (fin=${fin}) with nothing to continue, then text, sent ${how}: fails with 1002`, strayContinuation(fin), UNEXPECTED_CONTINUATION, mode),
        ),
      ),
      failsAfterOptionalEcho(
        '5.15',
        'text in 2 fragments, then a continuation with nothing to continue: echo (OK or NON-STRICT), then 1002',
        [...TWO_FRAGMENTS, continuationFrame('fragment3', false), textFrame('fragment4')],
        textEcho('fragment1fragment2'),
        UNEXPECTED_CONTINUATION,
      ),
      ...[false, true].map((fin, i) =>
        fails(`5.${16 + i}`, `twice: continuation (fin=${fin}) with nothing to continue, then a 2-fragment text: fails with 1002`, strayContinuationTwice(fin), UNEXPECTED_CONTINUATION),
      ),
      fails('5.18', 'text fragment followed by a text (not continuation) frame fails with 1002', [textFrame('fragment1', false), textFrame('fragment2')], EXPECTED_CONTINUATION),
      pingsInsideFragments('5.19', 'bulk'),
      pingsInsideFragments('5.20', PER_FRAME),
    ],
  },
];

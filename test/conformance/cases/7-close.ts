/**
 * Autobahn category 7: the closing handshake (RFC 6455 §5.5.1, §7). Nothing is processed after a
 * close frame, the close body is validated (length, code, UTF-8 reason), valid codes are echoed
 * back, invalid ones fail with 1002 (§7.4.1, §7.4.2). After the handshake the server closes TCP
 * (§7.1.1), whichever side it is.
 */
import { closePayload, Op, type FrameSpec } from '../frame-encoder';
import type { CaseGroup, SharedCase } from '../shared/autobahn-case';
import { answered, continuationFrame, fails, pingFrame, textEcho, textFrame } from '../shared/case-builders';
import type { Failure } from '../shared/tester';

const CLOSE_1000: FrameSpec = { opcode: Op.CLOSE, payload: closePayload(1000) };
const closeWith = (code: number, reason = ''): FrameSpec => ({ opcode: Op.CLOSE, payload: closePayload(code, reason) });

/** 7.1.5: a close in the middle of a fragmented message; the message is dropped. */
export const CLOSE_INSIDE_FRAGMENTED_MESSAGE: FrameSpec[] = [textFrame('fragment1', false), CLOSE_1000, continuationFrame('fragment2', true)];

const INVALID_CLOSE_PAYLOAD: Failure = { code: 1002, clientError: 'WS_ERR_INVALID_CLOSE_PAYLOAD' };
const CONTROL_TOO_LONG: Failure = { code: 1002, clientError: 'WS_ERR_INVALID_CONTROL_PAYLOAD_LENGTH' };
/** Autobahn accepts 1002 for a reason that is not UTF-8 too; the client suite holds our client to 1007. */
const INVALID_REASON: Failure = { code: 1007, clientError: 'WS_ERR_INVALID_UTF8', serverAlsoAccepts: [1002] };
const INVALID_CLOSE_CODE: Failure = { code: 1002, clientError: 'WS_ERR_INVALID_CLOSE_CODE' };

/** The tester sends `frames`, the first a close 1000: the peer answers that close and nothing else. */
function ignoredAfterClose(id: string, title: string, frames: FrameSpec[]): SharedCase {
  return {
    id,
    title,
    async run(t) {
      await t.wire.sendFrames(frames);
      await t.expectCloseReply(1000);
    },
  };
}

/** The tester closes with `code` and `reason`; the peer echoes the code. */
function echoedClose(id: string, title: string, code: number, reason = ''): SharedCase {
  return { id, title, run: (t) => t.closeCleanly(code, reason) };
}

const BIG_THEN_SMALL_THEN_CLOSE: SharedCase = {
  id: '7.1.6',
  title: '256 KiB message, small message, close, ping: messages echoed in order or not at all, then close 1000 (INFORMATIONAL)',
  async run(t) {
    const unit = Buffer.from('BAsd7&jh23');
    const big = Buffer.alloc(256 * 1024);
    for (let i = 0; i < big.length; i += unit.length) unit.copy(big, i);
    await t.wire.sendFrames([textFrame(big), textFrame('Hello World!'), CLOSE_1000, pingFrame('')]);
    const gotBig = await t.wire.maybeExpectMessage('text', big);
    const gotSmall = gotBig && (await t.wire.maybeExpectMessage('text', 'Hello World!'));
    await t.expectCloseReply(1000);
    t.grade('INFORMATIONAL', gotSmall ? 'both messages echoed before the close' : gotBig ? 'only the first message echoed' : 'close processed first');
  },
};

/** Autobahn's 7.7.x codes, then those IANA registered since RFC 6455 (the library accepts them). */
const VALID_CODES = [1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 3000, 3999, 4000, 4999];
const REGISTERED_SINCE = [1012, 1013, 1014];
/** Autobahn's 7.9.x codes, then 1015 (reserved: TLS failure, never on the wire). */
const INVALID_CODES = [0, 999, 1004, 1005, 1006, 1016, 1100, 2000, 2999];

const invalidCode = (id: string, code: number): SharedCase => fails(id, `close code ${code} fails with 1002`, [closeWith(code)], INVALID_CLOSE_CODE);

export const CLOSE_CASES: readonly CaseGroup[] = [
  {
    title: '7.1 close behaviour',
    entries: [
      answered('7.1.1', 'text message echoed, then a clean close', [textFrame('Hello World!')], [textEcho('Hello World!')]),
      ignoredAfterClose('7.1.2', 'two close frames: one close 1000 back, then TCP close', [CLOSE_1000, CLOSE_1000]),
      ignoredAfterClose('7.1.3', 'ping after close is not answered', [CLOSE_1000, pingFrame('Hello World!')]),
      ignoredAfterClose('7.1.4', 'text after close is not echoed', [CLOSE_1000, textFrame('Hello World!')]),
      {
        id: '7.1.5',
        title: 'close in the middle of a fragmented message: the message is dropped',
        roleSpecific: 'the client suite also checks that the message never reached the application',
      },
      BIG_THEN_SMALL_THEN_CLOSE,
    ],
  },
  {
    title: '7.3 close frame structure',
    entries: [
      {
        id: '7.3.1',
        title: 'close with an empty body: the peer closes (code 1000 or empty)',
        roleSpecific: 'the server suite accepts a 1000 answer as Autobahn does; the client suite wants the empty close echoed and 1005 reported',
      },
      fails('7.3.2', 'close with a 1-byte body fails with 1002', [{ opcode: Op.CLOSE, payload: Buffer.from([0x61]) }], INVALID_CLOSE_PAYLOAD),
      echoedClose('7.3.3', 'close with code 1000 and no reason: close 1000 back', 1000),
      echoedClose('7.3.4', 'close with code 1000 and a reason: close 1000 back', 1000, 'Hello World!'),
      echoedClose('7.3.5', 'close with code 1000 and a 123-byte reason (125-byte body): close 1000 back', 1000, '*'.repeat(123)),
      fails('7.3.6', 'close with code 1000 and a 124-byte reason (126-byte control frame) fails with 1002', [closeWith(1000, '*'.repeat(124))], CONTROL_TOO_LONG),
    ],
  },
  {
    title: '7.5 close reason',
    entries: [
      fails(
        '7.5.1',
        'close reason that is not valid UTF-8 fails with 1007 (the server suite accepts 1002 too)',
        [{ opcode: Op.CLOSE, payload: closePayload(1000, Buffer.from('cebae1bdb9cf83cebcceb5eda080656469746564', 'hex')) }],
        INVALID_REASON,
      ),
    ],
  },
  {
    title: '7.7 valid close codes are echoed back',
    entries: [
      ...VALID_CODES.map((code, i) => echoedClose(`7.7.${i + 1}`, `close code ${code} is echoed, then TCP close`, code)),
      ...REGISTERED_SINCE.map((code) => echoedClose(`7.7.ext.${code}`, `close code ${code} is echoed, then TCP close`, code)),
    ],
  },
  {
    title: '7.9 invalid close codes fail with 1002',
    entries: [...INVALID_CODES.map((code, i) => invalidCode(`7.9.${i + 1}`, code)), invalidCode('7.9.ext.1015', 1015)],
  },
  {
    title: '7.13 close codes beyond 4999 fail with 1002',
    entries: [invalidCode('7.13.1', 5000), invalidCode('7.13.2', 65535)],
  },
];

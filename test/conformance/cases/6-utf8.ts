/**
 * Autobahn category 6: UTF-8 in text messages (RFC 6455 §8.1, invalid UTF-8 fails with 1007).
 *
 * 6.1 empty fragments, 6.2 valid UTF-8 split anywhere (across fragments and across TCP chops of
 * one frame), 6.3 invalid UTF-8, 6.4 FAIL-FAST: the peer must reject invalid UTF-8 as soon as
 * the offending bytes arrive (mid-message and mid-frame), i.e. its 1007 close must arrive before
 * the tester sends the rest (§8.1: "as soon as"). 6.5-6.23: the Markus Kuhn decoder test
 * sequences of ../utf8-sequences.
 */
import { fragmentMessage, Op, type FrameSpec } from '../frame-encoder';
import type { CaseGroup, SharedCase } from '../shared/autobahn-case';
import { answered, continuationFrame, fails, textEcho, textFrame } from '../shared/case-builders';
import type { Failure } from '../shared/tester';
import { KOSME, utf8TestGroups } from '../utf8-sequences';

/** How long the peer gets to fail the connection after the invalid bytes (Autobahn waits 1 s). */
const FAIL_FAST_MS = 1000;
/** Autobahn's pause between chops of one frame, shortened. */
const CHOP_PAUSE_MS = 20;

const INVALID_UTF8: Failure = { code: 1007, clientError: 'WS_ERR_INVALID_UTF8' };
const INVALID_UTF8_AT_ONCE: Failure = { ...INVALID_UTF8, withinMs: FAIL_FAST_MS };

const HELLO = Buffer.from('Hello-µ@ßöäüàá-UTF-8!!', 'utf8');
/** Code points of 1, 2, 3, 4, 2 and 1 bytes: every split position is covered. */
const MIXED = Buffer.from('Aµ€𤭢κz', 'utf8');
/** κόσμε, then U+110000 encoded in 4 bytes (invalid), then "edited". */
const INVALID = Buffer.concat([KOSME, Buffer.from([0xf4, 0x90, 0x80, 0x80]), Buffer.from('edited')]);

const splitAt = (data: Buffer, at: number): FrameSpec[] => [textFrame(data.subarray(0, at), false), continuationFrame(data.subarray(at), true)];
const SPLIT_POSITIONS = Array.from({ length: MIXED.length - 1 }, (_, i) => i + 1);
/** Where 6.4.x cut INVALID: after the valid prefix; 'f4908080' ends after the whole bad code point, 'f4 | 90' after its first 2 bytes. */
const FAIL_FAST_CUTS: Array<[what: string, prefix: number, upTo: number]> = [
  ['f4908080', 11, 15],
  ['f4 | 90', 12, 13],
];

/** 6.2.ext.chop: one frame written in two TCP chops, the cut inside the payload. */
function choppedFrame(at: number): SharedCase {
  return {
    id: `6.2.ext.chop@${at}`,
    title: `one frame, TCP-chopped inside the payload at byte ${at}, is echoed`,
    async run(t) {
      const frame = t.wire.encode({ opcode: Op.TEXT, payload: MIXED });
      const cut = t.wire.headerLength(MIXED.length) + at;
      await t.wire.write(frame.subarray(0, cut));
      await t.wire.expectSilence(CHOP_PAUSE_MS, 'the first chop is a valid prefix');
      await t.wire.write(frame.subarray(cut));
      await t.wire.expectText(MIXED);
      await t.closeCleanly();
    },
  };
}

/** 6.4.1, 6.4.2: three fragments; the 1007 must come after fragment 2, before fragment 3 is sent. */
function failFastInFragment(id: string, what: string, prefix: number, upTo: number): SharedCase {
  return {
    id,
    title: `invalid code point (${what}) in fragment 2 of 3: 1007 before fragment 3 is sent`,
    async run(t) {
      await t.wire.sendFrame(textFrame(INVALID.subarray(0, prefix), false));
      // A ping as a barrier: its pong proves fragment 1 (a valid prefix) was accepted.
      await t.wire.ping('barrier');
      await t.wire.expectPong('barrier');
      await t.wire.sendFrame(continuationFrame(INVALID.subarray(prefix, upTo), false));
      await t.expectFailure(INVALID_UTF8_AT_ONCE);
      // Fragment 3 (INVALID.subarray(upTo), fin=true) is never sent.
    },
  };
}

/** 6.4.3, 6.4.4: one frame in three TCP chops; the 1007 must come after chop 2, before chop 3. */
function failFastInChop(id: string, what: string, prefix: number, upTo: number): SharedCase {
  return {
    id,
    title: `invalid code point (${what}) in TCP chop 2 of 3 of one frame: 1007 before chop 3 is sent`,
    async run(t) {
      const frame = t.wire.encode({ opcode: Op.TEXT, payload: INVALID });
      const head = t.wire.headerLength(INVALID.length);
      await t.wire.write(frame.subarray(0, head + prefix));
      await t.wire.expectSilence(CHOP_PAUSE_MS, 'chop 1 is a valid prefix');
      await t.wire.write(frame.subarray(head + prefix, head + upTo));
      await t.expectFailure(INVALID_UTF8_AT_ONCE);
    },
  };
}

/** Beyond Autobahn: invalid bytes at the start of a frame whose payload never completes. */
const INCOMPLETE_FRAME: SharedCase = {
  id: '6.4.ext.5',
  title: 'invalid bytes at the start of a frame whose payload is still incomplete: 1007 at once',
  async run(t) {
    const payload = Buffer.concat([Buffer.from([0x61, 0xed, 0xbf, 0xbf]), Buffer.alloc(96, 0x61)]);
    const frame = t.wire.encode({ opcode: Op.TEXT, payload });
    await t.wire.write(frame.subarray(0, t.wire.headerLength(payload.length) + 8));
    await t.expectFailure(INVALID_UTF8_AT_ONCE);
  },
};

/** Beyond Autobahn: the message is never completed, so only a streaming validator can react. */
const NEVER_COMPLETED: Array<[what: string, bytes: Buffer]> = [
  ['a surrogate (ed a0 80)', Buffer.from([0x61, 0x62, 0xed, 0xa0, 0x80])],
  ['a lone continuation byte (80)', Buffer.from([0x61, 0x80])],
  ['an overlong "/" (c0 af)', Buffer.from([0x61, 0xc0, 0xaf])],
  ['an impossible byte (ff)', Buffer.from([0xff])],
];

const kuhnGroups: CaseGroup[] = utf8TestGroups().map((group) => ({
  title: `${group.id} ${group.title}`,
  entries: group.cases.map(({ valid, bytes }, i) => {
    const id = `${group.id}.${i + 1}`;
    const title = `${valid ? 'valid' : 'invalid'}: ${bytes.toString('hex')}`;
    const frames = [textFrame(bytes)];
    return valid ? answered(id, title, frames, [textEcho(bytes)]) : fails(id, title, frames, INVALID_UTF8);
  }),
}));

export const UTF8_CASES: readonly CaseGroup[] = [
  {
    title: '6.1 empty fragments',
    entries: [
      answered('6.1.1', 'empty text message is echoed', [textFrame('')], [textEcho('')]),
      answered('6.1.2', 'text message of 3 empty fragments is echoed as an empty message', [textFrame('', false), continuationFrame('', false), continuationFrame('', true)], [textEcho('')]),
      answered(
        '6.1.3',
        'text message of empty, non-empty, empty fragments is echoed',
        [textFrame('', false), continuationFrame('middle frame payload', false), continuationFrame('', true)],
        [textEcho('middle frame payload')],
      ),
    ],
  },
  {
    title: '6.2 valid UTF-8 split anywhere',
    entries: [
      answered('6.2.1', 'valid UTF-8 in one frame is echoed', [textFrame(HELLO)], [textEcho(HELLO)]),
      answered('6.2.2', 'valid UTF-8 in 2 fragments split on a code point boundary is echoed', splitAt(HELLO, Buffer.byteLength('Hello-µ@ßöä')), [textEcho(HELLO)]),
      answered('6.2.3', 'valid UTF-8 in 1-byte fragments is echoed', fragmentMessage(Op.TEXT, HELLO, 1), [textEcho(HELLO)]),
      answered('6.2.4', 'κόσμε in 1-byte fragments (ending inside code points) is echoed', fragmentMessage(Op.TEXT, KOSME, 1), [textEcho(KOSME)]),
      ...SPLIT_POSITIONS.map((at) => answered(`6.2.ext.frag@${at}`, `valid UTF-8 split into 2 fragments at byte ${at} is echoed`, splitAt(MIXED, at), [textEcho(MIXED)])),
      ...SPLIT_POSITIONS.map(choppedFrame),
    ],
  },
  {
    title: '6.3 invalid UTF-8',
    entries: [
      fails('6.3.1', 'invalid UTF-8 in one frame fails with 1007', [textFrame(INVALID)], INVALID_UTF8),
      fails('6.3.2', 'invalid UTF-8 in 1-byte fragments fails with 1007', fragmentMessage(Op.TEXT, INVALID, 1), INVALID_UTF8),
    ],
  },
  {
    title: '6.4 fail fast on invalid UTF-8',
    entries: [
      ...FAIL_FAST_CUTS.map(([what, prefix, upTo], i) => failFastInFragment(`6.4.${i + 1}`, what, prefix, upTo)),
      ...FAIL_FAST_CUTS.map(([what, prefix, upTo], i) => failFastInChop(`6.4.${i + 3}`, what, prefix, upTo)),
      ...NEVER_COMPLETED.map(([what, bytes], i) =>
        fails(`6.4.ext.${i + 1}`, `${what} in a non-final fragment: 1007 without waiting for the final fragment`, [textFrame(bytes, false)], INVALID_UTF8_AT_ONCE),
      ),
      INCOMPLETE_FRAME,
    ],
  },
  ...kuhnGroups,
];

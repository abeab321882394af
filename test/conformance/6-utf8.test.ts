/**
 * Autobahn category 6: UTF-8 handling of text messages.
 *
 * 6.1 empty fragments, 6.2 valid UTF-8 split anywhere (across fragments and across TCP chops of
 * one frame), 6.3 invalid UTF-8, 6.4 FAIL-FAST: the server must reject invalid UTF-8 as soon as
 * the offending bytes arrive (mid-message and mid-frame), i.e. its 1007 close must arrive before
 * the client sends the rest. 6.5-6.23: the Markus Kuhn decoder test sequences.
 */
import { useEchoServer } from './harness';
import { encodeFrame, fragmentMessage, headerLength, Op } from './frame-encoder';
import { KOSME, utf8TestGroups } from './utf8-sequences';

const srv = useEchoServer();

/** How long the server gets to fail the connection after the invalid bytes (Autobahn waits 1 s). */
const FAIL_FAST_MS = 1000;
/** Autobahn's pause between chops of one frame, shortened. */
const CHOP_PAUSE_MS = 20;

const HELLO = Buffer.from('Hello-µ@ßöäüàá-UTF-8!!', 'utf8');
/** Code points of 1, 2, 3, 4, 2 and 1 bytes: every split position is covered. */
const MIXED = Buffer.from('Aµ€𤭢κz', 'utf8');
/** κόσμε, then U+110000 encoded in 4 bytes (invalid), then "edited". */
const INVALID = Buffer.concat([KOSME, Buffer.from([0xf4, 0x90, 0x80, 0x80]), Buffer.from('edited')]);

describe('6.1 empty fragments', () => {
  test('6.1.1 empty text message is echoed', async () => {
    const c = await srv.connect();
    await c.sendText('');
    await c.expectText('');
    await c.closeCleanly();
    c.assertDone();
  });

  test('6.1.2 text message of 3 empty fragments is echoed as an empty message', async () => {
    const c = await srv.connect();
    await c.sendFrames([
      { opcode: Op.TEXT, fin: false, payload: '' },
      { opcode: Op.CONTINUATION, fin: false, payload: '' },
      { opcode: Op.CONTINUATION, fin: true, payload: '' },
    ]);
    await c.expectText('');
    await c.closeCleanly();
    c.assertDone();
  });

  test('6.1.3 text message of empty, non-empty, empty fragments is echoed', async () => {
    const c = await srv.connect();
    await c.sendFrames([
      { opcode: Op.TEXT, fin: false, payload: '' },
      { opcode: Op.CONTINUATION, fin: false, payload: 'middle frame payload' },
      { opcode: Op.CONTINUATION, fin: true, payload: '' },
    ]);
    await c.expectText('middle frame payload');
    await c.closeCleanly();
    c.assertDone();
  });
});

describe('6.2 valid UTF-8 split anywhere', () => {
  test('6.2.1 valid UTF-8 in one frame is echoed', async () => {
    const c = await srv.connect();
    await c.sendText(HELLO);
    await c.expectText(HELLO);
    await c.closeCleanly();
    c.assertDone();
  });

  test('6.2.2 valid UTF-8 in 2 fragments split on a code point boundary is echoed', async () => {
    const c = await srv.connect();
    const cut = Buffer.byteLength('Hello-µ@ßöä');
    await c.sendFrames([
      { opcode: Op.TEXT, fin: false, payload: HELLO.subarray(0, cut) },
      { opcode: Op.CONTINUATION, fin: true, payload: HELLO.subarray(cut) },
    ]);
    await c.expectText(HELLO);
    await c.closeCleanly();
    c.assertDone();
  });

  test('6.2.3 valid UTF-8 in 1-byte fragments is echoed', async () => {
    const c = await srv.connect();
    await c.sendFrames(fragmentMessage(Op.TEXT, HELLO, 1));
    await c.expectText(HELLO);
    await c.closeCleanly();
    c.assertDone();
  });

  test('6.2.4 κόσμε in 1-byte fragments (ending inside code points) is echoed', async () => {
    const c = await srv.connect();
    await c.sendFrames(fragmentMessage(Op.TEXT, KOSME, 1));
    await c.expectText(KOSME);
    await c.closeCleanly();
    c.assertDone();
  });

  const positions = Array.from({ length: MIXED.length - 1 }, (_, i) => i + 1);

  test.each(positions)('6.2.ext.frag@%i valid UTF-8 split into 2 fragments at byte %i is echoed', async (at) => {
    const c = await srv.connect();
    await c.sendFrames([
      { opcode: Op.TEXT, fin: false, payload: MIXED.subarray(0, at) },
      { opcode: Op.CONTINUATION, fin: true, payload: MIXED.subarray(at) },
    ]);
    await c.expectText(MIXED);
    await c.closeCleanly();
    c.assertDone();
  });

  test.each(positions)('6.2.ext.chop@%i one frame, TCP-chopped inside the payload at byte %i, is echoed', async (at) => {
    const c = await srv.connect();
    const frame = encodeFrame({ opcode: Op.TEXT, payload: MIXED });
    const cut = headerLength(MIXED.length) + at;
    await c.write(frame.subarray(0, cut));
    await c.expectSilence(CHOP_PAUSE_MS, 'the first chop is a valid prefix');
    await c.write(frame.subarray(cut));
    await c.expectText(MIXED);
    await c.closeCleanly();
    c.assertDone();
  });
});

describe('6.3 invalid UTF-8', () => {
  test('6.3.1 invalid UTF-8 in one frame fails with 1007', async () => {
    const c = await srv.connect();
    await c.sendText(INVALID);
    await c.expectTcpDropOrClose(1007);
    c.assertDone();
  });

  test('6.3.2 invalid UTF-8 in 1-byte fragments fails with 1007', async () => {
    const c = await srv.connect();
    await c.sendFrames(fragmentMessage(Op.TEXT, INVALID, 1));
    await c.expectTcpDropOrClose(1007);
    c.assertDone();
  });
});

describe('6.4 fail fast on invalid UTF-8', () => {
  // 6.4.1 / 6.4.2: three frames; the 1007 must come after frame 2, before frame 3 is sent.
  test.each([
    ['6.4.1', 'f4908080', 11],
    ['6.4.2', 'f4 | 90', 12],
  ])('%s invalid code point (%s) in fragment 2 of 3: 1007 before fragment 3 is sent', async (_id, _what, cut1) => {
    const cut2 = cut1 === 11 ? 15 : 13;
    const c = await srv.connect();
    await c.sendFrame({ opcode: Op.TEXT, fin: false, payload: INVALID.subarray(0, cut1) });
    // A ping as a barrier: its pong proves fragment 1 (a valid prefix) was accepted.
    await c.ping('barrier');
    await c.expectPong('barrier');
    await c.sendFrame({ opcode: Op.CONTINUATION, fin: false, payload: INVALID.subarray(cut1, cut2) });
    await c.expectTcpDropOrClose(1007, FAIL_FAST_MS);
    c.assertDone();
    // Fragment 3 (INVALID.subarray(cut2), fin=true) is never sent.
  });

  // 6.4.3 / 6.4.4: one frame in three TCP chops; the 1007 must come after chop 2, before chop 3.
  test.each([
    ['6.4.3', 'f4908080', 11, 15],
    ['6.4.4', 'f4 | 90', 12, 13],
  ])('%s invalid code point (%s) in TCP chop 2 of 3 of one frame: 1007 before chop 3 is sent', async (_id, _what, cut1, cut2) => {
    const c = await srv.connect();
    const frame = encodeFrame({ opcode: Op.TEXT, payload: INVALID });
    const h = headerLength(INVALID.length);
    await c.write(frame.subarray(0, h + cut1));
    await c.expectSilence(CHOP_PAUSE_MS, 'chop 1 is a valid prefix');
    await c.write(frame.subarray(h + cut1, h + cut2));
    await c.expectTcpDropOrClose(1007, FAIL_FAST_MS);
    c.assertDone();
  });

  // Beyond Autobahn: the message (or frame) is never completed, so only a streaming validator can react.
  test.each([
    ['6.4.ext.1', 'a surrogate (ed a0 80)', Buffer.from([0x61, 0x62, 0xed, 0xa0, 0x80])],
    ['6.4.ext.2', 'a lone continuation byte (80)', Buffer.from([0x61, 0x80])],
    ['6.4.ext.3', 'an overlong "/" (c0 af)', Buffer.from([0x61, 0xc0, 0xaf])],
    ['6.4.ext.4', 'an impossible byte (ff)', Buffer.from([0xff])],
  ])('%s %s in a non-final fragment: 1007 without waiting for the final fragment', async (_id, _what, bytes) => {
    const c = await srv.connect();
    await c.sendFrame({ opcode: Op.TEXT, fin: false, payload: bytes });
    await c.expectTcpDropOrClose(1007, FAIL_FAST_MS);
    c.assertDone();
  });

  test('6.4.ext.5 invalid bytes at the start of a frame whose payload is still incomplete: 1007 at once', async () => {
    const c = await srv.connect();
    const payload = Buffer.concat([Buffer.from([0x61, 0xed, 0xbf, 0xbf]), Buffer.alloc(96, 0x61)]);
    const frame = encodeFrame({ opcode: Op.TEXT, payload });
    await c.write(frame.subarray(0, headerLength(payload.length) + 8));
    await c.expectTcpDropOrClose(1007, FAIL_FAST_MS);
    c.assertDone();
  });
});

describe.each(utf8TestGroups().map((g) => [g.id, g.title, g] as const))('%s %s', (groupId, _title, group) => {
  test.each(group.cases.map((tc, i) => [`${groupId}.${i + 1}`, tc.valid ? 'valid' : 'invalid', tc.bytes.toString('hex'), tc] as const))(
    '%s %s: %s',
    async (_id, _validity, _hex, tc) => {
      const c = await srv.connect();
      await c.sendText(tc.bytes);
      if (tc.valid) {
        await c.expectText(tc.bytes);
        await c.closeCleanly();
      } else {
        await c.expectTcpDropOrClose(1007);
      }
      c.assertDone();
    },
  );
});

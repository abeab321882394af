/**
 * Autobahn category 6 against the client: UTF-8 in text messages from the server. 6.1 empty
 * fragments, 6.2 valid UTF-8 split anywhere, 6.3 invalid UTF-8 (1007), 6.4 fail fast: the
 * client's 1007 must arrive before the server sends the rest, 6.5-6.23 the Markus Kuhn
 * sequences (shared with the server suite).
 */
import { encodeFrame, fragmentMessage, headerLength, Op } from '../frame-encoder';
import { KOSME, utf8TestGroups } from '../utf8-sequences';
import { useClientHarness } from './raw-server';

const h = useClientHarness();

/** How long the client gets to fail after the invalid bytes (Autobahn waits 1 s). */
const FAIL_FAST_MS = 1000;
const CHOP_PAUSE_MS = 20;

const HELLO = Buffer.from('Hello-µ@ßöäüàá-UTF-8!!', 'utf8');
const MIXED = Buffer.from('Aµ€𤭢κz', 'utf8');
/** κόσμε, then U+110000 in 4 bytes (invalid), then "edited". */
const INVALID = Buffer.concat([KOSME, Buffer.from([0xf4, 0x90, 0x80, 0x80]), Buffer.from('edited')]);

describe('client 6.1 empty fragments', () => {
  test.each([
    ['client 6.1.1', 'an empty text message', [{ opcode: Op.TEXT, payload: '' }], ''],
    [
      'client 6.1.2',
      '3 empty fragments',
      [
        { opcode: Op.TEXT, fin: false, payload: '' },
        { opcode: Op.CONTINUATION, fin: false, payload: '' },
        { opcode: Op.CONTINUATION, fin: true, payload: '' },
      ],
      '',
    ],
    [
      'client 6.1.3',
      'empty, non-empty, empty fragments',
      [
        { opcode: Op.TEXT, fin: false, payload: '' },
        { opcode: Op.CONTINUATION, fin: false, payload: 'middle frame payload' },
        { opcode: Op.CONTINUATION, fin: true, payload: '' },
      ],
      'middle frame payload',
    ],
  ])('%s %s is echoed', async (_id, _what, frames, expected) => {
    const { peer, client } = await h.connect();
    await peer.sendFrames(frames);
    await peer.expectText(expected);
    await peer.closeCleanly();
    await client.expectClosed({ code: 1000, wasClean: true });
    peer.assertDone();
  });
});

describe('client 6.2 valid UTF-8 split anywhere', () => {
  const cut = Buffer.byteLength('Hello-µ@ßöä');
  test.each([
    ['client 6.2.1', 'in one frame', [{ opcode: Op.TEXT, payload: HELLO }], HELLO],
    [
      'client 6.2.2',
      'in 2 fragments split on a code point boundary',
      [
        { opcode: Op.TEXT, fin: false, payload: HELLO.subarray(0, cut) },
        { opcode: Op.CONTINUATION, fin: true, payload: HELLO.subarray(cut) },
      ],
      HELLO,
    ],
    ['client 6.2.3', 'in 1-byte fragments', fragmentMessage(Op.TEXT, HELLO, 1), HELLO],
    ['client 6.2.4', 'κόσμε in 1-byte fragments', fragmentMessage(Op.TEXT, KOSME, 1), KOSME],
  ])('%s valid UTF-8 %s is echoed', async (_id, _what, frames, expected) => {
    const { peer, client } = await h.connect();
    await peer.sendFrames(frames);
    await peer.expectText(expected);
    await peer.closeCleanly();
    await client.expectClosed({ code: 1000, wasClean: true });
    peer.assertDone();
  });

  const positions = Array.from({ length: MIXED.length - 1 }, (_, i) => i + 1);

  test.each(positions)('client 6.2.ext.frag@%i valid UTF-8 in 2 fragments split at byte %i is echoed', async (at) => {
    const { peer, client } = await h.connect();
    await peer.sendFrames([
      { opcode: Op.TEXT, fin: false, payload: MIXED.subarray(0, at) },
      { opcode: Op.CONTINUATION, fin: true, payload: MIXED.subarray(at) },
    ]);
    await peer.expectText(MIXED);
    await peer.closeCleanly();
    await client.expectClosed({ code: 1000, wasClean: true });
    peer.assertDone();
  });

  test.each(positions)('client 6.2.ext.chop@%i one frame, TCP-chopped at payload byte %i, is echoed', async (at) => {
    const { peer, client } = await h.connect();
    const frame = encodeFrame({ opcode: Op.TEXT, payload: MIXED, mask: false });
    const split = headerLength(MIXED.length, false) + at;
    await peer.write(frame.subarray(0, split));
    await peer.expectSilence(CHOP_PAUSE_MS, 'the first chop is a valid prefix');
    await peer.write(frame.subarray(split));
    await peer.expectText(MIXED);
    await peer.closeCleanly();
    await client.expectClosed({ code: 1000, wasClean: true });
    peer.assertDone();
  });
});

describe('client 6.3 invalid UTF-8', () => {
  test.each([
    ['client 6.3.1', 'in one frame', [{ opcode: Op.TEXT, payload: INVALID }]],
    ['client 6.3.2', 'in 1-byte fragments', fragmentMessage(Op.TEXT, INVALID, 1)],
  ])('%s invalid UTF-8 %s fails with 1007', async (_id, _what, frames) => {
    const { peer, client } = await h.connect();
    await peer.sendFrames(frames);
    await peer.expectFailure(1007);
    await client.expectClosed({ code: 1007, wasClean: false, errors: ['WS_ERR_INVALID_UTF8'] });
    peer.assertDone();
  });
});

describe('client 6.4 fail fast on invalid UTF-8', () => {
  test.each([
    ['client 6.4.1', 'f4908080', 11, 15],
    ['client 6.4.2', 'f4 | 90', 12, 13],
  ])('%s invalid code point (%s) in fragment 2 of 3: 1007 before fragment 3 is sent', async (_id, _what, cut1, cut2) => {
    const { peer, client } = await h.connect();
    await peer.sendFrame({ opcode: Op.TEXT, fin: false, payload: INVALID.subarray(0, cut1) });
    // A ping as a barrier: its pong proves fragment 1 (a valid prefix) was accepted.
    await peer.ping('barrier');
    await peer.expectPong('barrier');
    await peer.sendFrame({ opcode: Op.CONTINUATION, fin: false, payload: INVALID.subarray(cut1, cut2) });
    await peer.expectFailure(1007, FAIL_FAST_MS);
    await client.expectClosed({ code: 1007, wasClean: false, errors: ['WS_ERR_INVALID_UTF8'] });
    peer.assertDone();
  });

  test.each([
    ['client 6.4.3', 'f4908080', 11, 15],
    ['client 6.4.4', 'f4 | 90', 12, 13],
  ])('%s invalid code point (%s) in TCP chop 2 of 3 of one frame: 1007 before chop 3', async (_id, _what, cut1, cut2) => {
    const { peer, client } = await h.connect();
    const frame = encodeFrame({ opcode: Op.TEXT, payload: INVALID, mask: false });
    const head = headerLength(INVALID.length, false);
    await peer.write(frame.subarray(0, head + cut1));
    await peer.expectSilence(CHOP_PAUSE_MS, 'chop 1 is a valid prefix');
    await peer.write(frame.subarray(head + cut1, head + cut2));
    await peer.expectFailure(1007, FAIL_FAST_MS);
    await client.expectClosed({ code: 1007, wasClean: false, errors: ['WS_ERR_INVALID_UTF8'] });
    peer.assertDone();
  });
});

describe.each(utf8TestGroups().map((g) => [g.id, g.title, g] as const))('client %s %s', (groupId, _title, group) => {
  test.each(group.cases.map((tc, i) => [`client ${groupId}.${i + 1}`, tc.valid ? 'valid' : 'invalid', tc.bytes.toString('hex'), tc] as const))(
    '%s %s: %s',
    async (_id, _validity, _hex, tc) => {
      const { peer, client } = await h.connect();
      await peer.sendText(tc.bytes);
      if (tc.valid) {
        await peer.expectText(tc.bytes);
        await peer.closeCleanly();
        await client.expectClosed({ code: 1000, wasClean: true });
      } else {
        await peer.expectFailure(1007);
        await client.expectClosed({ code: 1007, wasClean: false, errors: ['WS_ERR_INVALID_UTF8'] });
      }
      peer.assertDone();
    },
  );
});

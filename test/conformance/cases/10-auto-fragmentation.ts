/**
 * Autobahn category 10: a 64 KiB text message sent auto-fragmented in 1300-byte frames (RFC 6455
 * §5.4) is echoed as one message, then a clean close.
 */
import { fragmentMessage, Op } from '../frame-encoder';
import type { CaseGroup } from '../shared/autobahn-case';

export const AUTO_FRAGMENTATION_CASES: readonly CaseGroup[] = [
  {
    title: '10 auto-fragmentation',
    entries: [
      {
        id: '10.1.1',
        title: '64 KiB text message in 1300-byte fragments is echoed',
        async run(t) {
          // Exactly 65536 bytes, with multi-byte characters so that many fragment boundaries fall inside code points.
          const unit = Buffer.from('κόσμε-𤭢-', 'utf8');
          const repeats = Math.floor(65536 / unit.length);
          const text = Buffer.concat([Buffer.concat(Array(repeats).fill(unit)), Buffer.alloc(65536 - repeats * unit.length, 0x2a)]);
          expect(text.length).toBe(65536);
          const frames = fragmentMessage(Op.TEXT, text, 1300);
          expect(frames.length).toBe(51);
          await t.wire.sendFrames(frames);
          await t.wire.expectText(text);
          await t.closeCleanly();
        },
      },
    ],
  },
];

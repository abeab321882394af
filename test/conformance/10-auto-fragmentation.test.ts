/**
 * Autobahn category 10: a 64 KiB text message sent auto-fragmented in 1300-byte frames is
 * echoed as one message, then a clean close.
 */
import { useEchoServer } from './harness';
import { fragmentMessage, Op } from './frame-encoder';

const srv = useEchoServer();

test('10.1.1 64 KiB text message in 1300-byte fragments is echoed', async () => {
  const c = await srv.connect();
  // Exactly 65536 bytes, with multi-byte characters so that many fragment boundaries fall inside code points.
  const unit = Buffer.from('κόσμε-𤭢-', 'utf8');
  const repeats = Math.floor(65536 / unit.length);
  const text = Buffer.concat([Buffer.concat(Array(repeats).fill(unit)), Buffer.alloc(65536 - repeats * unit.length, 0x2a)]);
  expect(text.length).toBe(65536);
  const frames = fragmentMessage(Op.TEXT, text, 1300);
  expect(frames.length).toBeGreaterThan(50);
  await c.sendFrames(frames);
  await c.expectText(text);
  await c.closeCleanly();
  c.assertDone();
});

/**
 * Autobahn category 10 against the client: a 64 KiB text message the server sends in 1300-byte
 * fragments (many boundaries inside code points) is echoed as one message.
 */
import { fragmentMessage, Op } from '../frame-encoder';
import { useClientHarness } from './raw-server';

const h = useClientHarness();

test('client 10.1.1 a 64 KiB text message in 1300-byte fragments is echoed', async () => {
  const { peer, client } = await h.connect();
  const unit = Buffer.from('κόσμε-𤭢-', 'utf8');
  const repeats = Math.floor(65536 / unit.length);
  const text = Buffer.concat([Buffer.concat(Array(repeats).fill(unit)), Buffer.alloc(65536 - repeats * unit.length, 0x2a)]);
  expect(text.length).toBe(65536);
  const frames = fragmentMessage(Op.TEXT, text, 1300);
  expect(frames.length).toBe(51);
  await peer.sendFrames(frames);
  await peer.expectText(text);
  await peer.closeCleanly();
  await client.expectClosed({ code: 1000, wasClean: true });
  peer.assertDone();
});

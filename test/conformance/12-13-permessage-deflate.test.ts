/**
 * Autobahn categories 12 and 13 against the server: permessage-deflate (RFC 7692).
 *
 * 12.1-12.5: compressed messages of 16 B to 128 KiB from five corpora (JSON and HTML as text;
 * a bitmap, Faust and a PDF as binary), the compressed payload auto-fragmented at 0 (none),
 * 256, 1024, 4096 and 32768 bytes: Autobahn's 18 (size, fragment) pairs per corpus.
 * 13.1-13.7: the JSON corpus over the same 18 pairs under each offer Autobahn makes:
 * (server_no_context_takeover, server_max_window_bits) = (F,0) (T,0) (F,9) (F,15) (T,9)
 * (T,15), and a list of three offers.
 *
 * The raw client compresses each message itself (raw deflate with a sync flush, trailer
 * stripped, with the window and context mode agreed), sends bursts of them, and inflates every
 * echo, which must carry RSV1 (the server compresses everything: threshold 0) and equal what
 * was sent byte for byte. Below 15 bits the inflater holds the server to the agreed window.
 * Autobahn sends 1000 messages per case; here a case sends up to 100, at most 512 KiB in all.
 */
import { permessageDeflate } from '../../src/index.js';
import { CATEGORY_12, CATEGORY_13_TERMS, JSON_CORPUS, testEachPair, type Corpus } from './cases/12-13-permessage-deflate';
import { useEchoServer } from './harness';
import { Op } from './frame-encoder';
import { clientCodec, compressedFrames, expectInflatedMessage, parseDeflateResponse } from './deflate-peer';
import { sliceOf } from './deflate-corpora';

const srv = useEchoServer({ extensions: [permessageDeflate({ threshold: 0 })] });

const MAX_MESSAGES = 100;
const MAX_BYTES = 512 * 1024;
const BURST = 10;

function messageCount(size: number): number {
  return Math.max(4, Math.min(MAX_MESSAGES, Math.floor(MAX_BYTES / size)));
}

async function runCase(offer: string, expectedResponse: string, corpus: Corpus, size: number, fragment: number): Promise<void> {
  const c = await srv.connect({ extensions: offer });
  expect(c.handshake.headers['sec-websocket-extensions']).toBe(expectedResponse);
  const { deflater, inflater } = clientCodec(parseDeflateResponse(expectedResponse)!);
  const text = corpus.kind === 'text';
  const opcode = text ? Op.TEXT : Op.BINARY;
  const data = corpus.data();
  const messages = Array.from({ length: messageCount(size) }, (_, i) => sliceOf(data, size, i, text));
  try {
    for (let at = 0; at < messages.length; at += BURST) {
      const burst = messages.slice(at, at + BURST);
      const frames = [];
      for (const message of burst) frames.push(...compressedFrames(opcode, await deflater.compress(message), fragment));
      await c.sendFrames(frames);
      for (const message of burst) await expectInflatedMessage(c, inflater, corpus.kind, message, { compressed: true, timeoutMs: 10000 });
    }
    await c.closeCleanly();
    c.assertDone();
  } finally {
    deflater.close();
    inflater.close();
  }
}

/** The offer of ws and of browsers: client context takeover kept, any client window. */
const DEFAULT_OFFER = 'permessage-deflate; client_max_window_bits';

describe('12 permessage-deflate: messages of many sizes, auto-fragmented', () => {
  for (const [group, what, corpus] of CATEGORY_12) {
    describe(`${group} ${what}`, () => {
      testEachPair('', group, (size, fragment) => runCase(DEFAULT_OFFER, 'permessage-deflate', corpus, size, fragment));
    });
  }
});

/**
 * Offers as Autobahn's PerMessageDeflateOffer(acceptNoContextTakeover, acceptMaxWindowBits,
 * requestNoContextTakeover, requestMaxWindowBits) writes them, and the answer each must get.
 */
function autobahnOffer(noContextTakeover: boolean, maxWindowBits: number): string {
  let offer = 'permessage-deflate; client_no_context_takeover; client_max_window_bits';
  if (noContextTakeover) offer += '; server_no_context_takeover';
  if (maxWindowBits !== 0) offer += `; server_max_window_bits=${maxWindowBits}`;
  return offer;
}

function expectedAnswer(noContextTakeover: boolean, maxWindowBits: number): string {
  let response = 'permessage-deflate';
  if (noContextTakeover) response += '; server_no_context_takeover';
  response += '; client_no_context_takeover';
  if (maxWindowBits !== 0) response += `; server_max_window_bits=${maxWindowBits}`;
  return response;
}

const category13: Array<[group: string, offer: string, response: string]> = [
  ...CATEGORY_13_TERMS.map(([ctx, bits], i): [string, string, string] => [`13.${i + 1}`, autobahnOffer(ctx, bits), expectedAnswer(ctx, bits)]),
  ['13.7', [autobahnOffer(true, 9), autobahnOffer(true, 0), autobahnOffer(false, 0)].join(', '), expectedAnswer(true, 9)],
];

describe('13 permessage-deflate: the JSON corpus under each offer', () => {
  for (const [group, offer, response] of category13) {
    describe(`${group} offer "${offer}" → "${response}"`, () => {
      testEachPair('', group, (size, fragment) => runCase(offer, response, JSON_CORPUS, size, fragment));
    });
  }
});

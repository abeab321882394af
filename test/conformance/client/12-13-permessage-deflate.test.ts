/**
 * Autobahn categories 12 and 13 against the client: permessage-deflate (RFC 7692).
 *
 * The client under test offers `permessage-deflate; client_max_window_bits` and compresses
 * everything it sends (threshold 0). The raw server answers the offer by hand with each case's
 * parameters, sends compressed messages (RSV1 on the first frame, unmasked, trailer stripped,
 * the compressed payload auto-fragmented as Autobahn does), and inflates every echo with the
 * window and context mode the client agreed to: each echo must be masked, carry RSV1 on its
 * first frame only, and inflate to the bytes that were sent. Below 15 bits the inflater holds
 * the client to the agreed window.
 *
 * 12.1-12.5: the five corpora (JSON and HTML as text; a bitmap, Faust and a PDF as binary) over
 * Autobahn's 18 (size, fragment) pairs, answered with plain `permessage-deflate`.
 * 13.1-13.6: the JSON corpus over the same pairs, answered as Autobahn's fuzzing server does
 * for a client: (client_no_context_takeover, client_max_window_bits) = (F,0) (T,0) (F,9) (F,15)
 * (T,9) (T,15). 13.7 and 13.8 (not in Autobahn, whose 13.7 is a server-side list of offers):
 * the server's own terms, `server_no_context_takeover; server_max_window_bits=9`, alone and with
 * the client's (T,9).
 *
 * Autobahn sends 1000 messages per case; here a case sends 2 to 4, in one write.
 */
import { permessageDeflate } from '../../../src/index.js';
import { CATEGORY_12, CATEGORY_13_TERMS, JSON_CORPUS, testEachPair, type Corpus } from '../cases/12-13-permessage-deflate';
import { Op } from '../frame-encoder';
import { compressedFrames, expectInflatedMessage, MessageDeflater, MessageInflater, parseDeflateResponse, RSV1 } from '../deflate-peer';
import { sliceOf } from '../deflate-corpora';
import { useClientHarness } from './client-harness';

const h = useClientHarness();

function messageCount(size: number): number {
  return size <= 4096 ? 4 : size <= 32768 ? 3 : 2;
}

const ECHO_TIMEOUT_MS = 5000;

/** What the client offers (hatchway's default offer). */
const CLIENT_OFFER = 'permessage-deflate; client_max_window_bits';

async function runCase(response: string, corpus: Corpus, size: number, fragment: number): Promise<void> {
  const { peer, client } = await h.connect({
    clientOptions: { extensions: [permessageDeflate({ threshold: 0 })] },
    responseHeaders: [`Sec-WebSocket-Extensions: ${response}`],
    allowedRsv: RSV1,
  });
  expect(peer.request.headers['sec-websocket-extensions']).toBe(CLIENT_OFFER);
  const agreement = parseDeflateResponse(response)!;
  // The server's side: it deflates on its own terms and inflates on the client's.
  const deflater = new MessageDeflater(agreement.serverMaxWindowBits, agreement.serverNoContextTakeover);
  const inflater = new MessageInflater(agreement.clientMaxWindowBits, agreement.clientNoContextTakeover);
  const text = corpus.kind === 'text';
  const data = corpus.data();
  const messages = Array.from({ length: messageCount(size) }, (_, i) => sliceOf(data, size, i, text));
  try {
    const frames = [];
    for (const message of messages) frames.push(...compressedFrames(text ? Op.TEXT : Op.BINARY, await deflater.compress(message), fragment));
    await peer.sendFrames(frames);
    // RSV1 on the first frame (threshold 0); the raw server checks RSV1 appears nowhere else.
    for (const message of messages) await expectInflatedMessage(peer, inflater, corpus.kind, message, { compressed: true, timeoutMs: ECHO_TIMEOUT_MS });
    await peer.closeCleanly();
    await client.expectClosed({ code: 1000, wasClean: true });
    peer.assertDone();
  } finally {
    deflater.close();
    inflater.close();
  }
}

describe('client 12 permessage-deflate: messages of many sizes, auto-fragmented', () => {
  for (const [group, what, corpus] of CATEGORY_12) {
    describe(`client ${group} ${what}`, () => {
      testEachPair('client ', group, (size, fragment) => runCase('permessage-deflate', corpus, size, fragment));
    });
  }
});

/** The answer Autobahn's fuzzing server gives for (client_no_context_takeover, client_max_window_bits). */
function clientTerms(noContextTakeover: boolean, maxWindowBits: number): string {
  let response = 'permessage-deflate';
  if (noContextTakeover) response += '; client_no_context_takeover';
  if (maxWindowBits !== 0) response += `; client_max_window_bits=${maxWindowBits}`;
  return response;
}

const category13: Array<[group: string, response: string]> = [
  ...CATEGORY_13_TERMS.map(([ctx, bits], i): [string, string] => [`13.${i + 1}`, clientTerms(ctx, bits)]),
  ['13.7', 'permessage-deflate; server_no_context_takeover; server_max_window_bits=9'],
  ['13.8', 'permessage-deflate; server_no_context_takeover; server_max_window_bits=9; client_no_context_takeover; client_max_window_bits=9'],
];

describe('client 13 permessage-deflate: the JSON corpus under each answer', () => {
  for (const [group, response] of category13) {
    describe(`client ${group} answer "${response}"`, () => {
      testEachPair('client ', group, (size, fragment) => runCase(response, JSON_CORPUS, size, fragment));
    });
  }
});

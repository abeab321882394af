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
import { Op } from '../frame-encoder';
import { compressedFrames, MessageDeflater, MessageInflater, parseDeflateResponse, RSV1 } from '../deflate-peer';
import { bitmapCorpus, faustCorpus, htmlCorpus, jsonCorpus, pdfCorpus, sliceOf } from '../deflate-corpora';
import { useClientHarness, type MessageKind, type RawPeer } from './raw-server';

const h = useClientHarness();

/** Autobahn's (payload size, auto-fragment size) for x.y.1 to x.y.18. */
const PAIRS: ReadonlyArray<readonly [number, number]> = [
  [16, 0],
  [64, 0],
  [256, 0],
  [1024, 0],
  [4096, 0],
  [8192, 0],
  [16384, 0],
  [32768, 0],
  [65536, 0],
  [131072, 0],
  [8192, 256],
  [16384, 256],
  [32768, 256],
  [65536, 256],
  [131072, 256],
  [131072, 1024],
  [131072, 4096],
  [131072, 32768],
];

function messageCount(size: number): number {
  return size <= 4096 ? 4 : size <= 32768 ? 3 : 2;
}

const ECHO_TIMEOUT_MS = 5000;

/** What the client offers (hatchway's default offer). */
const CLIENT_OFFER = 'permessage-deflate; client_max_window_bits';

interface Corpus {
  kind: MessageKind;
  data: () => Buffer;
}

const lazy = <T>(make: () => T): (() => T) => {
  let value: T | undefined;
  return () => (value ??= make());
};
const corpora = {
  json: { kind: 'text', data: lazy(jsonCorpus) } as Corpus,
  bitmap: { kind: 'binary', data: lazy(bitmapCorpus) } as Corpus,
  faust: { kind: 'binary', data: lazy(faustCorpus) } as Corpus,
  html: { kind: 'text', data: lazy(htmlCorpus) } as Corpus,
  pdf: { kind: 'binary', data: lazy(pdfCorpus) } as Corpus,
};

function preview(data: Buffer): string {
  return `0x${data.subarray(0, 16).toString('hex')}${data.length > 16 ? '...' : ''} (${data.length} bytes)`;
}

/**
 * The next event is a `kind` message with RSV1 on its first frame (the raw server checks RSV1
 * appears nowhere else) that inflates to `expected`.
 */
async function expectCompressedEcho(peer: RawPeer, inflater: MessageInflater, kind: MessageKind, expected: Buffer): Promise<void> {
  const what = `the compressed echo: ${kind} message of ${expected.length} bytes`;
  const event = await peer.nextEvent(what, ECHO_TIMEOUT_MS);
  peer.assertNoViolations();
  if (event.type !== 'message' || event.kind !== kind) throw new Error(`expected ${what}, got ${event.type}\nevents:\n${peer.history()}`);
  if ((event.rsv & RSV1) === 0) throw new Error(`expected ${what} with RSV1 (threshold 0), got one without: ${preview(event.data)}`);
  let data: Buffer;
  try {
    data = await inflater.decompress(event.data);
  } catch (error) {
    throw new Error(`the echo of ${expected.length} bytes (${event.data.length} compressed, ${event.frames} frame(s)) does not inflate: ${(error as Error).message}`);
  }
  if (!data.equals(expected)) {
    let at = 0;
    while (at < Math.min(data.length, expected.length) && data[at] === expected[at]) at++;
    throw new Error(`expected ${what}, inflated ${preview(data)}; lengths ${data.length} vs ${expected.length}, first difference at byte ${at}`);
  }
  if (kind === 'text') expect(() => new TextDecoder('utf-8', { fatal: true }).decode(data)).not.toThrow();
}

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
    for (const message of messages) await expectCompressedEcho(peer, inflater, corpus.kind, message);
    await peer.closeCleanly();
    await client.expectClosed({ code: 1000, wasClean: true });
    peer.assertDone();
  } finally {
    deflater.close();
    inflater.close();
  }
}

const category12: Array<[string, string, Corpus]> = [
  ['12.1', 'JSON, text', corpora.json],
  ['12.2', 'bitmap image, binary', corpora.bitmap],
  ['12.3', 'Faust, sent as binary', corpora.faust],
  ['12.4', 'HTML, text', corpora.html],
  ['12.5', 'PDF, binary', corpora.pdf],
];

describe('client 12 permessage-deflate: messages of many sizes, auto-fragmented', () => {
  for (const [group, what, corpus] of category12) {
    describe(`client ${group} ${what}`, () => {
      test.each(PAIRS.map(([size, fragment], i) => [`client ${group}.${i + 1}`, size, fragment] as const))(
        '%s: %i-byte messages, fragmented at %i, are echoed compressed',
        async (_id, size, fragment) => {
          await runCase('permessage-deflate', corpus, size, fragment);
        },
      );
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

const category13: Array<[string, string]> = [
  ...(
    [
      [false, 0],
      [true, 0],
      [false, 9],
      [false, 15],
      [true, 9],
      [true, 15],
    ] as Array<[boolean, number]>
  ).map(([ctx, bits], i): [string, string] => [`13.${i + 1}`, clientTerms(ctx, bits)]),
  ['13.7', 'permessage-deflate; server_no_context_takeover; server_max_window_bits=9'],
  ['13.8', 'permessage-deflate; server_no_context_takeover; server_max_window_bits=9; client_no_context_takeover; client_max_window_bits=9'],
];

describe('client 13 permessage-deflate: the JSON corpus under each answer', () => {
  for (const [group, response] of category13) {
    describe(`client ${group} answer "${response}"`, () => {
      test.each(PAIRS.map(([size, fragment], i) => [`client ${group}.${i + 1}`, size, fragment] as const))(
        '%s: %i-byte messages, fragmented at %i, are echoed compressed',
        async (_id, size, fragment) => {
          await runCase(response, corpora.json, size, fragment);
        },
      );
    });
  }
});

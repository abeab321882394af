/**
 * What Autobahn categories 12 and 13 (permessage-deflate, RFC 7692) share between the roles:
 * the 18 (message size, auto-fragment size) pairs every group runs, the five corpora, and the
 * groups of category 12, and the terms of category 13, which each role turns into its own
 * groups (the offers a client makes, the answers a server gives).
 */
import { bitmapCorpus, faustCorpus, htmlCorpus, jsonCorpus, pdfCorpus } from '../deflate-corpora';
import type { MessageKind } from '../shared/wire-event';

/** Autobahn's (payload size, auto-fragment size) for x.y.1 to x.y.18; fragment size 0 = one frame. */
export const PAIRS: ReadonlyArray<readonly [size: number, fragment: number]> = [
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

export interface Corpus {
  readonly name: string;
  readonly kind: MessageKind;
  /** Made on first use: the corpora are 320 KiB each and not every file needs every one. */
  data(): Buffer;
}

function corpus(name: string, kind: MessageKind, make: () => Buffer): Corpus {
  let data: Buffer | undefined;
  return { name, kind, data: () => (data ??= make()) };
}

export const JSON_CORPUS = corpus('json', 'text', jsonCorpus);

/** Category 12: each corpus over all pairs, under the plain `permessage-deflate` agreement. */
export const CATEGORY_12: ReadonlyArray<readonly [group: string, title: string, corpus: Corpus]> = [
  ['12.1', 'JSON, text', JSON_CORPUS],
  ['12.2', 'bitmap image, binary', corpus('bitmap', 'binary', bitmapCorpus)],
  ['12.3', 'Faust, sent as binary', corpus('faust', 'binary', faustCorpus)],
  ['12.4', 'HTML, text', corpus('html', 'text', htmlCorpus)],
  ['12.5', 'PDF, binary', corpus('pdf', 'binary', pdfCorpus)],
];

/**
 * Category 13.1-13.6: Autobahn's (no_context_takeover, max_window_bits) terms, in its order;
 * 0 bits = not requested. The server suite offers them for the server's side, the client suite
 * answers with them for the client's side.
 */
export const CATEGORY_13_TERMS: ReadonlyArray<readonly [noContextTakeover: boolean, maxWindowBits: number]> = [
  [false, 0],
  [true, 0],
  [false, 9],
  [false, 15],
  [true, 9],
  [true, 15],
];

/** One test per pair for a group: `<prefix><group>.<n>: <size>-byte messages, fragmented at <fragment>, ...`. */
export function testEachPair(prefix: string, group: string, run: (size: number, fragment: number) => Promise<void>): void {
  test.each(PAIRS.map(([size, fragment], i) => [`${prefix}${group}.${i + 1}`, size, fragment] as const))(
    '%s: %i-byte messages, fragmented at %i, are echoed compressed',
    (_id, size, fragment) => run(size, fragment),
  );
}

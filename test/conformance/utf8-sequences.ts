/**
 * UTF-8 decoder test sequences for Autobahn cases 6.5-6.23, after Markus Kuhn's UTF-8-test.txt
 * (as grouped by the Autobahn testsuite). Each entry is [valid, bytes].
 */

export interface Utf8Group {
  /** Autobahn sub-category, e.g. '6.20'. */
  id: string;
  title: string;
  cases: Array<{ valid: boolean; bytes: Buffer }>;
}

const b = (...bytes: number[]): Buffer => Buffer.from(bytes);
const ascii = (s: string): Buffer => Buffer.from(s, 'latin1');
const cat = (...parts: Buffer[]): Buffer => Buffer.concat(parts);
const valid = (...sequences: Buffer[]): Array<[boolean, Buffer]> => sequences.map((bytes) => [true, bytes]);
const invalid = (...sequences: Buffer[]): Array<[boolean, Buffer]> => sequences.map((bytes) => [false, bytes]);

/** κόσμε: code points of 2, 3, 2, 2, 2 bytes. */
export const KOSME = b(0xce, 0xba, 0xe1, 0xbd, 0xb9, 0xcf, 0x83, 0xce, 0xbc, 0xce, 0xb5);

function range(from: number, toExclusive: number): number[] {
  return Array.from({ length: toExclusive - from }, (_, i) => from + i);
}

export function utf8TestGroups(): Utf8Group[] {
  const groups: Array<[string, Array<[boolean, Buffer]>]> = [];

  const hello = (middle: Buffer): Buffer => cat(ascii('hello'), middle, ascii('world'));
  groups.push([
    'Some valid UTF-8 sequences',
    valid(hello(b(0x24)), hello(b(0xc2, 0xa2)), hello(b(0xe2, 0x82, 0xac)), hello(b(0xf0, 0xa4, 0xad, 0xa2)), KOSME),
  ]);

  // A prefix is valid exactly when it ends on a code point boundary of κόσμε.
  const boundaries = new Set([2, 5, 7, 9, 11]);
  groups.push([
    'All prefixes of a valid UTF-8 string that contains multi-byte code points',
    range(1, KOSME.length + 1).map((i) => [boundaries.has(i), KOSME.subarray(0, i)] as [boolean, Buffer]),
  ]);

  groups.push([
    'First possible sequence of a certain length',
    valid(b(0x00), b(0xc2, 0x80), b(0xe0, 0xa0, 0x80), b(0xf0, 0x90, 0x80, 0x80)),
  ]);

  groups.push([
    'First possible sequence length 5/6 (invalid codepoints)',
    invalid(b(0xf8, 0x88, 0x80, 0x80, 0x80), b(0xfc, 0x84, 0x80, 0x80, 0x80, 0x80)),
  ]);

  groups.push([
    'Last possible sequence of a certain length',
    valid(b(0x7f), b(0xdf, 0xbf), b(0xef, 0xbf, 0xbf), b(0xf4, 0x8f, 0xbf, 0xbf)),
  ]);

  groups.push([
    'Last possible sequence length 4/5/6 (invalid codepoints)',
    invalid(b(0xf7, 0xbf, 0xbf, 0xbf), b(0xfb, 0xbf, 0xbf, 0xbf, 0xbf), b(0xfd, 0xbf, 0xbf, 0xbf, 0xbf, 0xbf)),
  ]);

  groups.push([
    'Other boundary conditions',
    [...valid(b(0xed, 0x9f, 0xbf), b(0xee, 0x80, 0x80), b(0xef, 0xbf, 0xbd), b(0xf4, 0x8f, 0xbf, 0xbf)), ...invalid(b(0xf4, 0x90, 0x80, 0x80))],
  ]);

  groups.push([
    'Unexpected continuation bytes',
    // One to six alternating continuation bytes, then all of 80..be.
    invalid(b(0x80), b(0xbf), b(0x80, 0xbf), b(0x80, 0xbf, 0x80), b(0x80, 0xbf, 0x80, 0xbf), b(0x80, 0xbf, 0x80, 0xbf, 0x80), b(0x80, 0xbf, 0x80, 0xbf, 0x80, 0xbf), b(...range(0x80, 0xbf))),
  ]);

  groups.push([
    'Lonely start characters',
    (
      [
        [0xc0, 0xdf],
        [0xe0, 0xef],
        [0xf0, 0xf7],
        [0xf8, 0xfb],
        [0xfc, 0xfd],
      ] as Array<[number, number]>
    ).map(([from, to]) => [false, b(...range(from, to).flatMap((x) => [x, 0x20]))] as [boolean, Buffer]),
  ]);

  const missingLast = [
    b(0xc0),
    b(0xe0, 0x80),
    b(0xf0, 0x80, 0x80),
    b(0xf8, 0x80, 0x80, 0x80),
    b(0xfc, 0x80, 0x80, 0x80, 0x80),
    b(0xdf),
    b(0xef, 0xbf),
    b(0xf7, 0xbf, 0xbf),
    b(0xfb, 0xbf, 0xbf, 0xbf),
    b(0xfd, 0xbf, 0xbf, 0xbf, 0xbf),
  ];
  groups.push(['Sequences with last continuation byte missing', invalid(...missingLast)]);
  groups.push(['Concatenation of incomplete sequences', invalid(cat(...missingLast))]);

  groups.push(['Impossible bytes', invalid(b(0xfe), b(0xff), b(0xfe, 0xfe, 0xff, 0xff))]);

  groups.push([
    'Examples of an overlong ASCII character',
    invalid(b(0xc0, 0xaf), b(0xe0, 0x80, 0xaf), b(0xf0, 0x80, 0x80, 0xaf), b(0xf8, 0x80, 0x80, 0x80, 0xaf), b(0xfc, 0x80, 0x80, 0x80, 0x80, 0xaf)),
  ]);

  groups.push([
    'Maximum overlong sequences',
    invalid(b(0xc1, 0xbf), b(0xe0, 0x9f, 0xbf), b(0xf0, 0x8f, 0xbf, 0xbf), b(0xf8, 0x87, 0xbf, 0xbf, 0xbf), b(0xfc, 0x83, 0xbf, 0xbf, 0xbf, 0xbf)),
  ]);

  groups.push([
    'Overlong representation of the NUL character',
    invalid(b(0xc0, 0x80), b(0xe0, 0x80, 0x80), b(0xf0, 0x80, 0x80, 0x80), b(0xf8, 0x80, 0x80, 0x80, 0x80), b(0xfc, 0x80, 0x80, 0x80, 0x80, 0x80)),
  ]);

  const singles = [
    b(0xed, 0xa0, 0x80),
    b(0xed, 0xad, 0xbf),
    b(0xed, 0xae, 0x80),
    b(0xed, 0xaf, 0xbf),
    b(0xed, 0xb0, 0x80),
    b(0xed, 0xbe, 0x80),
    b(0xed, 0xbf, 0xbf),
  ];
  groups.push(['Single UTF-16 surrogates', invalid(...singles)]);

  const highs = [b(0xed, 0xa0, 0x80), b(0xed, 0xad, 0xbf), b(0xed, 0xae, 0x80), b(0xed, 0xaf, 0xbf)];
  const lows = [b(0xed, 0xb0, 0x80), b(0xed, 0xbf, 0xbf)];
  groups.push(['Paired UTF-16 surrogates', invalid(...highs.flatMap((h) => lows.map((l) => cat(h, l))))]);

  const nonChars = valid(b(0xef, 0xbf, 0xbe), b(0xef, 0xbf, 0xbf));
  for (const z1 of [0xf0, 0xf1, 0xf2, 0xf3, 0xf4]) {
    for (const z2 of [0x8f, 0x9f, 0xaf, 0xbf]) {
      if (z1 === 0xf4 && z2 !== 0x8f) continue; // beyond U+10FFFF
      if (z1 === 0xf0 && z2 === 0x8f) continue; // overlong
      for (const z3 of [0xbe, 0xbf]) nonChars.push([true, b(z1, z2, 0xbf, z3)]);
    }
  }
  groups.push(['Non-character code points (valid UTF-8)', nonChars]);

  groups.push([
    'Unicode specials (i.e. replacement char)',
    valid(...[0xb9, 0xba, 0xbb, 0xbc, 0xbd, 0xbe, 0xbf].map((x) => b(0xef, 0xbf, x))),
  ]);

  return groups.map(([title, cases], i) => ({
    id: `6.${i + 5}`,
    title,
    cases: cases.map(([isValid, bytes]) => ({ valid: isValid, bytes })),
  }));
}

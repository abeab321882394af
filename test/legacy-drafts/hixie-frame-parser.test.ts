/**
 * The draft-75 / draft-76 codec (src/hixie-frame-parser): the framing of draft-76 §5.3 / §4.2,
 * its limits, and the same sink calls for any chunking of the same bytes (a property test). It
 * stays sans-I/O and self-contained, like the RFC 6455 codec.
 */
import { isUtf8 as nodeIsUtf8 } from 'node:buffer';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import fc from 'fast-check';
import {
  CLOSING_FRAME,
  HixieFailureCode,
  HixieParser,
  encodeTextFrame,
  isUtf8,
  type HixieFailure,
  type HixieParserOptions,
  type HixieSink,
} from '../../src/hixie-frame-parser/index';

type Event = { kind: 'message'; text: string } | { kind: 'close' } | { kind: 'failure'; code: string; closeCode: number };

class Recorder implements HixieSink {
  readonly events: Event[] = [];
  callsAfterEnd = 0;
  private ended = false;
  onMessage(text: Uint8Array): void {
    if (this.ended) this.callsAfterEnd++;
    this.events.push({ kind: 'message', text: Buffer.from(text).toString('hex') });
  }
  onClose(): void {
    if (this.ended) this.callsAfterEnd++;
    this.ended = true;
    this.events.push({ kind: 'close' });
  }
  onFailure(failure: HixieFailure): void {
    if (this.ended) this.callsAfterEnd++;
    this.ended = true;
    this.events.push({ kind: 'failure', code: failure.code, closeCode: failure.closeCode });
  }
}

function parse(chunks: Uint8Array[], options: Partial<HixieParserOptions> = {}): Recorder {
  const sink = new Recorder();
  const parser = new HixieParser(sink, { closingFrame: true, ...options });
  // The parser owns its input: each test hands it copies.
  for (const chunk of chunks) parser.push(Uint8Array.from(chunk));
  return sink;
}

const bytes = (...values: number[]): Uint8Array => Uint8Array.from(values);
const text = (s: string): Uint8Array => encodeTextFrame(new TextEncoder().encode(s));
const hexOf = (s: string): string => Buffer.from(s).toString('hex');
const join2 = (...parts: Uint8Array[]): Uint8Array => Uint8Array.from(Buffer.concat(parts));

describe('framing (draft-76 §5.3)', () => {
  test('a text frame is 0x00, UTF-8, 0xFF; several in one chunk are several messages', () => {
    expect(Buffer.from(text('hé')).toString('hex')).toBe('0068c3a9ff');
    const sink = parse([join2(text('one'), text(''), text('thrée'))]);
    expect(sink.events).toEqual([
      { kind: 'message', text: hexOf('one') },
      { kind: 'message', text: '' },
      { kind: 'message', text: hexOf('thrée') },
    ]);
  });

  test('a text frame of another type (0x01-0x7F) is read to its 0xFF and discarded', () => {
    const sink = parse([join2(bytes(0x01, 0x61, 0x62, 0xff), bytes(0x7f, 0xff), text('kept'))]);
    expect(sink.events).toEqual([{ kind: 'message', text: hexOf('kept') }]);
  });

  test('a length-prefixed frame is skipped: base-128 digits, most significant first', () => {
    // 0x81 0x00 is 128: the 128 payload bytes that follow, 0xFF ones among them, are skipped.
    const payload = new Uint8Array(128).fill(0xff);
    const sink = parse([join2(bytes(0x80, 0x81, 0x00), payload, bytes(0x80, 0x03, 1, 2, 3), text('after'))]);
    expect(sink.events).toEqual([{ kind: 'message', text: hexOf('after') }]);
  });

  test('draft-76: 0xFF 0x00 is the closing frame, and nothing after it is parsed', () => {
    const sink = parse([join2(text('a'), Uint8Array.from(CLOSING_FRAME), text('b'))]);
    expect(sink.events).toEqual([{ kind: 'message', text: hexOf('a') }, { kind: 'close' }]);
    expect(sink.callsAfterEnd).toBe(0);
  });

  test('draft-75: 0xFF 0x00 is an empty frame, discarded, and parsing goes on', () => {
    const sink = parse([join2(text('a'), Uint8Array.from(CLOSING_FRAME), text('b'))], { closingFrame: false });
    expect(sink.events).toEqual([
      { kind: 'message', text: hexOf('a') },
      { kind: 'message', text: hexOf('b') },
    ]);
  });

  test('the closing frame with a zero length written in two digits still closes', () => {
    expect(parse([bytes(0xff, 0x80, 0x00)]).events).toEqual([{ kind: 'close' }]);
  });

  test('stop() ends parsing at once, a message cut half way included', () => {
    const sink = new Recorder();
    const parser = new HixieParser(sink, { closingFrame: true });
    parser.push(bytes(0x00, 0x61));
    parser.stop();
    parser.push(bytes(0x62, 0xff));
    expect(parser.stopped).toBe(true);
    expect(sink.events).toEqual([]);
  });
});

describe('limits', () => {
  test('a text frame of exactly maxLength bytes is delivered', () => {
    expect(parse([text('x'.repeat(16))], { maxLength: 16 }).events).toEqual([{ kind: 'message', text: hexOf('x'.repeat(16)) }]);
  });

  test('a text frame cut into pieces is gathered in no buffer larger than maxLength', () => {
    const sizes: number[] = [];
    const allocate = (size: number): Uint8Array => {
      sizes.push(size);
      return new Uint8Array(size);
    };
    const payload = 'y'.repeat(1000);
    const frame = text(payload);
    const pieces = Array.from({ length: Math.ceil(frame.length / 100) }, (_, i) => frame.subarray(i * 100, (i + 1) * 100));
    expect(parse(pieces, { maxLength: 1000, allocate }).events).toEqual([{ kind: 'message', text: hexOf(payload) }]);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(1000);
  });

  test('a text frame past maxLength fails with 1009 before any terminator comes', () => {
    const sink = parse([bytes(0x00), new Uint8Array(10).fill(0x61), new Uint8Array(7).fill(0x61)], { maxLength: 16 });
    expect(sink.events).toEqual([{ kind: 'failure', code: HixieFailureCode.MESSAGE_TOO_BIG, closeCode: 1009 }]);
  });

  test('a discarded text frame is bounded as well', () => {
    const sink = parse([bytes(0x01), new Uint8Array(17).fill(0x61)], { maxLength: 16 });
    expect(sink.events).toEqual([{ kind: 'failure', code: HixieFailureCode.MESSAGE_TOO_BIG, closeCode: 1009 }]);
  });

  test('a length past maxLength fails as soon as its digits add up to more', () => {
    expect(parse([bytes(0x80, 0x80 | 1, 0x00)], { maxLength: 127 }).events).toEqual([{ kind: 'failure', code: 'WS_ERR_MESSAGE_TOO_BIG', closeCode: 1009 }]);
    expect(parse([bytes(0x80, 0x80 | 1, 0x00, ...new Uint8Array(128))], { maxLength: 128 }).events).toEqual([]);
  });

  test('an endless run of length digits fails once past maxLength, never growing a number past 2^53', () => {
    const digits = new Uint8Array(100_000).fill(0xff);
    const sink = parse([bytes(0x80), digits]);
    expect(sink.events).toEqual([{ kind: 'failure', code: 'WS_ERR_MESSAGE_TOO_BIG', closeCode: 1009 }]);
    expect(sink.callsAfterEnd).toBe(0);
  });

  test.each([
    ['a lone continuation byte', [0x80]],
    ['an overlong form', [0xc0, 0xaf]],
    ['a UTF-16 surrogate', [0xed, 0xa0, 0x80]],
    ['a sequence cut by the terminator', [0xe2, 0x82]],
    ['a code point past U+10FFFF', [0xf4, 0x90, 0x80, 0x80]],
  ])('invalid UTF-8 fails with 1007: %s', (_name, body) => {
    const sink = parse([join2(bytes(0x00, ...body, 0xff), text('after'))]);
    expect(sink.events).toEqual([{ kind: 'failure', code: HixieFailureCode.INVALID_UTF8, closeCode: 1007 }]);
  });

  test('the built-in UTF-8 check agrees with Node for any bytes', () => {
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 40 }), fc.string({ unit: 'binary' }).map((s) => new TextEncoder().encode(s))), (input) => {
        expect(isUtf8(input)).toBe(nodeIsUtf8(input));
      }),
      { numRuns: 2000 },
    );
  });
});

describe('any chunking gives the same calls (property)', () => {
  const frameArb: fc.Arbitrary<Uint8Array> = fc.oneof(
    { weight: 5, arbitrary: fc.string({ unit: 'binary', maxLength: 60 }).map((s) => text(s)) },
    { weight: 1, arbitrary: fc.integer({ min: 300, max: 3000 }).map((n) => text('é€😀a'.repeat(n))) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 20 }).map((b) => join2(bytes(0x05), Uint8Array.from(b.filter((x) => x !== 0xff)), bytes(0xff))) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 300 }).map((b) => join2(bytes(0x80), lengthDigits(b.length), b)) },
    { weight: 1, arbitrary: fc.uint8Array({ minLength: 1, maxLength: 4 }).map((b) => join2(bytes(0x00), b, bytes(0xff))) },
  );
  const streamArb = fc.record({
    frames: fc.array(frameArb, { maxLength: 12 }),
    close: fc.boolean(),
    trailing: fc.uint8Array({ maxLength: 8 }),
    closingFrame: fc.boolean(),
    maxLength: fc.constantFrom(undefined, 50, 1000),
  });

  test('whole, cut anywhere, or a byte at a time', () => {
    fc.assert(
      fc.property(streamArb, fc.array(fc.nat(), { maxLength: 20 }), ({ frames, close, trailing, closingFrame, maxLength }, cuts) => {
        const stream = join2(...frames, close ? Uint8Array.from(CLOSING_FRAME) : bytes(), trailing);
        const options = { closingFrame, maxLength };
        const whole = parse([stream], options).events;
        expect(parse(cutAt(stream, cuts), options).events).toEqual(whole);
        if (stream.length < 4000) expect(parse(Array.from(stream, (b) => bytes(b)), options).events).toEqual(whole);
      }),
      { numRuns: 500 },
    );
  });
});

function lengthDigits(length: number): Uint8Array {
  const digits = [length & 0x7f];
  for (let n = length >>> 7; n > 0; n >>>= 7) digits.unshift(0x80 | (n & 0x7f));
  return Uint8Array.from(digits);
}

function cutAt(stream: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => (stream.length === 0 ? 0 : c % stream.length)))].sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let last = 0;
  for (const point of [...points, stream.length]) {
    if (point > last) out.push(stream.subarray(last, point));
    last = Math.max(last, point);
  }
  return out;
}

describe('src/hixie-frame-parser stays a codec', () => {
  const ROOT = resolve(__dirname, '../..');
  const DIR = join(ROOT, 'src/hixie-frame-parser');
  const sources = readdirSync(DIR).filter((f) => f.endsWith('.ts'));

  test.each(sources)('%s imports only sibling modules', (file) => {
    const code = readFileSync(join(DIR, file), 'utf8');
    const specifiers = [...code.matchAll(/\b(?:from|import)\s*\(?\s*['"]([^'"]+)['"]/g), ...code.matchAll(/\brequire\s*\(\s*['"]([^'"]+)['"]/g)].map((m) => m[1]!);
    for (const specifier of specifiers) {
      expect({ file, specifier, sibling: /^\.\/[^/]+\.js$/.test(specifier) && sources.includes(specifier.slice(2).replace(/\.js$/, '.ts')) }).toEqual({ file, specifier, sibling: true });
    }
  });

  test('the scanner sees the parser\'s imports (so the test above can fail)', () => {
    const code = readFileSync(join(DIR, 'hixie-parser.ts'), 'utf8');
    expect([...code.matchAll(/\bfrom\s*['"]([^'"]+)['"]/g)].map((m) => m[1])).toEqual(['./failure.js', './utf8.js']);
  });

  test('compiles alone, without Node typings', () => {
    const config = JSON.parse(readFileSync(join(DIR, 'tsconfig.json'), 'utf8')) as { compilerOptions: { types?: string[] } };
    expect(config.compilerOptions.types).toEqual([]);
    let result = { status: 0, output: '' };
    try {
      execFileSync(join(ROOT, 'node_modules/.bin/tsc'), ['-p', join(DIR, 'tsconfig.json'), '--noEmit'], { cwd: ROOT, encoding: 'utf8', stdio: 'pipe' });
    } catch (error) {
      const e = error as { status?: number; stdout?: string; stderr?: string };
      result = { status: e.status ?? -1, output: `${e.stdout ?? ''}${e.stderr ?? ''}` };
    }
    expect(result).toEqual({ status: 0, output: '' });
  }, 60000);
});

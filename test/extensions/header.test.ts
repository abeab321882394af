/**
 * `Sec-WebSocket-Extensions` by the grammar of RFC 6455 §9.1: the parser on its own, then the
 * server's answer to real handshakes on a loopback socket (a malformed header is a 400 when
 * the server has extensions to negotiate, and is ignored when it has none).
 */
import { performance } from 'node:perf_hooks';
import { permessageDeflate } from '../../src/index.js';
import { ExtensionHeaderError, parseExtensions, serializeExtension } from '../../src/extensions/extension-header.js';
import { useEchoServer } from '../conformance/harness';
import { answer } from './offer';

describe('parseExtensions', () => {
  test('an empty or absent header is no offer', () => {
    expect(parseExtensions(undefined)).toEqual([]);
    expect(parseExtensions('')).toEqual([]);
    expect(parseExtensions(' \t ')).toEqual([]);
  });

  test('a bare token is an extension without parameters', () => {
    expect(parseExtensions('permessage-deflate')).toEqual([{ name: 'permessage-deflate', params: {} }]);
    // Every tchar of RFC 9110 §5.6.2 may appear in a token.
    expect(parseExtensions("x!#$%&'*+-.^_`|~09AZaz")).toEqual([{ name: "x!#$%&'*+-.^_`|~09AZaz", params: {} }]);
  });

  test('a parameter without a value is true; values are tokens; numeric tokens become numbers', () => {
    expect(parseExtensions('e; flag; int=15; zero=0; neg=-3; dec=1.25; word=abc; lead=08; dot=1.; mixed=9a')).toEqual([
      { name: 'e', params: { flag: true, int: 15, zero: 0, neg: -3, dec: 1.25, word: 'abc', lead: '08', dot: '1.', mixed: '9a' } },
    ]);
  });

  test('quoted values are unquoted, backslash escapes removed, numbers recognised after unquoting', () => {
    expect(parseExtensions('e; a="abc"; b="10"; c="a\\bc"; d="\\1\\2"')).toEqual([
      { name: 'e', params: { a: 'abc', b: 10, c: 'abc', d: 12 } },
    ]);
  });

  test('several offers of one extension stay separate, in order', () => {
    expect(parseExtensions('permessage-deflate; client_max_window_bits=10, permessage-deflate, x-other; a, permessage-deflate; server_no_context_takeover')).toEqual([
      { name: 'permessage-deflate', params: { client_max_window_bits: 10 } },
      { name: 'permessage-deflate', params: {} },
      { name: 'x-other', params: { a: true } },
      { name: 'permessage-deflate', params: { server_no_context_takeover: true } },
    ]);
  });

  test('a repeated parameter becomes an array of its values, in order', () => {
    expect(parseExtensions('e; b=1; b; b="x"; c; b=2')).toEqual([{ name: 'e', params: { b: [1, true, 'x', 2], c: true } }]);
  });

  test('spaces and tabs around names, ";", "=" and "," are allowed', () => {
    const spaced = ' \tpermessage-deflate \t; \tclient_max_window_bits \t= \t10 ;server_no_context_takeover\t,\tx ; q = "v" \t';
    expect(parseExtensions(spaced)).toEqual([
      { name: 'permessage-deflate', params: { client_max_window_bits: 10, server_no_context_takeover: true } },
      { name: 'x', params: { q: 'v' } },
    ]);
  });

  test('parameters are plain objects (plugins call hasOwnProperty) whose every name is an own key: no prototype reached or changed', () => {
    const [offer] = parseExtensions('e; __proto__=1; constructor; toString=x; constructor=2; __proto__');
    const params = offer!.params;
    expect(Object.getPrototypeOf(params)).toBe(Object.prototype);
    expect(Object.keys(params)).toEqual(['__proto__', 'constructor', 'toString']);
    expect(Object.getOwnPropertyDescriptor(params, '__proto__')!.value).toEqual([1, true]);
    expect(Object.getOwnPropertyDescriptor(params, 'constructor')!.value).toEqual([true, 2]);
    expect(params['toString']).toBe('x');
    expect(params.hasOwnProperty('constructor')).toBe(true);
    expect(({} as Record<string, unknown>)['toString']).toBe(Object.prototype.toString);
    expect(Object.prototype.hasOwnProperty.call(Object.prototype, '1')).toBe(false);
  });

  const malformed: Array<[string, string]> = [
    ['a separator where the name should be', '; a'],
    ['a trailing ";"', 'permessage-deflate;'],
    ['an empty parameter', 'permessage-deflate;; a'],
    ['a trailing ","', 'permessage-deflate,'],
    ['a leading ","', ', permessage-deflate'],
    ['an empty list element', 'a, , b'],
    ['two tokens without a separator', 'permessage deflate'],
    ['"=" without a value', 'e; a='],
    ['"=" without a name', 'e; =1'],
    ['two "="', 'e; a=b=c'],
    ['a non-tchar in a name', 'perm@ssage'],
    ['a non-tchar in a value', 'e; a=b/c'],
    ['a quoted extension name', '"permessage-deflate"'],
    ['a quoted parameter name', 'e; "a"=1'],
    ['an unterminated quoted string', 'e; a="abc'],
    ['a quoted string ending in a backslash', 'e; a="abc\\'],
    ['text after a quoted string', 'e; a="abc"def'],
    ['an empty quoted string', 'e; a=""'],
    ['a quoted value with a space (not a token once unquoted)', 'e; a="x y"'],
    ['a quoted value with an escaped quote (not a token)', 'e; a="x\\"y"'],
    ['a quoted value with a comma (not a token)', 'e; a="1,2"'],
    ['a non-ASCII character', 'permessage-deflaté'],
    ['a control character', 'e;\x01a'],
    ['a CR LF inside', 'e;\r\n a'],
  ];

  test.each(malformed)('rejects %s', (_why, header) => {
    expect(() => parseExtensions(header)).toThrow(ExtensionHeaderError);
  });

  test('the error names the header (cut to 200 characters)', () => {
    const header = 'e; a=' + '/'.repeat(1000);
    let error: unknown;
    try {
      parseExtensions(header);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SyntaxError);
    expect((error as Error).message).toBe(`invalid Sec-WebSocket-Extensions header: ${JSON.stringify(header.slice(0, 200))}`);
  });

  // CVE-2020-7662 was an unclosed quoted string with many escapes against websocket-extensions'
  // regular expression. A hand-written scanner must stay linear in every shape of input.
  const KIB100 = 100 * 1024;
  const pathological: Array<[string, 'parses' | 'fails', string]> = [
    ['an unclosed quoted string of escapes', 'fails', ('e; a="' + '\\x'.repeat(KIB100 / 2)).slice(0, KIB100)],
    ['a closed quoted string of escapes that is not a token', 'fails', 'e; a="' + '\\"'.repeat(KIB100 / 2 - 4) + '"'],
    ['a long quoted token', 'parses', 'e; a="' + 'x'.repeat(KIB100 - 8) + '"'],
    ['one parameter repeated 25,000 times', 'parses', 'e' + '; b'.repeat(KIB100 / 4)],
    ['one valued parameter repeated 14,000 times', 'parses', 'e' + '; b=15'.repeat(KIB100 / 7)],
    ['20,000 offers', 'parses', Array(KIB100 / 5).fill('e; a').join(',')],
    ['100 KiB of spaces then a bad byte', 'fails', 'e;' + ' '.repeat(KIB100) + '@'],
    ['"; " repeated with no parameter name', 'fails', 'e' + '; '.repeat(KIB100 / 2)],
    ['a 100 KiB name', 'parses', 'x'.repeat(KIB100)],
    ['alternating quotes and escapes', 'fails', 'e; a="' + '\\"\\\\'.repeat(KIB100 / 4)],
  ];

  test.each(pathological)('%s (100 KiB) %s within 250 ms', (_why, outcome, header) => {
    parseExtensions('e; a=1'); // warm up
    const started = performance.now();
    let failed = false;
    try {
      parseExtensions(header);
    } catch (error) {
      expect(error).toBeInstanceOf(ExtensionHeaderError);
      failed = true;
    }
    const elapsed = performance.now() - started;
    expect(failed).toBe(outcome === 'fails');
    expect(elapsed).toBeLessThan(250);
  });
});

describe('serializeExtension', () => {
  test('true is a bare name, numbers and tokens plain, other strings quoted with escapes, arrays repeat the name', () => {
    expect(serializeExtension('permessage-deflate', {})).toBe('permessage-deflate');
    expect(serializeExtension('e', { a: true, b: 10, c: 'tok', d: 'x y', e: 'q"\\', f: [1, true, 'z'] })).toBe(
      'e; a; b=10; c=tok; d="x y"; e="q\\"\\\\"; f=1; f; f=z',
    );
  });

  test('what it writes from token values parses back to the same offer', () => {
    const params = { client_max_window_bits: 10, server_no_context_takeover: true as const, x: ['a', 2] as Array<string | number> };
    expect(parseExtensions(serializeExtension('permessage-deflate', params))).toEqual([{ name: 'permessage-deflate', params }]);
  });
});

describe('the server with extensions configured', () => {
  const srv = useEchoServer({ extensions: [permessageDeflate()], maxHeaderSize: 256 * 1024 });

  test.each([
    ['a trailing ";"', 'permessage-deflate;'],
    ['an unterminated quoted string', 'permessage-deflate; client_max_window_bits="10'],
    ['a quoted value that is not a token', 'permessage-deflate; x="a b"'],
    ['two tokens without a separator', 'permessage-deflate client_max_window_bits'],
    ['a non-tchar', 'permessage-deflate; client_max_window_bits=1/2'],
  ])('answers 400 to a malformed header: %s', async (_why, header) => {
    expect(await answer(srv.port, header)).toEqual([400, undefined]);
  });

  test('a malformed second header line is a 400 too (the lines form one list)', async () => {
    expect(await answer(srv.port, 'permessage-deflate', 'x;')).toEqual([400, undefined]);
  });

  test('offers split over two header lines are one list', async () => {
    expect(await answer(srv.port, 'x-unknown; a=1', 'permessage-deflate; client_no_context_takeover')).toEqual([
      101,
      'permessage-deflate; client_no_context_takeover',
    ]);
  });

  test('a well-formed header naming only unknown extensions: 101 without Sec-WebSocket-Extensions', async () => {
    expect(await answer(srv.port, 'x-webkit-deflate-frame, foo; bar="baz"')).toEqual([101, undefined]);
  });

  test('quoted parameter values are accepted where RFC 7692 wants a number', async () => {
    expect(await answer(srv.port, 'permessage-deflate; server_max_window_bits="10"')).toEqual([101, 'permessage-deflate; server_max_window_bits=10']);
  });

  test.each([
    ['25,000 repeats of one parameter (valid grammar, a declined offer)', 101, 'permessage-deflate' + '; b'.repeat(25 * 1024)],
    ['an unclosed quoted string of escapes', 400, 'permessage-deflate; a="' + '\\x'.repeat(50 * 1024)],
    ['20,000 offers, the last one good', 101, Array(20 * 1024).fill('x; a').join(', ') + ', permessage-deflate'],
  ])('a 100 KiB pathological header: %s is answered (%i) within 1 s', async (_why, status, header) => {
    const started = performance.now();
    const [code] = await answer(srv.port, header);
    expect(code).toBe(status);
    expect(performance.now() - started).toBeLessThan(1000);
  });
});

describe('the server without extensions', () => {
  const srv = useEchoServer({});

  test('ignores the header, malformed or not: 101 without Sec-WebSocket-Extensions', async () => {
    expect(await answer(srv.port, 'permessage-deflate;')).toEqual([101, undefined]);
    expect(await answer(srv.port, 'permessage-deflate; client_max_window_bits')).toEqual([101, undefined]);
  });
});

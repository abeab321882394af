/**
 * The sans-I/O parser (WHATWG HTML §9.2.5-9.2.6): fields, line ends, BOM, UTF-8 across chunk
 * boundaries, ids with NUL, `retry` with digits only, the end of the stream, and the property that
 * any chunking of the same bytes gives the same events.
 */
import fc from 'fast-check';
import { EventStreamParser, type ParsedEvent } from '../../src/event-source-client/event-stream-parser.js';

interface Output {
  events: ParsedEvent[];
  retries: number[];
  ids: string[];
  comments: string[];
}

function parse(chunks: Array<string | Uint8Array>, initialId = '', end = true): Output {
  const out: Output = { events: [], retries: [], ids: [], comments: [] };
  const parser = new EventStreamParser(
    {
      event: (event) => out.events.push(event),
      retry: (ms) => out.retries.push(ms),
      lastEventId: (id) => out.ids.push(id),
      comment: (text) => out.comments.push(text),
    },
    initialId,
  );
  for (const chunk of chunks) parser.push(typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk);
  if (end) parser.end();
  return out;
}

const ev = (data: string, type = 'message', lastEventId = ''): ParsedEvent => ({ type, data, lastEventId });

test('data, event and id fields; multi-line data joined by LF; the last LF removed', () => {
  const out = parse(['data: one\n\nevent: update\ndata: a\ndata:b\ndata:  c\nid: 7\n\n']);
  expect(out.events).toEqual([ev('one'), ev('a\nb\n c', 'update', '7')]);
});

test('the id persists to later events; an id with NUL is ignored; an empty id resets it', () => {
  const out = parse(['id: 1\ndata: a\n\ndata: b\n\nid: x\0y\ndata: c\n\nid\ndata: d\n\n']);
  expect(out.events.map((e) => e.lastEventId)).toEqual(['1', '1', '1', '']);
});

test('a block without data dispatches nothing but still sets the last event id', () => {
  const out = parse(['id: 5\n\n', 'data: x\n\n']);
  expect(out.events).toEqual([ev('x', 'message', '5')]);
  expect(out.ids).toEqual(['5', '5']);
});

test('retry: only ASCII digits count', () => {
  const out = parse(['retry: 1500\n', 'retry: 1.5\nretry: -1\nretry: 12a\nretry:  5\nretry:\nretry: 0\nretry:42\n\n']);
  expect(out.retries).toEqual([1500, 0, 42]);
});

test('an empty data: line, a field with no colon, unknown fields, comments, an empty event type', () => {
  const out = parse([': hello\n:no space\ndata\n\ndata:\ndata:\n\nfoo: bar\nevent:\ndata: z\n\n']);
  expect(out.events).toEqual([ev(''), ev('\n'), ev('z')]);
  expect(out.comments).toEqual(['hello', 'no space']);
});

test('CR, LF and CRLF all end lines, also mixed and with CRLF split between chunks', () => {
  expect(parse(['data: a\r\rdata: b\n\ndata: c\r\n\r\n']).events).toEqual([ev('a'), ev('b'), ev('c')]);
  expect(parse(['data: a\r', '\n', '\r', '\ndata: b\r', '\r']).events).toEqual([ev('a'), ev('b')]);
  // A CR then LF in the next chunk is one line end, not an empty line between.
  expect(parse(['data: a\r', '\ndata: b\n\n']).events).toEqual([ev('a\nb')]);
});

test('one leading BOM is dropped, a second one is not', () => {
  const bom = Buffer.from([0xef, 0xbb, 0xbf]);
  expect(parse([Buffer.concat([bom, Buffer.from('data: a\n\n')])]).events).toEqual([ev('a')]);
  // The BOM split across chunks.
  expect(parse([bom.subarray(0, 1), bom.subarray(1), 'data: a\n\n']).events).toEqual([ev('a')]);
  // A second BOM makes the first line's field name `\uFEFFdata`: an unknown field.
  expect(parse([Buffer.concat([bom, bom, Buffer.from('data: a\n\ndata: b\n\n')])]).events).toEqual([ev('b')]);
});

test('UTF-8 characters split across chunks stay whole; invalid bytes become U+FFFD', () => {
  const bytes = Buffer.from('data: héllo 🎉 日本\n\n', 'utf8');
  const chunks = [...bytes].map((byte) => Uint8Array.of(byte));
  expect(parse(chunks).events).toEqual([ev('héllo 🎉 日本')]);
  expect(parse([Buffer.from([0x64, 0x61, 0x74, 0x61, 0x3a, 0xff, 0xc3, 0x0a, 0x0a])]).events).toEqual([ev('\ufffd\ufffd')]);
});

test('the end of the stream drops an event without its empty line', () => {
  expect(parse(['data: a\n\ndata: b\n']).events).toEqual([ev('a')]);
  expect(parse(['data: a\n\ndata: b']).events).toEqual([ev('a')]);
});

test('the initial last event id (from the previous connection) carries over', () => {
  expect(parse(['data: a\n\n'], '41').events).toEqual([ev('a', 'message', '41')]);
});

test('a handler that ends the parser stops the dispatch of the rest of the chunk', () => {
  const seen: string[] = [];
  const parser = new EventStreamParser({
    event: (event) => {
      seen.push(event.data);
      parser.end();
    },
  });
  parser.push(Buffer.from('data: 1\n\ndata: 2\n\n'));
  parser.push(Buffer.from('data: 3\n\n'));
  expect(seen).toEqual(['1']);
});

/** Splits `bytes` at the given (sorted, deduplicated) cut points. */
function cut(bytes: Uint8Array, points: number[]): Uint8Array[] {
  const sorted = [...new Set(points.map((p) => p % (bytes.length + 1)))].sort((a, b) => a - b);
  const chunks: Uint8Array[] = [];
  let start = 0;
  for (const point of sorted) {
    chunks.push(bytes.subarray(start, point));
    start = point;
  }
  chunks.push(bytes.subarray(start));
  return chunks;
}

test('property: any chunking of the same bytes gives the same output', () => {
  const piece = fc.oneof(
    fc.constantFrom('data', 'data:', 'data: ', 'event: ', 'id: ', 'retry: ', ':', '\n', '\r', '\r\n', '\0', '\ufeff', '12', ' '),
    fc.string({ unit: 'grapheme', maxLength: 6 }),
    fc.uint8Array({ maxLength: 4 }).map((raw) => Buffer.from(raw).toString('latin1')),
  );
  fc.assert(
    fc.property(fc.array(piece, { maxLength: 40 }), fc.array(fc.nat(), { maxLength: 12 }), (pieces, points) => {
      const bytes = Buffer.from(pieces.join(''), 'utf8');
      expect(parse(cut(bytes, points))).toEqual(parse([bytes]));
    }),
    { numRuns: 300 },
  );
});

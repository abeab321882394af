/**
 * Our parser against the `eventsource-parser` package (v3) on random streams with random chunking
 * (fast-check): the same events (type and data), the same `retry` values, and the same id wherever
 * eventsource-parser reports one. Ours gets the bytes cut anywhere (inside UTF-8 characters and
 * CRLF pairs too); eventsource-parser, which takes text, gets the whole stream decoded once
 * (TextDecoder drops the leading BOM, as the spec's UTF-8 decode does) and cut anywhere.
 *
 * Where the two differ by design, the comparison allows it: eventsource-parser leaves `event`
 * undefined for `message`, reports only an id set in the event's own block (the spec's last event
 * ID persists), waits for what follows a CR at the very end of the stream, and loses a blank line
 * made of a lone CR that ends one of its chunks (fed ':\ndata:\n\r' then '\0' it dispatches nothing,
 * fed the same as one chunk it dispatches the event), so its input is never cut right after a CR.
 */
import fc from 'fast-check';
import { createParser } from 'eventsource-parser';
import { EventStreamParser } from '../../src/event-source-client/event-stream-parser.js';

function cut<T extends { length: number; slice(start: number, end?: number): T }>(input: T, points: number[]): T[] {
  const sorted = [...new Set(points.map((p) => p % (input.length + 1)))].sort((a, b) => a - b);
  const chunks: T[] = [];
  let start = 0;
  for (const point of sorted) {
    chunks.push(input.slice(start, point));
    start = point;
  }
  chunks.push(input.slice(start));
  return chunks;
}

const field = fc.constantFrom('data', 'data', 'data', 'event', 'id', 'retry', '', 'foo', 'dat', 'ID', 'Data');
const text = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 8 }),
  fc.constantFrom('', ' ', '  x', '0', '123', '1.5', '-3', '4 ', 'a\0b', '\0', 'message', ':', ': a', '\ufeff'),
);
const lineEnd = fc.constantFrom('\n', '\r', '\r\n');
/** One line: a field with a value (with or without the space), a comment, or a bare name; or raw bytes. */
const line = fc.oneof(
  { weight: 6, arbitrary: fc.tuple(field, fc.constantFrom(':', ': ', ''), text, lineEnd).map(([f, sep, v, end]) => Buffer.from(`${f}${sep}${sep === '' ? '' : v}${end}`, 'utf8')) },
  { weight: 2, arbitrary: lineEnd.map((end) => Buffer.from(end)) },
  { weight: 1, arbitrary: fc.tuple(text, lineEnd).map(([v, end]) => Buffer.from(`:${v}${end}`, 'utf8')) },
  { weight: 1, arbitrary: fc.uint8Array({ minLength: 1, maxLength: 4 }).map((raw) => Buffer.from(raw)) },
);
const stream = fc
  .tuple(fc.boolean(), fc.array(line, { maxLength: 30 }))
  .map(([bom, lines]) => Buffer.concat([bom ? Buffer.from([0xef, 0xbb, 0xbf]) : Buffer.alloc(0), ...lines]));

interface Seen {
  events: Array<{ type: string; data: string; id: string | undefined }>;
  retries: number[];
}

function ours(bytes: Buffer, points: number[]): Seen {
  const seen: Seen = { events: [], retries: [] };
  const parser = new EventStreamParser({
    event: (event) => seen.events.push({ type: event.type, data: event.data, id: event.lastEventId }),
    retry: (ms) => seen.retries.push(ms),
  });
  for (const chunk of cut(bytes, points)) parser.push(chunk);
  parser.end();
  return seen;
}

function theirs(bytes: Buffer, points: number[]): Seen {
  const seen: Seen = { events: [], retries: [] };
  const parser = createParser({
    onEvent: (message) => seen.events.push({ type: message.event ?? 'message', data: message.data, id: message.id }),
    onRetry: (ms) => seen.retries.push(ms),
  });
  const decoded = new TextDecoder().decode(bytes);
  const notAfterCr = points.map((p) => p % (decoded.length + 1)).filter((p) => decoded[p - 1] !== '\r');
  for (const chunk of cut(decoded, notAfterCr)) parser.feed(chunk);
  // eventsource-parser holds a CR at the end of its input (it may be the first half of a CRLF) and
  // so never ends that last line; the LF it waits for ends it as one line end, as the CR alone does.
  if (decoded.endsWith('\r')) parser.feed('\n');
  return seen;
}

test('property: the same events and retries as eventsource-parser on random streams and chunkings', () => {
  fc.assert(
    fc.property(stream, fc.array(fc.nat(), { maxLength: 10 }), fc.array(fc.nat(), { maxLength: 10 }), (bytes, ourCuts, theirCuts) => {
      const a = ours(bytes, ourCuts);
      const b = theirs(bytes, theirCuts);
      expect(a.retries).toEqual(b.retries);
      expect(a.events.map(({ type, data }) => ({ type, data }))).toEqual(b.events.map(({ type, data }) => ({ type, data })));
      // An id eventsource-parser reports is the one the event was dispatched with.
      b.events.forEach((event, i) => {
        if (event.id !== undefined) expect(a.events[i]!.id).toBe(event.id);
      });
    }),
    { numRuns: 1000 },
  );
});

test('a fixed stream with every feature agrees too', () => {
  const bytes = Buffer.from('\ufeffretry: 10\r\nid: 1\r\nevent: a\r\ndata: x\r\ndata:y\r\n\r\n: c\rid: 2\0\rdata: z\r\r', 'utf8');
  expect(ours(bytes, [3, 7, 20, 21])).toEqual({ ...theirs(bytes, [5]), events: [
    { type: 'a', data: 'x\ny', id: '1' },
    { type: 'message', data: 'z', id: '1' },
  ] });
  expect(theirs(bytes, [5]).retries).toEqual([10]);
});

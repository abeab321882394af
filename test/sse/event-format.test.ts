/**
 * The `text/event-stream` wire format (WHATWG HTML §9.2.5-§9.2.6) as pure strings, checked byte for
 * byte on fixed cases and, with fast-check, against an independent parser (`eventsource-parser`):
 * whatever string is sent arrives as exactly the string the spec says it should.
 */
import fc from 'fast-check';
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { ArgumentError } from '../../src/index.js';
import { COMMENT, formatEvent, formatRetry, retryMilliseconds } from '../../src/event-source/event-format.js';

function parse(stream: string): { events: EventSourceMessage[]; retries: number[] } {
  const events: EventSourceMessage[] = [];
  const retries: number[] = [];
  const parser = createParser({ onEvent: (event) => events.push(event), onRetry: (ms) => retries.push(ms) });
  parser.feed(stream);
  return { events, retries };
}

describe('formatEvent', () => {
  test.each([
    ['plain data', 'hello', {}, 'data: hello\n\n'],
    ['an empty string still dispatches (one empty data line)', '', {}, 'data: \n\n'],
    ['event, id and retry come before the data', 'x', { event: 'tick', id: '7', retry: 2 }, 'event: tick\nid: 7\nretry: 2000\ndata: x\n\n'],
    ['a numeric id is written in decimal', 'x', { id: 0 }, 'id: 0\ndata: x\n\n'],
    ['an empty id is written (it resets the client id, §9.2.6)', 'x', { id: '' }, 'id: \ndata: x\n\n'],
    ['an empty event type is left out (it means "message")', 'x', { event: '' }, 'data: x\n\n'],
    ['LF splits data lines', 'a\nb', {}, 'data: a\ndata: b\n\n'],
    ['CRLF splits data lines', 'a\r\nb', {}, 'data: a\ndata: b\n\n'],
    ['CR alone splits data lines', 'a\rb', {}, 'data: a\ndata: b\n\n'],
    ['mixed line ends, a blank line and a trailing break', 'a\r\n\rb\n', {}, 'data: a\ndata: \ndata: b\ndata: \n\n'],
    ['a leading space survives (one space after the colon is stripped)', ' x', {}, 'data:  x\n\n'],
    ['NUL is allowed in data (§9.2.6 only ignores it in id)', 'a\0b', {}, 'data: a\0b\n\n'],
  ])('%s', (_, data, fields, wire) => {
    expect(formatEvent(data, fields)).toBe(wire);
  });

  test.each([
    ['event', { event: 'a\nb' }],
    ['event', { event: 'a\rb' }],
    ['event', { event: 'a\0b' }],
    ['id', { id: 'a\nretry: 1' }],
    ['id', { id: 'a\r' }],
    ['id', { id: '\0' }],
    ['id', { id: Number.NaN }],
  ])('a bad %s is refused with ERR_INVALID_SSE_FIELD', (_, fields) => {
    const attempt = (): string => formatEvent('x', fields);
    expect(attempt).toThrow(ArgumentError);
    expect(attempt).toThrow(expect.objectContaining({ code: 'ERR_INVALID_SSE_FIELD' }));
  });

  test.each([[42], [null], [undefined], [{ a: 1 }]])('data %p is refused with ERR_INVALID_SEND_DATA', (data) => {
    expect(() => formatEvent(data as unknown as string)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_SEND_DATA' }));
  });

  test('an event type that is not a string is refused', () => {
    expect(() => formatEvent('x', { event: 5 as unknown as string })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_SSE_FIELD' }));
  });
});

describe('retry', () => {
  test.each([
    [2, 2000],
    [0, 0],
    [1.5, 1500],
    [0.0004, 0],
    [0.0016, 2],
  ])('%p seconds is retry: %p (ASCII digits only, §9.2.6)', (seconds, ms) => {
    expect(retryMilliseconds(seconds)).toBe(ms);
    expect(formatRetry(seconds)).toBe(`retry: ${ms}\n\n`);
    expect(parse(formatRetry(seconds)).retries).toEqual([ms]);
  });

  test.each([[-1], [Number.NaN], [Infinity], ['5' as unknown as number]])('%p is refused with ERR_INVALID_OPTION', (seconds) => {
    expect(() => retryMilliseconds(seconds)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_OPTION' }));
  });
});

test('the ping is a comment, which dispatches nothing', () => {
  expect(COMMENT).toBe(':\n\n');
  expect(parse(COMMENT + formatEvent('after')).events.map((e) => e.data)).toEqual(['after']);
});

describe('round trip through an independent parser', () => {
  const lineBreak = fc.constantFrom('\n', '\r', '\r\n');
  const text = fc.array(fc.oneof(fc.string({ unit: 'grapheme' }), lineBreak), { maxLength: 12 }).map((parts) => parts.join(''));
  const field = fc.string({ unit: 'grapheme', maxLength: 20 }).filter((s) => !/[\r\n\0]/.test(s));

  test('any data arrives as itself, with every line end turned into LF', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(text, field, field), { minLength: 1, maxLength: 5 }), (sent) => {
        const stream = sent.map(([data, event, id]) => formatEvent(data, { event, id })).join('');
        const { events } = parse(stream);
        expect(events.map((e) => e.data)).toEqual(sent.map(([data]) => data.replace(/\r\n|\r/g, '\n')));
        expect(events.map((e) => e.event ?? '')).toEqual(sent.map(([, event]) => event));
        expect(events.map((e) => e.id)).toEqual(sent.map(([, , id]) => id));
      }),
    );
  });
});

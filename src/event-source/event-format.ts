/**
 * The `text/event-stream` wire format (WHATWG HTML §9.2.5 "Parsing an event stream" and §9.2.6
 * "Interpreting an event stream"): one event as a block of `field: value` lines ending in an
 * empty line. Pure functions: strings in, strings out; nothing here touches a socket.
 *
 * Every line ends in a single LF, the shortest of the three line ends the grammar allows.
 */
import { ArgumentError } from '../errors.js';

export interface EventFields {
  /** The event type (`event:`); the browser dispatches it to `addEventListener(type)`, `message` when absent. */
  event?: string;
  /** The event id (`id:`); the browser sends it back as `Last-Event-ID` when it reconnects. */
  id?: string | number;
  /** Seconds the browser waits before reconnecting (`retry:`, written in milliseconds). */
  retry?: number;
}

/** §9.2.5: an end of line is CRLF, LF or CR; each one starts another `data:` line. */
const LINE_BREAK = /\r\n|\r|\n/;
const HAS_LINE_BREAK = /[\r\n]/;
/** A field value may hold neither; §9.2.6 also ignores an `id` containing NUL, so it is refused too. */
const FORBIDDEN_IN_FIELD = /[\r\n\0]/;

/** A comment line (§9.2.6: a line starting with a colon is ignored), then an empty line. */
export const COMMENT = ':\n\n';

/** One event: `event:`, `id:`, `retry:`, then one `data:` line per line of `data`, then an empty line. */
export function formatEvent(data: string, fields: EventFields = {}): string {
  if (typeof data !== 'string') {
    throw new ArgumentError('send() takes a string (JSON.stringify other values)', 'ERR_INVALID_SEND_DATA');
  }
  let block = '';
  if (fields.event !== undefined && fields.event !== '') block += `event: ${fieldValue('event', fields.event)}\n`;
  if (fields.id !== undefined) block += `id: ${idValue(fields.id)}\n`;
  if (fields.retry !== undefined) block += `retry: ${retryMilliseconds(fields.retry)}\n`;
  // §9.2.6: each `data:` value is appended to the data buffer followed by an LF, and the last LF
  // is removed on dispatch, so n lines joined by LF arrive exactly as they were (an empty string
  // included: one empty `data:` line still dispatches an event with data '').
  if (!HAS_LINE_BREAK.test(data)) return `${block}data: ${data}\n\n`;
  for (const line of data.split(LINE_BREAK)) block += `data: ${line}\n`;
  return `${block}\n`;
}

/** A block with only the reconnection time, sent first when the `retry` option is set. */
export function formatRetry(seconds: number): string {
  return `retry: ${retryMilliseconds(seconds)}\n\n`;
}

/**
 * §9.2.6 takes `retry` only if it "consists of only ASCII digits", so the value is a whole number
 * of milliseconds: `2` seconds is `retry: 2000`, and `0.0004` rounds to `0`.
 */
export function retryMilliseconds(seconds: number): number {
  if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds < 0) {
    throw new ArgumentError('retry must be a finite number of seconds >= 0', 'ERR_INVALID_OPTION');
  }
  return Math.round(seconds * 1000);
}

/** An `id` as written: a number in decimal, a string as is. */
export function idValue(id: string | number): string {
  if (typeof id === 'number') {
    if (!Number.isFinite(id)) throw new ArgumentError('an event id must be a finite number or a string', 'ERR_INVALID_SSE_FIELD');
    return String(id);
  }
  return fieldValue('id', id);
}

function fieldValue(name: 'event' | 'id', value: unknown): string {
  if (typeof value !== 'string') {
    throw new ArgumentError(`the ${name} of an event must be a string`, 'ERR_INVALID_SSE_FIELD');
  }
  // A line break would end the field early and let the rest be read as other fields (for example
  // an injected `retry:` or `data:`).
  if (FORBIDDEN_IN_FIELD.test(value)) {
    throw new ArgumentError(`the ${name} of an event may not contain CR, LF or NUL`, 'ERR_INVALID_SSE_FIELD');
  }
  return value;
}

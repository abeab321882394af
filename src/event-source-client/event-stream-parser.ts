/**
 * The `text/event-stream` parser of the client (WHATWG HTML §9.2.5 "Parsing an event stream" and
 * §9.2.6 "Interpreting an event stream"), sans-I/O: bytes in, events out. The bytes are UTF-8
 * decoded as a stream (a character split across chunks is kept whole, invalid bytes become
 * U+FFFD, one leading BOM is dropped), lines end in CRLF, LF or CR (a CRLF split across chunks is
 * one line end), and any chunking of the same bytes gives the same events.
 *
 * One parser per connection: the data and event type buffers start empty, and an event cut off
 * by the end of the stream is dropped (`end()`). The last event ID buffer starts from the one the
 * previous connection left, so that a reconnected stream's events without `id:` keep it.
 */

export interface ParsedEvent {
  /** The event type: the `event:` field, `'message'` when absent or empty. */
  type: string;
  /** The `data:` lines joined by LF. */
  data: string;
  /** The last event ID buffer when the event was dispatched. */
  lastEventId: string;
}

export interface EventStreamHandler {
  /** An event with data (a block with no `data:` line dispatches nothing). */
  event(event: ParsedEvent): void;
  /** At every dispatch (every empty line), before `event`: what the source's `lastEventId` becomes. */
  lastEventId?(id: string): void;
  /** A valid `retry:` field: the new reconnection time in milliseconds. */
  retry?(milliseconds: number): void;
  /** A comment line, without its leading colon (and one leading space). */
  comment?(text: string): void;
}

const LF = 0x0a;
const CR = 0x0d;
const DIGITS = /^[0-9]+$/;

export class EventStreamParser {
  private readonly decoder = new TextDecoder('utf-8');
  /** Decoded text of a line not yet ended. */
  private pending = '';
  /** The previous chunk ended in CR: an LF at the start of the next one belongs to it. */
  private afterCR = false;
  private data = '';
  private eventType = '';
  private idBuffer: string;
  private ended = false;

  constructor(
    private readonly handler: EventStreamHandler,
    lastEventId = '',
  ) {
    this.idBuffer = lastEventId;
  }

  /** The last event ID buffer: the latest `id:` without NUL (not yet dispatched, maybe). */
  get lastEventId(): string {
    return this.idBuffer;
  }

  /** Feeds the next bytes of the stream; events are dispatched before it returns. */
  push(chunk: Uint8Array): void {
    if (this.ended) return;
    this.lines(this.decoder.decode(chunk, { stream: true }));
  }

  /** The end of the stream: whatever is pending (a line or an event without its empty line) is dropped. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.decoder.decode();
    this.pending = '';
    this.data = '';
    this.eventType = '';
  }

  private lines(text: string): void {
    let start = 0;
    if (this.afterCR && text.length > 0) {
      this.afterCR = false;
      if (text.charCodeAt(0) === LF) start = 1;
    }
    const length = text.length;
    for (let i = start; i < length; i++) {
      const code = text.charCodeAt(i);
      if (code !== LF && code !== CR) continue;
      const line = this.pending === '' ? text.slice(start, i) : this.pending + text.slice(start, i);
      this.pending = '';
      if (code === CR) {
        if (i + 1 === length) this.afterCR = true;
        else if (text.charCodeAt(i + 1) === LF) i++;
      }
      start = i + 1;
      this.line(line);
      // A handler may end the stream (close() from a listener): nothing more is dispatched.
      if (this.ended) return;
    }
    if (start < length) this.pending += text.slice(start);
  }

  private line(line: string): void {
    if (line === '') return this.dispatch();
    const colon = line.indexOf(':');
    if (colon === 0) {
      this.handler.comment?.(line.charCodeAt(1) === 0x20 ? line.slice(2) : line.slice(1));
      return;
    }
    let field = line;
    let value = '';
    if (colon > 0) {
      field = line.slice(0, colon);
      value = line.slice(line.charCodeAt(colon + 1) === 0x20 ? colon + 2 : colon + 1);
    }
    switch (field) {
      case 'event':
        this.eventType = value;
        break;
      case 'data':
        this.data += `${value}\n`;
        break;
      case 'id':
        // §9.2.6: an id containing NUL is ignored.
        if (!value.includes('\0')) this.idBuffer = value;
        break;
      case 'retry':
        // Only ASCII digits; anything else (a sign, a decimal point, spaces) is ignored.
        if (DIGITS.test(value)) this.handler.retry?.(Number.parseInt(value, 10));
        break;
      default:
        // Unknown fields are ignored.
        break;
    }
  }

  private dispatch(): void {
    this.handler.lastEventId?.(this.idBuffer);
    if (this.data === '') {
      this.eventType = '';
      return;
    }
    const data = this.data.endsWith('\n') ? this.data.slice(0, -1) : this.data;
    const type = this.eventType === '' ? 'message' : this.eventType;
    this.data = '';
    this.eventType = '';
    this.handler.event({ type, data, lastEventId: this.idBuffer });
  }
}

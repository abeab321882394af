/**
 * The ping timer with jest's fake clock and an in-memory response: one ping per interval, and
 * no timer survives the session, however it ends.
 */
import { EventEmitter } from 'node:events';
import { EventSource, type EventSourceOptions, type EventSourceResponse } from '../../src/index.js';

class FakeResponse extends EventEmitter implements EventSourceResponse {
  headersSent = false;
  writableEnded = false;
  destroyed = false;
  writableLength = 0;
  readonly chunks: string[] = [];
  writeHead(): this {
    this.headersSent = true;
    return this;
  }
  write(chunk: string | Buffer): boolean {
    this.chunks.push(chunk.toString());
    return true;
  }
  end(): void {
    this.writableEnded = true;
    this.emit('close');
  }
  destroy(): void {
    this.destroyed = true;
    this.emit('close');
  }
}

const request = { headers: { accept: 'text/event-stream', host: 'h' }, url: '/', httpVersionMajor: 1, httpVersionMinor: 1 };

function open(options: EventSourceOptions = {}): { es: EventSource; res: FakeResponse } {
  const res = new FakeResponse();
  return { es: new EventSource(request, res, options), res };
}

beforeEach(() => jest.useFakeTimers());
afterEach(() => jest.useRealTimers());

test('the default is a ping every 10 seconds of silence', () => {
  const { es, res } = open();
  expect(jest.getTimerCount()).toBe(1);
  jest.advanceTimersByTime(9999);
  expect(res.chunks).toEqual([':\n\n']);
  jest.advanceTimersByTime(1);
  expect(res.chunks).toEqual([':\n\n', ':\n\n']);
  es.close();
});

test('pings keep their beat whether or not events are sent', () => {
  const { es, res } = open({ ping: 1 });
  jest.advanceTimersByTime(500);
  es.send('busy');
  jest.advanceTimersByTime(1500);
  expect(res.chunks).toEqual([':\n\n', 'data: busy\n\n', ':\n\n', ':\n\n']);
  es.close();
});

test('ping: 0 starts no timer', () => {
  const { es } = open({ ping: 0 });
  expect(jest.getTimerCount()).toBe(0);
  es.close();
});

test.each([
  ['close()', (es: EventSource) => es.close(), 'closed'],
  ['the response closing', (_: EventSource, res: FakeResponse) => res.emit('close'), 'disconnected'],
  ['a response error', (_: EventSource, res: FakeResponse) => res.emit('error', new Error('EPIPE')), 'disconnected'],
])('%s clears the timer and fires close once', (_, end, reason) => {
  const { es, res } = open({ ping: 1 });
  const reasons: string[] = [];
  es.on('close', (event) => reasons.push(event.reason));
  end(es, res);
  end(es, res);
  res.emit('close');
  expect(jest.getTimerCount()).toBe(0);
  expect(reasons).toEqual([reason]);
  jest.advanceTimersByTime(5000);
  expect(res.chunks).toEqual([':\n\n']);
});

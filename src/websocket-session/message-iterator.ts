/**
 * `for await (const data of ws)`: messages in order until the connection closes. While the
 * consumer lags behind, reading from the socket is paused, so a slow loop never buffers
 * without bound.
 */
import type { MessageData, MessageEvent } from './events.js';

/** Messages held before the socket is paused. */
const HIGH_WATER = 16;

interface IterableSocket {
  on(type: 'message', listener: (event: MessageEvent) => void): unknown;
  on(type: 'close', listener: () => void): unknown;
  off(type: 'message', listener: (event: MessageEvent) => void): unknown;
  off(type: 'close', listener: () => void): unknown;
  readonly readyState: number;
  pause(): void;
  resume(): void;
}

export class MessageIterator implements AsyncIterableIterator<MessageData> {
  private readonly queue: MessageData[] = [];
  private waiting: ((result: IteratorResult<MessageData>) => void) | null = null;
  private done = false;
  private readonly onMessage = (event: MessageEvent): void => this.deliver(event.data);
  private readonly onClose = (): void => this.end();

  constructor(private readonly socket: IterableSocket) {
    socket.on('message', this.onMessage);
    socket.on('close', this.onClose);
    if (socket.readyState === 3) this.end();
  }

  next(): Promise<IteratorResult<MessageData>> {
    if (this.queue.length > 0) {
      const value = this.queue.shift()!;
      if (this.queue.length < HIGH_WATER / 2) this.socket.resume();
      return Promise.resolve({ value, done: false });
    }
    if (this.done) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => {
      this.waiting = resolve;
    });
  }

  return(): Promise<IteratorResult<MessageData>> {
    this.end();
    this.queue.length = 0;
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  private deliver(data: MessageData): void {
    const waiting = this.waiting;
    if (waiting !== null) {
      this.waiting = null;
      waiting({ value: data, done: false });
      return;
    }
    this.queue.push(data);
    if (this.queue.length >= HIGH_WATER) this.socket.pause();
  }

  private end(): void {
    if (this.done) return;
    this.done = true;
    this.socket.off('message', this.onMessage);
    this.socket.off('close', this.onClose);
    this.socket.resume();
    const waiting = this.waiting;
    this.waiting = null;
    waiting?.({ value: undefined, done: true });
  }
}

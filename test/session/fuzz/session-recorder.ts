/**
 * Listens to every event of one session and writes down what the invariants and the model are
 * compared on: the order of events (nothing may follow `close`), the messages, the errors in
 * summary, and the close event with the `readyState` seen inside its listener.
 */
import { ArgumentError, CloseArgumentError, ConnectionError, ErrorCode, ProtocolError } from '../../../src/index.js';
import type { WebSocketSession } from '../../../src/websocket-session/websocket-session.js';
import { describeMessage, type ErrorSummary, type Outcome } from './outcome.js';
import type { AppCall } from './scenario.js';

export class SessionRecorder {
  /** Event types in the order they fired. */
  readonly events: string[] = [];
  readonly messages: string[] = [];
  readonly errors: ErrorSummary[] = [];
  close: Outcome['close'] = null;
  readyStateInClose: number | null = null;
  /** Resolves at the first close event. */
  readonly closed: Promise<void>;
  private resolveClosed!: () => void;

  /** `onMessage(index)` runs inside the message listener, after the message is written down. */
  constructor(session: WebSocketSession, onMessage: (index: number) => void = () => {}) {
    this.closed = new Promise((resolve) => (this.resolveClosed = resolve));
    session.on('open', () => this.events.push('open'));
    session.on('drain', () => this.events.push('drain'));
    session.on('message', (event) => {
      this.events.push('message');
      const data = event.data;
      this.messages.push(typeof data === 'string' ? describeMessage(true, Buffer.from(data, 'utf8')) : describeMessage(false, Buffer.from(data as Buffer)));
      onMessage(this.messages.length - 1);
    });
    session.on('error', (event) => {
      this.events.push('error');
      this.errors.push(summarize(event.error));
    });
    session.on('close', (event) => {
      this.events.push('close');
      if (this.close !== null) return;
      this.close = { code: event.code, reason: event.reason, wasClean: event.wasClean };
      this.readyStateInClose = session.readyState;
      this.resolveClosed();
    });
  }

  get isClosed(): boolean {
    return this.close !== null;
  }
}

function summarize(error: Error): ErrorSummary {
  if (error instanceof ProtocolError) return { kind: 'protocol', closeCode: error.closeCode };
  if (error instanceof ConnectionError && error.code === ErrorCode.SOCKET) return { kind: 'socket' };
  return { kind: 'other', name: error.name, code: (error as { code?: string }).code ?? '' };
}

/**
 * Makes one application call; documented argument errors are results, anything else thrown is
 * reported as such. `sent` hears what `send()` returned.
 */
export function callSession(session: WebSocketSession, call: AppCall, sent: (returned: boolean) => void = () => {}): Outcome['calls'][number] {
  try {
    switch (call.call) {
      case 'send':
        sent(session.send(typeof call.data === 'string' ? call.data : Buffer.from(call.data)));
        break;
      case 'close':
        session.close(call.code, call.reason);
        break;
      case 'terminate':
        session.terminate();
        break;
      case 'ping':
        session.ping(Buffer.from(call.payload));
        break;
      case 'pong':
        session.pong(Buffer.from(call.payload));
        break;
      case 'pause':
        session.pause();
        break;
      case 'resume':
        session.resume();
        break;
    }
    return 'returned';
  } catch (error) {
    if (error instanceof CloseArgumentError) return 'CloseArgumentError';
    if (error instanceof ArgumentError) return 'ArgumentError';
    return `threw ${String(error)}`;
  }
}

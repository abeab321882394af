/**
 * Runs messages through the negotiated extension sessions: outgoing in negotiation order,
 * incoming in reverse. Each direction handles one message at a time, so order is kept even
 * when a session (zlib) answers asynchronously; the first error stops that direction.
 * `close()` lets the messages already accepted finish, then closes the sessions, so the
 * close frame can follow the last data frame (RFC 7692 §6; the websocket-extensions contract).
 */
import type { ExtensionMessage, ExtensionSession } from './extension-plugin.js';

export type Delivery = (error: Error | null, message: ExtensionMessage | null) => void;

class Direction {
  /** Messages to run through the cells; one with no cells to run (`null`) is passed on as it is, in its turn. */
  private readonly queue: Array<[ExtensionMessage | null, Delivery]> = [];
  private busy = false;
  private failed = false;
  onIdle: (() => void) | null = null;

  constructor(private readonly cells: ReadonlyArray<(message: ExtensionMessage, callback: (error: Error | null, message?: ExtensionMessage) => void) => void>) {}

  get idle(): boolean {
    return !this.busy && this.queue.length === 0;
  }

  push(message: ExtensionMessage | null, delivery: Delivery): void {
    if (this.failed) return;
    this.queue.push([message, delivery]);
    if (!this.busy) this.next();
  }

  private next(): void {
    const entry = this.queue.shift();
    if (entry === undefined) {
      this.busy = false;
      this.onIdle?.();
      return;
    }
    this.busy = true;
    if (entry[0] === null) {
      entry[1](null, null);
      return this.next();
    }
    this.run(entry[0], 0, entry[1]);
  }

  private run(message: ExtensionMessage, index: number, delivery: Delivery): void {
    if (index === this.cells.length) {
      delivery(null, message);
      return this.next();
    }
    let called = false;
    const callback = (error: Error | null, result?: ExtensionMessage): void => {
      if (called) return;
      called = true;
      if (error !== null && error !== undefined) return this.fail(error, delivery);
      // A synchronous answer continues on the next microtask so a long queue never deepens the stack.
      queueMicrotask(() => this.run(result ?? message, index + 1, delivery));
    };
    try {
      this.cells[index]!(message, callback);
    } catch (error) {
      callback(error as Error);
    }
  }

  private fail(error: Error, delivery: Delivery): void {
    this.failed = true;
    this.queue.length = 0;
    this.busy = false;
    delivery(error, null);
    this.onIdle?.();
  }
}

export class MessagePipeline {
  private readonly outgoing: Direction;
  private readonly incoming: Direction;
  private closing: (() => void) | null = null;

  constructor(private readonly sessions: readonly ExtensionSession[]) {
    this.outgoing = new Direction(sessions.map((s) => s.processOutgoingMessage.bind(s)));
    this.incoming = new Direction([...sessions].reverse().map((s) => s.processIncomingMessage.bind(s)));
    this.outgoing.onIdle = this.incoming.onIdle = () => this.closeIfIdle();
  }

  processOutgoing(message: ExtensionMessage, delivery: Delivery): void {
    this.outgoing.push(message, delivery);
  }

  /** `delivery` runs once the outgoing messages before it are through: for a frame already made (shared compression). */
  passOutgoing(delivery: Delivery): void {
    this.outgoing.push(null, delivery);
  }

  processIncoming(message: ExtensionMessage, delivery: Delivery): void {
    this.incoming.push(message, delivery);
  }

  /** Waits for the outgoing messages in flight, then closes every session and calls `done`. */
  close(done: () => void): void {
    if (this.closing !== null) return;
    this.closing = done;
    this.closeIfIdle();
  }

  /** Closes the sessions now, dropping what is in flight (the connection is gone). */
  destroy(): void {
    this.closing = null;
    for (const session of this.sessions) closeQuietly(session);
  }

  private closeIfIdle(): void {
    const done = this.closing;
    if (done === null || !this.outgoing.idle) return;
    this.closing = () => undefined;
    for (const session of this.sessions) closeQuietly(session);
    done();
  }
}

function closeQuietly(session: ExtensionSession): void {
  try {
    session.close();
  } catch {
    // A plugin failing to close must not keep the close frame from going out.
  }
}

/**
 * What an open session does with each message and control frame the parser hands it: a message
 * goes to the application as text or in the `binaryType` it asked for, a ping is answered with a
 * pong carrying the same payload (RFC 6455 §5.5.2), and a pong settles the `ping()` callback
 * waiting for its payload (§5.5.3).
 */
import { ControlEvent, MessageEvent, type MessageData } from './events.js';
import { asBuffer, toArrayBuffer } from './message-data.js';
import { rememberText } from './text-memo.js';
import type { WebSocketSession } from './websocket-session.js';

/** What answering pings and settling pongs needs of the connection. */
export interface ControlFrameHost {
  readonly session: WebSocketSession;
  readonly outbox: { pong(payload: Buffer): void };
  pingCallbacks: Array<[Buffer, () => void]> | null;
}

export function deliverMessage(session: WebSocketSession, data: Uint8Array, isText: boolean): void {
  const bytes = asBuffer(data);
  let value: MessageData;
  if (isText) {
    // No arguments: Node's shortest path to the UTF-8 decoder (no encoding lookup, no range checks).
    const text = bytes.toString();
    // A text echoed or relayed right away is then copied from these bytes instead of encoded again.
    rememberText(text, bytes, 0, bytes.length);
    value = text;
  } else {
    value = session.binaryType === 'arraybuffer' ? toArrayBuffer(bytes) : bytes;
  }
  session.emit('message', new MessageEvent(session, value));
}

export function answerPing(host: ControlFrameHost, payload: Uint8Array): void {
  const data = asBuffer(payload);
  host.outbox.pong(data);
  const session = host.session;
  if (session.listenerCount('ping') > 0) session.emit('ping', new ControlEvent('ping', session, data));
}

export function settlePong(host: ControlFrameHost, payload: Uint8Array): void {
  const data = asBuffer(payload);
  const callbacks = host.pingCallbacks;
  if (callbacks !== null) {
    const index = callbacks.findIndex(([sent]) => sent.equals(data));
    if (index !== -1) {
      const [, callback] = callbacks[index]!;
      callbacks.splice(index, 1);
      callback();
    }
  }
  const session = host.session;
  if (session.listenerCount('pong') > 0) session.emit('pong', new ControlEvent('pong', session, data));
}

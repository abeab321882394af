/**
 * A Node `Duplex` view of a WebSocket, for `pipeline()` and `pipe()`: written chunks go out as
 * messages, received messages come out as chunks. Backpressure runs both ways: a full
 * readable side pauses the socket, and writes wait for `drain`.
 */
import { Duplex, type DuplexOptions } from 'node:stream';
import type { MessageEvent } from './events.js';
import { engineOf, type WebSocketSession } from './websocket-session.js';

export type WebSocketStreamOptions = Omit<DuplexOptions, 'read' | 'write' | 'final' | 'destroy'>;

export function createWebSocketStream(ws: WebSocketSession, options: WebSocketStreamOptions = {}): Duplex {
  let pendingWrite: ((error?: Error | null) => void) | null = null;
  const stream = new Duplex({
    // A text-only session (a legacy draft) sends the strings written as they are, not as Buffers.
    decodeStrings: engineOf(ws).carriesBinary,
    ...options,
    read() {
      ws.resume();
    },
    write(chunk: Buffer | string, _encoding, callback) {
      if (ws.readyState > 1) return callback(new Error('the WebSocket is closed'));
      let sent: boolean;
      try {
        sent = ws.send(chunk);
      } catch (error) {
        // A chunk the session cannot send (binary on a text-only session) fails the stream, not the process.
        return callback(error as Error);
      }
      if (sent) return callback();
      pendingWrite = callback;
    },
    final(callback) {
      ws.close();
      callback();
    },
    destroy(error, callback) {
      if (ws.readyState <= 1) ws.terminate();
      callback(error);
    },
  });
  const onMessage = (event: MessageEvent): void => {
    const data = event.data instanceof ArrayBuffer ? Buffer.from(event.data) : event.data;
    if (!stream.push(data)) ws.pause();
  };
  const onDrain = (): void => {
    const callback = pendingWrite;
    pendingWrite = null;
    callback?.();
  };
  const onClose = (): void => {
    ws.off('message', onMessage);
    ws.off('drain', onDrain);
    stream.push(null);
    onDrain();
  };
  ws.on('message', onMessage);
  ws.on('drain', onDrain);
  ws.once('close', onClose);
  return stream;
}

/**
 * A peer on a raw TCP socket that completes the opening handshake and then writes frames as fast
 * as the socket takes them, reading nothing (or reading only to count, when asked): the peer the
 * server must not let grow its memory.
 */
import { randomBytes } from 'node:crypto';
import * as net from 'node:net';
import { readHead } from '../session/helpers';

export interface RawPeer {
  socket: net.Socket;
  /** Bytes that arrived after the handshake response (only while reading). */
  received: Buffer[];
  /** Writes `chunk` again and again for `ms` milliseconds, waiting for `drain` when asked; returns the bytes written. */
  flood(chunk: Buffer, ms: number): Promise<number>;
  close(): void;
}

export async function connectRawPeer(port: number, { read = false } = {}): Promise<RawPeer> {
  const socket = net.connect({ host: '127.0.0.1', port });
  socket.setNoDelay(true);
  const key = randomBytes(16).toString('base64');
  socket.write(
    `GET / HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
  );
  socket.on('error', () => {});
  const [head, rest] = await readHead(socket);
  if (!head.startsWith('HTTP/1.1 101')) throw new Error(`no 101: ${head}`);
  const received: Buffer[] = rest.length > 0 ? [rest] : [];
  // readHead left the socket paused: a peer that reads resumes it, one that never reads leaves it so.
  if (read) socket.on('data', (chunk: Buffer) => received.push(chunk)).resume();
  return {
    socket,
    received,
    async flood(chunk, ms) {
      const until = Date.now() + ms;
      let written = 0;
      while (Date.now() < until && !socket.destroyed) {
        written += chunk.length;
        if (!socket.write(chunk)) {
          // Wait for drain, but never past the deadline: a server that stopped reading never drains us.
          await new Promise<void>((resolve) => {
            const timer = setTimeout(done, Math.max(0, until - Date.now()));
            function done(): void {
              clearTimeout(timer);
              socket.off('drain', done);
              socket.off('close', done);
              resolve();
            }
            socket.once('drain', done);
            socket.once('close', done);
          });
        }
      }
      return written;
    },
    close: () => socket.destroy(),
  };
}

/**
 * Raw-socket probes for the server timeouts: a connection that trickles a WebSocket handshake one
 * header line at a time, and one that never sends a byte. Each resolves when the server cuts it, with
 * the time that took and the status line the server wrote first.
 */
import * as net from 'node:net';

export interface Cut {
  ms: number;
  statusLine: string;
}

const HANDSHAKE = [
  'GET /chat HTTP/1.1',
  'Host: 127.0.0.1',
  'Upgrade: websocket',
  'Connection: Upgrade',
  'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
  'Sec-WebSocket-Version: 13',
];

/** Opens a connection; `trickleMs` sends one more header line every so often (never the blank line). */
function probe(port: number, trickleMs: number | null, giveUpMs: number): Promise<Cut> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket = net.connect(port, '127.0.0.1');
    let received = '';
    let line = 0;
    const writeLine = (): void => {
      socket.write(`${line < HANDSHAKE.length ? HANDSHAKE[line] : `X-Pad-${line}: ${line}`}\r\n`);
      line++;
    };
    const trickle = trickleMs === null ? undefined : setInterval(writeLine, trickleMs);
    if (trickleMs !== null) socket.once('connect', writeLine);
    const giveUp = setTimeout(() => {
      socket.destroy();
      reject(new Error(`the server kept the connection open for ${giveUpMs} ms`));
    }, giveUpMs);
    socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
    socket.on('error', () => {});
    socket.on('close', () => {
      clearInterval(trickle);
      clearTimeout(giveUp);
      resolve({ ms: Date.now() - started, statusLine: received.split('\r\n')[0] ?? '' });
    });
  });
}

export function trickledHandshake(port: number, everyMs: number, giveUpMs: number): Promise<Cut> {
  return probe(port, everyMs, giveUpMs);
}

export function silentConnection(port: number, giveUpMs: number): Promise<Cut> {
  return probe(port, null, giveUpMs);
}

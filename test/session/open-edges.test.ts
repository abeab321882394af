/**
 * Edges of opening and dropping a connection that the session-level fuzzing found: a pause() and
 * resume() before `open`, frames that arrive with the handshake after a close() while connecting,
 * terminate() from a message listener with more frames behind in the same chunk, and the grace
 * timer of a close on the endpoint's own behalf (server shutdown).
 */
import * as net from 'node:net';
import { randomBytes } from 'node:crypto';
import type { WebSocket } from '../../src/index.js';
import { closeWithStatus } from '../../src/websocket-session/websocket-session.js';
import { TimerLedger } from './fuzz/timer-ledger.js';
import { cleanup, encodeClientFrame, next, Op, closePayload, startServer, upgradeRequest, within } from './helpers';

/** `open` fires on the tick after the socket is made: listen for it from the upgrade handler on. */
const opened = new WeakMap<WebSocket, Promise<unknown>>();
function listenForOpen(ws: WebSocket): void {
  opened.set(ws, next(ws, 'open'));
}

afterEach(cleanup);

test('pause() then resume() before open: the socket is read once open', async () => {
  const server = await startServer({ setup: (ws) => (listenForOpen(ws), ws.pause(), ws.resume()) });
  const socket = net.connect(server.port, '127.0.0.1');
  socket.on('error', () => {});
  socket.write(upgradeRequest(server.port));
  const ws = await server.accept();
  await opened.get(ws);
  socket.write(encodeClientFrame(Op.TEXT, 'after open'));
  expect((await next(ws, 'message')).data).toBe('after open');
  socket.destroy();
});

test('close() while connecting still reads the frames that came with the handshake: the peer\'s close completes it', async () => {
  const server = await startServer({ options: { closeTimeout: 20 }, setup: (ws) => ws.close(1000, 'bye') });
  const socket = net.connect(server.port, '127.0.0.1');
  socket.on('error', () => {});
  // Reading, so that the peer sees the server's TCP close and closes too.
  socket.resume();
  // The handshake and the peer's close frame in one write: the server gets the frame as `head`.
  socket.write(Buffer.concat([Buffer.from(upgradeRequest(server.port)), encodeClientFrame(Op.CLOSE, closePayload(1000))]));
  const ws = await server.accept();
  const closed = await within(next(ws, 'close'), 'the closing handshake to complete', 3000);
  expect([closed.code, closed.wasClean]).toEqual([1000, true]);
  socket.destroy();
});

test('terminate() from a message listener: a close frame later in the same chunk is not answered, the close is not clean', async () => {
  const server = await startServer({ setup: (ws) => (listenForOpen(ws), ws.on('message', () => ws.terminate())) });
  const socket = net.connect(server.port, '127.0.0.1');
  const received: Buffer[] = [];
  socket.on('error', () => {});
  socket.write(upgradeRequest(server.port));
  const ws = await server.accept();
  await opened.get(ws);
  socket.on('data', (chunk: Buffer) => received.push(chunk));
  socket.write(Buffer.concat([encodeClientFrame(Op.TEXT, randomBytes(4).toString('hex')), encodeClientFrame(Op.CLOSE, closePayload(1000))]));
  const closed = await next(ws, 'close');
  expect([closed.code, closed.wasClean]).toEqual([1006, false]);
  await within(new Promise((resolve) => socket.once('close', resolve)), 'the TCP close');
  // Nothing but the 101 left the server: no close frame answered the peer's.
  expect(Buffer.concat(received).toString('latin1')).not.toMatch(/\x88/);
});

test('closeWithStatus() with a grace period leaves no timer behind once the close completes', async () => {
  const ledger = TimerLedger.install('real');
  try {
    const server = await startServer({ setup: listenForOpen });
    const socket = net.connect(server.port, '127.0.0.1');
    socket.on('error', () => {});
    socket.write(upgradeRequest(server.port));
    const ws = await server.accept();
    await opened.get(ws);
    // The peer answers the server's 1001 right away: a clean close long before the grace period ends.
    socket.on('data', (chunk: Buffer) => {
      if (chunk.includes(0x88)) socket.write(encodeClientFrame(Op.CLOSE, closePayload(1001)));
    });
    closeWithStatus(ws, 1001, 60_000);
    const closed = await next(ws, 'close');
    expect([closed.code, closed.wasClean]).toEqual([1001, true]);
    expect(ledger.live().filter((timer) => timer.delayMs === 60_000)).toEqual([]);
    socket.destroy();
  } finally {
    ledger.uninstall();
  }
});

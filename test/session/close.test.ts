/**
 * close() and its arguments, the closing handshake and closeTimeout, terminate(), and
 * connections that die under the socket (reset by the peer).
 */
import { CloseArgumentError, ConnectionError, ErrorCode, WebSocket } from '../../src/index.js';
import {
  cleanup,
  closePayload,
  connectPair,
  next,
  Op,
  RawClient,
  startServer,
  wsClosed,
} from './helpers.js';

afterEach(cleanup);

function thrownBy(fn: () => void): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  return undefined;
}

describe('close() arguments', () => {
  test.each([
    ['1001 (reserved for endpoints going away)', 1001],
    ['2000', 2000],
    ['999', 999],
    ['5000', 5000],
    ['1005 (no status)', 1005],
    ['1006 (abnormal)', 1006],
    ['0', 0],
    ['2999', 2999],
    ['3000.5', 3000.5],
    ['NaN', NaN],
  ])('code %s throws CloseArgumentError, a SyntaxError, and leaves the socket open', async (_name, code) => {
    const server = await startServer();
    const { ws } = await connectPair(server);
    const error = thrownBy(() => ws.close(code));
    expect(error).toBeInstanceOf(CloseArgumentError);
    expect(error).toBeInstanceOf(SyntaxError);
    expect((error as CloseArgumentError).code).toBe('ERR_INVALID_CLOSE_CODE');
    expect(ws.readyState).toBe(WebSocket.OPEN);
  });

  test('a 124-byte reason throws; 123 bytes (multi-byte characters counted in bytes) are accepted', async () => {
    const server = await startServer();
    const { client, ws } = await connectPair(server);
    const tooLong = 'é'.repeat(62); // 124 bytes, 62 characters
    expect(Buffer.byteLength(tooLong)).toBe(124);
    const error = thrownBy(() => ws.close(1000, tooLong));
    expect(error).toBeInstanceOf(CloseArgumentError);
    expect(error).toBeInstanceOf(SyntaxError);
    expect((error as CloseArgumentError).code).toBe('ERR_CLOSE_REASON_TOO_LONG');
    expect(thrownBy(() => ws.close(1000, 'x'.repeat(124)))).toBeInstanceOf(CloseArgumentError);
    expect(ws.readyState).toBe(WebSocket.OPEN);

    const longest = 'é'.repeat(61) + 'x'; // 123 bytes
    const closed = wsClosed(client);
    ws.close(4000, longest);
    expect(await closed).toEqual({ code: 4000, reason: longest });
  });

  test.each([1000, 3000, 4999])('code %d is accepted and reaches the peer', async (code) => {
    const server = await startServer();
    const { client, ws } = await connectPair(server);
    const closed = wsClosed(client);
    const serverClosed = next(ws, 'close');
    expect(() => ws.close(code, `code ${code}`)).not.toThrow();
    expect(await closed).toEqual({ code, reason: `code ${code}` });
    expect((await serverClosed).code).toBe(code);
  });

  test('close() with no arguments sends 1000 with no reason', async () => {
    const server = await startServer();
    const client = await RawClient.connect(server.port);
    const ws = await server.accept();
    ws.close();
    expect(await client.nextFrame()).toEqual({ fin: true, opcode: Op.CLOSE, payload: closePayload(1000) });
  });

  test('a second close() while closing sends nothing more', async () => {
    const server = await startServer();
    const client = await RawClient.connect(server.port);
    const ws = await server.accept();
    ws.close(4000, 'one');
    ws.close(4001, 'two');
    expect(await client.nextFrame()).toEqual({ fin: true, opcode: Op.CLOSE, payload: closePayload(4000, 'one') });
    const closed = next(ws, 'close');
    client.send(Op.CLOSE, closePayload(4000));
    expect((await closed).code).toBe(4000);
    expect(await client.nextFrame()).toBeNull();
    expect(client.frameCount).toBe(1);
  });
});

describe('the closing handshake', () => {
  test('closeTimeout: a peer that never answers our close frame is dropped after closeTimeout, 1006, not clean', async () => {
    const server = await startServer({ options: { closeTimeout: 0.2 } });
    const client = await RawClient.connect(server.port);
    const ws = await server.accept();
    const closed = next(ws, 'close');
    const started = performance.now();
    ws.close(1000, 'bye');
    expect(await client.nextFrame()).toEqual({ fin: true, opcode: Op.CLOSE, payload: closePayload(1000, 'bye') });
    expect(ws.readyState).toBe(WebSocket.CLOSING);
    const event = await closed;
    const elapsed = performance.now() - started;
    expect([event.code, event.reason, event.wasClean]).toEqual([1006, '', false]);
    expect(elapsed).toBeGreaterThanOrEqual(190);
    expect(elapsed).toBeLessThan(1000);
    expect(ws.readyState).toBe(WebSocket.CLOSED);
    // The server dropped TCP: the raw client sees it end.
    expect(await client.nextFrame()).toBeNull();
    await client.closed;
  });

  test('a peer that answers within closeTimeout closes cleanly, well before the timeout', async () => {
    const server = await startServer({ options: { closeTimeout: 5 } });
    const client = await RawClient.connect(server.port);
    const ws = await server.accept();
    const closed = next(ws, 'close');
    const started = performance.now();
    ws.close(3003);
    await client.nextFrame();
    client.send(Op.CLOSE, closePayload(3003, 'ok'));
    const event = await closed;
    expect([event.code, event.reason, event.wasClean]).toEqual([3003, 'ok', true]);
    expect(performance.now() - started).toBeLessThan(1000);
  });

  test('the peer’s close frame is echoed with its code and the server closes TCP', async () => {
    const server = await startServer();
    const client = await RawClient.connect(server.port);
    const ws = await server.accept();
    const closed = next(ws, 'close');
    client.send(Op.CLOSE, closePayload(4321, 'peer'));
    expect(await client.nextFrame()).toEqual({ fin: true, opcode: Op.CLOSE, payload: closePayload(4321) });
    expect(await client.nextFrame()).toBeNull();
    const event = await closed;
    expect([event.code, event.reason, event.wasClean]).toEqual([4321, 'peer', true]);
  });

  test('an empty close frame is answered with an empty one and reported as 1005', async () => {
    const server = await startServer();
    const client = await RawClient.connect(server.port);
    const ws = await server.accept();
    const closed = next(ws, 'close');
    client.send(Op.CLOSE);
    expect(await client.nextFrame()).toEqual({ fin: true, opcode: Op.CLOSE, payload: Buffer.alloc(0) });
    const event = await closed;
    expect([event.code, event.reason, event.wasClean]).toEqual([1005, '', true]);
  });
});

describe('terminate()', () => {
  test('drops an open connection at once: close event 1006, not clean, exactly once', async () => {
    const server = await startServer();
    const client = await RawClient.connect(server.port);
    const ws = await server.accept();
    let closes = 0;
    ws.on('close', () => closes++);
    const closed = next(ws, 'close');
    ws.terminate();
    const event = await closed;
    expect([event.code, event.reason, event.wasClean]).toEqual([1006, '', false]);
    expect(await client.nextFrame()).toBeNull();
    expect(client.frameCount).toBe(0);
    ws.terminate();
    ws.close();
    await new Promise((resolve) => setImmediate(resolve));
    expect(closes).toBe(1);
  });

  test('during the closing handshake: ends it without waiting for closeTimeout', async () => {
    const server = await startServer({ options: { closeTimeout: 10 } });
    const client = await RawClient.connect(server.port);
    const ws = await server.accept();
    const closed = next(ws, 'close', 1000);
    ws.close(1000);
    await client.nextFrame();
    ws.terminate();
    const event = await closed;
    expect([event.code, event.wasClean]).toEqual([1006, false]);
  });

  test('while CONNECTING: no 101, no open event, one close event 1006', async () => {
    const events: string[] = [];
    const server = await startServer({
      setup: (ws) => {
        ws.on('open', () => events.push('open'));
        ws.on('close', (event) => events.push(`close:${event.code}`));
        ws.terminate();
      },
    });
    // The socket is gone before the 101 goes out.
    const refused = RawClient.connect(server.port);
    await expect(refused).rejects.toThrow('connection closed during the handshake: ');
    const ws = await server.accept();
    if (ws.readyState !== WebSocket.CLOSED) await next(ws, 'close');
    expect(events).toEqual(['close:1006']);
  });
});

describe('connections that die under the socket', () => {
  test('a peer that resets TCP: close event 1006 and one ConnectionError (ECONNRESET)', async () => {
    const server = await startServer();
    const client = await RawClient.connect(server.port);
    const ws = await server.accept();
    const errors: unknown[] = [];
    ws.on('error', (event) => errors.push(event.error));
    const closed = next(ws, 'close');
    client.socket.resetAndDestroy();
    const event = await closed;
    expect([event.code, event.reason, event.wasClean]).toEqual([1006, '', false]);
    expect(ws.readyState).toBe(WebSocket.CLOSED);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(ConnectionError);
    expect((errors[0] as ConnectionError).code).toBe(ErrorCode.SOCKET);
    expect(((errors[0] as ConnectionError).cause as NodeJS.ErrnoException).code).toBe('ECONNRESET');
  });

  test('a reset with no error listener and a large write in flight does not crash', async () => {
    const server = await startServer();
    const client = await RawClient.connect(server.port);
    const ws = await server.accept();
    client.socket.pause();
    const closed = next(ws, 'close');
    ws.send(Buffer.alloc(8 * 1024 * 1024));
    client.socket.resetAndDestroy();
    // Writes after the reset must not throw either.
    const sendLater = new Promise<boolean>((resolve) => setImmediate(() => resolve(ws.send('after reset'))));
    const event = await closed;
    expect([event.code, event.wasClean]).toEqual([1006, false]);
    expect(typeof (await sendLater)).toBe('boolean');
    expect(ws.send('after close')).toBe(false);
  });

  test('a reset during the closing handshake still gives one close event, 1006', async () => {
    const server = await startServer({ options: { closeTimeout: 10 } });
    const client = await RawClient.connect(server.port);
    const ws = await server.accept();
    let closes = 0;
    ws.on('close', () => closes++);
    const closed = next(ws, 'close', 1000);
    ws.close(4000);
    await client.nextFrame();
    client.socket.resetAndDestroy();
    const event = await closed;
    expect([event.code, event.wasClean]).toEqual([1006, false]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(closes).toBe(1);
  });
});

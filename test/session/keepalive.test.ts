/**
 * The `ping` option (keep-alive), and the session's timers being cleared when it ends.
 * Intervals are small (0.1 s) because the behaviour under test is itself about time.
 */
import { ConnectionError, ErrorCode, WebSocket } from '../../src/index.js';
import {
  cleanup,
  closePayload,
  connectPair,
  next,
  nextEmit,
  Op,
  RawClient,
  startServer,
  within,
  wsClosed,
} from './helpers.js';

afterEach(async () => {
  jest.restoreAllMocks();
  await cleanup();
});

describe('the ping option', () => {
  test('a peer that never answers is dropped after two intervals: one ping, an error WS_ERR_PING_TIMEOUT, close 1006', async () => {
    const opened = new Map<WebSocket, number>();
    const server = await startServer({
      options: { ping: 0.1 },
      setup: (ws) => ws.on('open', () => opened.set(ws, performance.now())),
    });
    const client = await RawClient.connect(server.port);
    const ws = await server.accept();
    const errors: unknown[] = [];
    ws.on('error', (event) => errors.push(event.error));
    const event = await next(ws, 'close', 2000);
    const elapsed = performance.now() - opened.get(ws)!;
    expect([event.code, event.reason, event.wasClean]).toEqual([1006, '', false]);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(ConnectionError);
    expect((errors[0] as ConnectionError).code).toBe(ErrorCode.PING_TIMEOUT);
    expect(elapsed).toBeGreaterThanOrEqual(190);
    expect(elapsed).toBeLessThan(1000);
    // Exactly one ping went out (at the first interval); the second interval dropped the peer.
    expect(await client.nextFrame()).toEqual({ fin: true, opcode: Op.PING, payload: Buffer.alloc(0) });
    expect(await client.nextFrame()).toBeNull();
  });

  test('a peer that answers every ping stays connected across several intervals', async () => {
    const server = await startServer({ options: { ping: 0.1 } });
    const client = await RawClient.connect(server.port);
    const ws = await server.accept();
    let pongs = 0;
    ws.on('pong', () => pongs++);
    const errors: unknown[] = [];
    ws.on('error', (event) => errors.push(event.error));
    for (let i = 0; i < 5; i++) {
      const ping = await client.nextFrame(1000);
      expect(ping).toEqual({ fin: true, opcode: Op.PING, payload: Buffer.alloc(0) });
      client.send(Op.PONG, ping!.payload);
    }
    expect(ws.readyState).toBe(WebSocket.OPEN);
    expect(errors).toEqual([]);
    expect(pongs).toBeGreaterThanOrEqual(4);
  });

  test('any traffic from the peer counts as a sign of life', async () => {
    const server = await startServer({ options: { ping: 0.1 } });
    const client = await RawClient.connect(server.port);
    const ws = await server.accept();
    let messages = 0;
    ws.on('message', () => messages++);
    // Never a pong, but a message every half interval, for five intervals.
    const chatter = setInterval(() => client.send(Op.TEXT, 'still here'), 50);
    try {
      let pings = 0;
      while (pings < 5) {
        const frame = await client.nextFrame(1000);
        expect(frame).not.toBeNull();
        if (frame!.opcode === Op.PING) pings++;
      }
    } finally {
      clearInterval(chatter);
    }
    expect(ws.readyState).toBe(WebSocket.OPEN);
    expect(messages).toBeGreaterThanOrEqual(5);
  });

  test('a ws client (which answers pings itself) stays connected across several intervals', async () => {
    const server = await startServer({ options: { ping: 0.1 } });
    const { client, ws } = await connectPair(server);
    let pongs = 0;
    ws.on('pong', () => pongs++);
    let closed = false;
    ws.on('close', () => (closed = true));
    for (let i = 0; i < 4; i++) await nextEmit(client, 'ping', 1000);
    // The server has heard the pongs of at least the first three pings.
    expect(pongs).toBeGreaterThanOrEqual(3);
    expect(closed).toBe(false);
    expect(ws.readyState).toBe(WebSocket.OPEN);
    expect(client.readyState).toBe(client.OPEN);
  });
});

describe('timers are cleared when the session ends', () => {
  const PING_MS = 150;
  const CLOSE_MS = 350;

  /** Records the timers the session makes (recognised by their delays) and the ones cleared. */
  function watchTimers(): { made: Array<[string, unknown]>; cleared: Set<unknown> } {
    const made: Array<[string, unknown]> = [];
    const cleared = new Set<unknown>();
    const realSetTimeout = globalThis.setTimeout;
    const realSetInterval = globalThis.setInterval;
    const realClearTimeout = globalThis.clearTimeout;
    const realClearInterval = globalThis.clearInterval;
    type Timer = (callback: (...args: unknown[]) => void, ms?: number, ...args: unknown[]) => NodeJS.Timeout;
    jest.spyOn(globalThis, 'setTimeout').mockImplementation(((callback, ms, ...args) => {
      const timer = (realSetTimeout as unknown as Timer)(callback, ms, ...args);
      if (ms === CLOSE_MS) made.push(['closeTimeout', timer]);
      return timer;
    }) as Timer as unknown as typeof setTimeout);
    jest.spyOn(globalThis, 'setInterval').mockImplementation(((callback, ms, ...args) => {
      const timer = (realSetInterval as unknown as Timer)(callback, ms, ...args);
      if (ms === PING_MS) made.push(['ping', timer]);
      return timer;
    }) as Timer as unknown as typeof setInterval);
    jest.spyOn(globalThis, 'clearTimeout').mockImplementation((timer) => {
      cleared.add(timer);
      realClearTimeout(timer);
    });
    jest.spyOn(globalThis, 'clearInterval').mockImplementation((timer) => {
      cleared.add(timer);
      realClearInterval(timer);
    });
    return { made, cleared };
  }

  function uncleared(watch: ReturnType<typeof watchTimers>): string[] {
    return watch.made.filter(([, timer]) => !watch.cleared.has(timer)).map(([name]) => name);
  }

  const options = { ping: PING_MS / 1000, closeTimeout: CLOSE_MS / 1000 };

  function serverClosed(server: { server: import('node:http').Server }): Promise<void> {
    return within(new Promise<void>((resolve) => server.server.close(() => resolve())), 'server.close()');
  }

  test('closed by the server: keep-alive and close timers cleared, server.close() resolves', async () => {
    const watch = watchTimers();
    const server = await startServer({ options });
    const { client, ws } = await connectPair(server);
    const closed = next(ws, 'close');
    const clientClosed = wsClosed(client);
    ws.close(1000);
    const event = await closed;
    await clientClosed;
    expect(event.wasClean).toBe(true);
    expect(watch.made.map(([name]) => name)).toEqual(['ping', 'closeTimeout']);
    expect(uncleared(watch)).toEqual([]);
    await serverClosed(server);
  });

  test('closed by the client: timers cleared, server.close() resolves', async () => {
    const watch = watchTimers();
    const server = await startServer({ options });
    const { client, ws } = await connectPair(server);
    const closed = next(ws, 'close');
    client.close(3000);
    expect((await closed).code).toBe(3000);
    expect(watch.made.map(([name]) => name)).toEqual(['ping', 'closeTimeout']);
    expect(uncleared(watch)).toEqual([]);
    await serverClosed(server);
  });

  test('terminated: the keep-alive timer is cleared', async () => {
    const watch = watchTimers();
    const server = await startServer({ options });
    const { ws } = await connectPair(server);
    const closed = next(ws, 'close');
    ws.terminate();
    await closed;
    expect(watch.made.map(([name]) => name)).toEqual(['ping']);
    expect(uncleared(watch)).toEqual([]);
    await serverClosed(server);
  });

  test('reset by the peer during the closing handshake: timers cleared', async () => {
    const watch = watchTimers();
    const server = await startServer({ options });
    const client = await RawClient.connect(server.port);
    const ws = await server.accept();
    const closed = next(ws, 'close');
    ws.close(1000);
    expect(await client.nextFrame()).toEqual({ fin: true, opcode: Op.CLOSE, payload: closePayload(1000) });
    client.socket.resetAndDestroy();
    await closed;
    expect(watch.made.map(([name]) => name)).toEqual(['ping', 'closeTimeout']);
    expect(uncleared(watch)).toEqual([]);
    await serverClosed(server);
  });
});

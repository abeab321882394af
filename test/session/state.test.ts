/**
 * readyState, its constants and transitions, the order of events, and the socket's
 * descriptive properties (url, protocol, version, extensions).
 */
import { WebSocket, WebSocketSession, ReadyState } from '../../src/index.js';
import {
  cleanup,
  closePayload,
  connectPair,
  encodeClientFrame,
  next,
  Op,
  RawClient,
  startServer,
  wsClosed,
} from './helpers.js';

afterEach(cleanup);

/** The events of one hatchway socket as short strings, in order. */
function journal(ws: WebSocket): string[] {
  const events: string[] = [];
  ws.on('open', () => events.push('open'));
  ws.on('message', (event) => events.push(`message:${String(event.data)}`));
  ws.on('close', (event) => events.push(`close:${event.code}:${event.wasClean}`));
  ws.on('error', (event) => events.push(`error:${(event.error as { code?: string }).code}`));
  return events;
}

/** Resolves on the next macrotask turn: room for any stray event to show up. */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('readyState constants', () => {
  test('on the class', () => {
    expect([WebSocket.CONNECTING, WebSocket.OPEN, WebSocket.CLOSING, WebSocket.CLOSED]).toEqual([0, 1, 2, 3]);
    expect([
      WebSocketSession.CONNECTING,
      WebSocketSession.OPEN,
      WebSocketSession.CLOSING,
      WebSocketSession.CLOSED,
    ]).toEqual([0, 1, 2, 3]);
    expect(ReadyState).toEqual({ CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3 });
  });

  test('on the instance', async () => {
    const server = await startServer();
    const { ws } = await connectPair(server);
    expect([ws.CONNECTING, ws.OPEN, ws.CLOSING, ws.CLOSED]).toEqual([0, 1, 2, 3]);
    expect(ws.version).toBe('hybi-13');
  });
});

describe('readyState transitions and event order', () => {
  test('CONNECTING in the upgrade handler, OPEN at open, CLOSING after close(), CLOSED at close', async () => {
    const states: Array<[string, number]> = [];
    const server = await startServer({
      setup: (ws) => {
        states.push(['constructed', ws.readyState]);
        ws.on('open', () => {
          states.push(['open', ws.readyState]);
          ws.close(1000);
          states.push(['close() called', ws.readyState]);
        });
        ws.on('close', () => states.push(['close', ws.readyState]));
      },
    });
    const client = await RawClient.connect(server.port);
    const ws = await server.accept();
    const closeFrame = await client.nextFrame();
    expect(closeFrame).toEqual({ fin: true, opcode: Op.CLOSE, payload: closePayload(1000) });
    const closed = next(ws, 'close');
    client.send(Op.CLOSE, closePayload(1000));
    await closed;
    expect(states).toEqual([
      ['constructed', 0],
      ['open', 1],
      ['close() called', 2],
      ['close', 3],
    ]);
  });

  test('open once, messages, then close once; nothing after the peer’s close frame', async () => {
    const journals = new Map<WebSocket, string[]>();
    const server = await startServer({ setup: (ws) => journals.set(ws, journal(ws)) });
    const client = await RawClient.connect(server.port);
    const ws = await server.accept();
    const events = journals.get(ws)!;
    const closed = next(ws, 'close');
    client.send(Op.TEXT, 'a');
    // A close frame, then a message the peer should never have sent: it must not be delivered.
    client.socket.write(
      Buffer.concat([
        encodeClientFrame(Op.CLOSE, closePayload(1000, 'bye')),
        encodeClientFrame(Op.TEXT, 'b'),
      ]),
    );
    const event = await closed;
    expect([event.code, event.reason, event.wasClean]).toEqual([1000, 'bye', true]);
    // The server answered the close, then closed TCP.
    expect(await client.nextFrame()).toEqual({ fin: true, opcode: Op.CLOSE, payload: closePayload(1000) });
    expect(await client.nextFrame()).toBeNull();
    ws.close();
    ws.terminate();
    await settle();
    expect(events).toEqual(['open', 'message:a', 'close:1000:true']);
    expect(ws.readyState).toBe(WebSocket.CLOSED);
  });

  test('messages arriving after our close() are not delivered', async () => {
    const server = await startServer();
    const client = await RawClient.connect(server.port);
    const ws = await server.accept();
    const events = journal(ws);
    expect(ws.readyState).toBe(WebSocket.OPEN);
    client.send(Op.TEXT, 'before');
    await next(ws, 'message');
    ws.close(3001, 'going');
    expect(await client.nextFrame()).toEqual({ fin: true, opcode: Op.CLOSE, payload: closePayload(3001, 'going') });
    const closed = next(ws, 'close');
    client.send(Op.TEXT, 'late');
    client.send(Op.CLOSE, closePayload(3001));
    const event = await closed;
    expect([event.code, event.wasClean]).toEqual([3001, true]);
    expect(events).toEqual(['message:before', 'close:3001:true']);
  });

  test('send() and ping() after close return false and send nothing', async () => {
    const server = await startServer();
    const { client, ws } = await connectPair(server);
    const received: unknown[] = [];
    client.on('message', (data) => received.push(data));
    const closed = wsClosed(client);
    ws.close();
    expect(ws.send('too late')).toBe(false);
    expect(ws.ping()).toBe(false);
    expect(ws.pong()).toBe(false);
    await closed;
    expect(ws.send('later still')).toBe(false);
    expect(received).toEqual([]);
  });

  test('close() while CONNECTING: no open event; the close frame follows the handshake', async () => {
    const journals = new Map<WebSocket, string[]>();
    const states: number[] = [];
    const server = await startServer({
      setup: (ws) => {
        journals.set(ws, journal(ws));
        ws.close(4000, 'not now');
        states.push(ws.readyState);
        expect(ws.send('queued?')).toBe(false);
      },
    });
    const client = await RawClient.connect(server.port);
    const ws = await server.accept();
    expect(await client.nextFrame()).toEqual({ fin: true, opcode: Op.CLOSE, payload: closePayload(4000, 'not now') });
    const closed = next(ws, 'close');
    client.send(Op.CLOSE, closePayload(4000));
    const event = await closed;
    expect([event.code, event.wasClean]).toEqual([4000, true]);
    expect(states).toEqual([WebSocket.CLOSING]);
    expect(journals.get(ws)).toEqual(['close:4000:true']);
    expect(await client.nextFrame()).toBeNull();
    expect(client.frameCount).toBe(1);
  });
});

describe('descriptive properties', () => {
  test('url, protocol, version, extensions, binaryType, bufferedAmount', async () => {
    const server = await startServer({ protocols: ['chat'] });
    const { ws } = await connectPair(server, '/room/7?user=ann', ['chat']);
    expect(ws.url).toBe(`ws://127.0.0.1:${server.port}/room/7?user=ann`);
    expect(ws.protocol).toBe('chat');
    expect(ws.version).toBe('hybi-13');
    expect(ws.extensions).toBe('');
    expect(ws.binaryType).toBe('nodebuffer');
    expect(ws.bufferedAmount).toBe(0);
  });

  test('protocol is empty when the server has none to offer', async () => {
    const server = await startServer();
    const client = await RawClient.connect(server.port, '/', { 'Sec-WebSocket-Protocol': 'chat' });
    const ws = await server.accept();
    expect(ws.protocol).toBe('');
    expect(client.response).not.toMatch(/sec-websocket-protocol/i);
  });
});

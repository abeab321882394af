/**
 * The listener forms: `on()`, the `onopen`/`onmessage`/`onclose`/`onerror` properties, and
 * `addEventListener`/`removeEventListener` (with `{ once: true }`), all seeing the same event
 * objects, with `event.target` the socket.
 */
import { CloseEvent, ErrorEvent, MessageEvent, ProtocolError, WebSocket, WebSocketEvent } from '../../src/index.js';
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

type AnyEvent = { type: string; target: unknown };

describe('handler properties', () => {
  test('onopen, onmessage, onclose and onerror receive the same objects as on(), with target === ws', async () => {
    const log: Array<[string, AnyEvent]> = [];
    const server = await startServer({
      setup: (ws) => {
        for (const type of ['open', 'message', 'error', 'close'] as const) {
          ws.on(type, (event: AnyEvent) => log.push([`on:${type}`, event]));
        }
        ws.onopen = (event) => log.push(['onopen', event]);
        ws.onmessage = (event) => log.push(['onmessage', event]);
        ws.onerror = (event) => log.push(['onerror', event]);
        ws.onclose = (event) => log.push(['onclose', event]);
      },
    });
    const client = await RawClient.connect(server.port);
    const ws = await server.accept();
    const closed = next(ws, 'close');
    client.send(Op.TEXT, 'hi');
    client.send(Op.TEXT, Buffer.from([0xff])); // invalid UTF-8: an error event, then close 1007
    const close = await closed;
    expect(close.code).toBe(1007);

    expect(log.map(([who]) => who)).toEqual([
      'on:open',
      'onopen',
      'on:message',
      'onmessage',
      'on:error',
      'onerror',
      'on:close',
      'onclose',
    ]);
    for (let i = 0; i < log.length; i += 2) expect(log[i + 1]![1]).toBe(log[i]![1]);
    for (const [, event] of log) expect(event.target).toBe(ws);
    const [open, message, error, closeEvent] = [0, 2, 4, 6].map((i) => log[i]![1]);
    expect(open).toBeInstanceOf(WebSocketEvent);
    expect(open!.type).toBe('open');
    expect(message).toBeInstanceOf(MessageEvent);
    expect((message as MessageEvent).data).toBe('hi');
    expect(error).toBeInstanceOf(ErrorEvent);
    expect((error as ErrorEvent).error).toBeInstanceOf(ProtocolError);
    expect((error as ErrorEvent).message).toBe((error as ErrorEvent).error.message);
    expect(closeEvent).toBeInstanceOf(CloseEvent);
    expect(closeEvent).toBe(close);
  });

  test('a handler property reads back, replaces the previous one, and null removes it', async () => {
    const server = await startServer();
    const { client, ws } = await connectPair(server);
    const calls: string[] = [];
    const first = (event: MessageEvent): void => void calls.push(`first:${String(event.data)}`);
    const second = (event: MessageEvent): void => void calls.push(`second:${String(event.data)}`);
    expect(ws.onmessage).toBeNull();
    ws.onmessage = first;
    expect(ws.onmessage).toBe(first);
    ws.onmessage = second;
    expect(ws.onmessage).toBe(second);
    expect(ws.listenerCount('message')).toBe(1);

    client.send('one');
    await next(ws, 'message');
    ws.onmessage = null;
    expect(ws.onmessage).toBeNull();
    expect(ws.listenerCount('message')).toBe(0);
    client.send('two');
    await next(ws, 'message');
    expect(calls).toEqual(['second:one']);
  });

  test('handlers run with this === ws', async () => {
    const server = await startServer();
    const { client, ws } = await connectPair(server);
    let self: unknown;
    ws.onmessage = function (this: unknown) {
      self = this;
    };
    client.send('x');
    await next(ws, 'message');
    expect(self).toBe(ws);
  });
});

describe('addEventListener and removeEventListener', () => {
  test('functions and handleEvent objects get the same event as on(), in the order added', async () => {
    const server = await startServer();
    const { client, ws } = await connectPair(server);
    const seen: Array<[string, MessageEvent]> = [];
    ws.addEventListener('message', (event) => seen.push(['listener', event]));
    ws.on('message', (event) => seen.push(['on', event]));
    ws.addEventListener('message', { handleEvent: (event: MessageEvent) => seen.push(['object', event]) });
    client.send('m');
    await next(ws, 'message');
    expect(seen.map(([who]) => who)).toEqual(['listener', 'on', 'object']);
    expect(seen[1]![1]).toBe(seen[0]![1]);
    expect(seen[2]![1]).toBe(seen[0]![1]);
    expect(seen[0]![1].target).toBe(ws);
    expect(seen[0]![1].data).toBe('m');
  });

  test('{ once: true } runs once; adding the same listener twice is one listener', async () => {
    const server = await startServer();
    const { client, ws } = await connectPair(server);
    const once: unknown[] = [];
    const always: unknown[] = [];
    const onceListener = (event: MessageEvent): void => void once.push(event.data);
    const alwaysListener = (event: MessageEvent): void => void always.push(event.data);
    ws.addEventListener('message', onceListener, { once: true });
    ws.addEventListener('message', alwaysListener);
    ws.addEventListener('message', alwaysListener);
    for (const text of ['a', 'b', 'c']) {
      client.send(text);
      await next(ws, 'message');
    }
    expect(once).toEqual(['a']);
    expect(always).toEqual(['a', 'b', 'c']);
  });

  test('removeEventListener removes it (also a { once } one before it fired), and leaves on() listeners alone', async () => {
    const server = await startServer();
    const { client, ws } = await connectPair(server);
    const calls: string[] = [];
    const listener = (): void => void calls.push('listener');
    const onceListener = (): void => void calls.push('once');
    const handler = { handleEvent: (): void => void calls.push('object') };
    ws.addEventListener('message', listener);
    ws.addEventListener('message', onceListener, { once: true });
    ws.addEventListener('message', handler);
    ws.on('message', listener); // the same function through on(): a separate registration
    ws.removeEventListener('message', listener);
    ws.removeEventListener('message', onceListener);
    ws.removeEventListener('message', handler);
    client.send('x');
    await next(ws, 'message');
    expect(calls).toEqual(['listener']);
    expect(ws.listenerCount('message')).toBe(1);
  });

  test('the handler property and addEventListener with the same function are independent', async () => {
    const server = await startServer();
    const { client, ws } = await connectPair(server);
    const calls: string[] = [];
    const fn = (event: MessageEvent): void => void calls.push(String(event.data));
    ws.onmessage = fn;
    ws.addEventListener('message', fn);
    client.send('1');
    await next(ws, 'message');
    expect(calls).toEqual(['1', '1']);
    ws.removeEventListener('message', fn);
    expect(ws.onmessage).toBe(fn);
    client.send('2');
    await next(ws, 'message');
    expect(calls).toEqual(['1', '1', '2']);
  });

  test('close listeners added every way see one close event with code, reason, wasClean', async () => {
    const server = await startServer();
    const { client, ws } = await connectPair(server);
    const events: CloseEvent[] = [];
    ws.onclose = (event) => events.push(event);
    ws.addEventListener('close', (event) => events.push(event), { once: true });
    ws.on('close', (event) => events.push(event));
    const clientClosed = wsClosed(client);
    ws.close(4002, 'done');
    await clientClosed;
    if (ws.readyState !== WebSocket.CLOSED) await next(ws, 'close');
    expect(events).toHaveLength(3);
    expect(new Set(events).size).toBe(1);
    expect([events[0]!.type, events[0]!.code, events[0]!.reason, events[0]!.wasClean]).toEqual([
      'close',
      4002,
      'done',
      true,
    ]);
  });
});

describe('ping and pong events', () => {
  test('carry the control payload, with target === ws', async () => {
    const server = await startServer();
    const client = await RawClient.connect(server.port);
    const ws = await server.accept();
    const ping = next(ws, 'ping');
    client.send(Op.PING, 'p1');
    const pingEvent = await ping;
    expect([pingEvent.type, pingEvent.data.toString(), pingEvent.target]).toEqual(['ping', 'p1', ws]);
    expect(await client.nextFrame()).toEqual({ fin: true, opcode: Op.PONG, payload: Buffer.from('p1') });
    const pong = next(ws, 'pong');
    client.socket.write(encodeClientFrame(Op.PONG, 'unsolicited'));
    const pongEvent = await pong;
    expect([pongEvent.type, pongEvent.data.toString(), pongEvent.target]).toEqual(['pong', 'unsolicited', ws]);
    client.send(Op.CLOSE, closePayload(1000));
  });
});

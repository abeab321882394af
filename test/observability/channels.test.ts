/**
 * The diagnostics channels of docs/observability.md: each fires at its point with the message its
 * type describes, for server and client WebSockets, event streams and Hub publishes; and with no
 * subscriber, nothing is published at all (no message object is made).
 */
import * as dc from 'node:diagnostics_channel';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  Client,
  EventSource,
  Hub,
  ProtocolError,
  HandshakeError,
  type WebSocketOpenMessage,
  type WebSocketCloseMessage,
  type WebSocketErrorMessage,
  type EventSourceOpenMessage,
  type EventSourceCloseMessage,
  type HubPublishMessage,
} from '../../src/index.js';
import { cleanup, connectPair, next, RawClient, startServer, within, wsClient, nextEmit } from '../session/helpers.js';

const NAMES = [
  'hatchway:websocket:open',
  'hatchway:websocket:close',
  'hatchway:websocket:error',
  'hatchway:eventsource:open',
  'hatchway:eventsource:close',
  'hatchway:hub:publish',
] as const;
type Name = (typeof NAMES)[number];

/** Subscribes to every channel; `seen` keeps the messages in order, `wait` resolves on a matching one. */
function record() {
  const seen: Array<{ name: Name; message: any }> = [];
  const waiters: Array<{ test: (name: Name, message: any) => boolean; resolve: (message: any) => void }> = [];
  const handlers = NAMES.map((name) => {
    const handler = (message: unknown): void => {
      seen.push({ name, message });
      for (const w of [...waiters]) {
        if (w.test(name, message)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(message);
        }
      }
    };
    dc.subscribe(name, handler);
    return [name, handler] as const;
  });
  return {
    seen,
    of: (name: Name) => seen.filter((s) => s.name === name).map((s) => s.message),
    wait<T>(name: Name, test: (message: T) => boolean = () => true): Promise<T> {
      const found = seen.find((s) => s.name === name && test(s.message));
      if (found !== undefined) return Promise.resolve(found.message);
      return within(new Promise<T>((resolve) => waiters.push({ test: (n, m) => n === name && test(m), resolve })), name);
    },
    stop: () => {
      for (const [name, handler] of handlers) dc.unsubscribe(name, handler);
    },
  };
}

let recorder: ReturnType<typeof record> | null = null;
const httpServers = new Set<http.Server>();

afterEach(async () => {
  recorder?.stop();
  recorder = null;
  for (const server of httpServers) server.closeAllConnections();
  await Promise.all([...httpServers].map((s) => new Promise((resolve) => s.close(resolve))));
  httpServers.clear();
  jest.restoreAllMocks();
  await cleanup();
});

async function listen(handler: http.RequestListener): Promise<number> {
  const server = http.createServer(handler);
  httpServers.add(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

describe('WebSocket channels', () => {
  test('open and close for both roles, with the close code, reason and who started it', async () => {
    const r = (recorder = record());
    const server = await startServer();
    const client = new Client(server.url + '/obs');
    const ws = await server.accept();
    const serverOpen = await r.wait<WebSocketOpenMessage>('hatchway:websocket:open', (m) => m.websocket === ws);
    const clientOpen = await r.wait<WebSocketOpenMessage>('hatchway:websocket:open', (m) => m.websocket === client);
    // Compared by identity: a deep equality would walk the sockets themselves.
    expect(serverOpen.websocket).toBe(ws);
    expect(clientOpen.websocket).toBe(client);
    expect(Object.keys(serverOpen).sort()).toEqual(['role', 'websocket']);
    expect([serverOpen.role, clientOpen.role]).toEqual(['server', 'client']);
    expect(clientOpen.websocket).toBeInstanceOf(Client);

    client.close(4000, 'bye');
    const clientClose = await r.wait<WebSocketCloseMessage>('hatchway:websocket:close', (m) => m.websocket === client);
    const serverClose = await r.wait<WebSocketCloseMessage>('hatchway:websocket:close', (m) => m.websocket === ws);
    // The close event reports the peer's frame: the server echoes the code without the reason.
    expect({ ...clientClose, websocket: 'client' }).toEqual({ websocket: 'client', role: 'client', code: 4000, reason: '', wasClean: true, initiatedBy: 'local' });
    expect({ ...serverClose, websocket: 'server' }).toEqual({ websocket: 'server', role: 'server', code: 4000, reason: 'bye', wasClean: true, initiatedBy: 'peer' });
    expect(r.of('hatchway:websocket:error')).toEqual([]);
  });

  test('the channel message comes before the listeners run', async () => {
    const r = (recorder = record());
    const seenByListener: number[] = [];
    const server = await startServer({ setup: (ws) => ws.on('open', () => seenByListener.push(r.of('hatchway:websocket:open').length)) });
    wsClient(server.url);
    const ws = await server.accept();
    await r.wait<WebSocketOpenMessage>('hatchway:websocket:open', (m) => m.websocket === ws);
    expect(seenByListener).toEqual([1]);
  });

  test('a protocol error (an unmasked client frame): error with closeCode 1002, then close 1002 started here', async () => {
    const r = (recorder = record());
    const server = await startServer();
    const raw = await RawClient.connect(server.port);
    const ws = await server.accept();
    // FIN + text, length 2, no mask bit: RFC 6455 §5.1 says the server must fail the connection.
    raw.socket.write(Buffer.from([0x81, 0x02, 0x68, 0x69]));
    const error = await r.wait<WebSocketErrorMessage>('hatchway:websocket:error', (m) => m.websocket === ws);
    expect(error.websocket).toBe(ws);
    expect(error.role).toBe('server');
    expect(error.error).toBeInstanceOf(ProtocolError);
    expect((error.error as ProtocolError).closeCode).toBe(1002);
    const close = await r.wait<WebSocketCloseMessage>('hatchway:websocket:close', (m) => m.websocket === ws);
    expect(close).toMatchObject({ websocket: ws, code: 1002, initiatedBy: 'local' });
  });

  test('a refused handshake: error on both sides (HandshakeError 403), close 1006 and no open', async () => {
    const r = (recorder = record());
    const server = await startServer({ options: { origins: ['https://allowed.example'] } });
    const client = new Client(server.url, null, { headers: { Origin: 'https://other.example' } });
    client.on('error', () => {});
    const ws = await server.accept();
    ws.on('error', () => {});
    const serverError = await r.wait<WebSocketErrorMessage>('hatchway:websocket:error', (m) => m.websocket === ws);
    const clientError = await r.wait<WebSocketErrorMessage>('hatchway:websocket:error', (m) => m.websocket === client);
    expect(serverError.error).toBeInstanceOf(HandshakeError);
    expect((serverError.error as HandshakeError).statusCode).toBe(403);
    expect(clientError.websocket).toBe(client);
    expect(clientError.error).toBeInstanceOf(HandshakeError);
    const serverClose = await r.wait<WebSocketCloseMessage>('hatchway:websocket:close', (m) => m.websocket === ws);
    const clientClose = await r.wait<WebSocketCloseMessage>('hatchway:websocket:close', (m) => m.websocket === client);
    expect(serverClose).toMatchObject({ websocket: ws, code: 1006, wasClean: false, initiatedBy: null });
    expect(clientClose).toMatchObject({ websocket: client, code: 1006, wasClean: false });
    expect(r.of('hatchway:websocket:open')).toEqual([]);
  });
});

describe('EventSource channels', () => {
  test('open when the stream starts, close with the reason', async () => {
    const r = (recorder = record());
    const streams: EventSource[] = [];
    const port = await listen((req, res) => streams.push(new EventSource(req, res)));
    const request = http.get({ host: '127.0.0.1', port, path: '/events', headers: { Accept: 'text/event-stream' } });
    request.on('error', () => {});
    const [response] = await nextEmit<[http.IncomingMessage]>(request, 'response');
    response.resume();
    const open = await r.wait<EventSourceOpenMessage>('hatchway:eventsource:open');
    expect(open).toEqual({ eventSource: streams[0] });
    streams[0]!.close();
    const close = await r.wait<EventSourceCloseMessage>('hatchway:eventsource:close');
    expect(close).toEqual({ eventSource: streams[0], reason: 'closed', error: null });
  });

  test('a client that goes away: close with "disconnected"', async () => {
    const r = (recorder = record());
    const streams: EventSource[] = [];
    const port = await listen((req, res) => streams.push(new EventSource(req, res)));
    const request = http.get({ host: '127.0.0.1', port, path: '/', headers: { Accept: 'text/event-stream' } });
    request.on('error', () => {});
    await r.wait('hatchway:eventsource:open');
    request.destroy();
    const close = await r.wait<EventSourceCloseMessage>('hatchway:eventsource:close');
    expect(close).toEqual({ eventSource: streams[0], reason: 'disconnected', error: null });
  });
});

describe('Hub channel', () => {
  test('each accepted publish: the hub, topic, id, event name and byte size', async () => {
    const r = (recorder = record());
    const hub = new Hub();
    const id = await hub.publish('room', 'héllo', { event: 'greeting' });
    const message = await r.wait<HubPublishMessage>('hatchway:hub:publish');
    expect(message).toEqual({ hub, topic: 'room', id, event: 'greeting', bytes: 6 });
    const own = await hub.publish('room', Buffer.alloc(10), { id: 'mine-1' });
    const second = await r.wait<HubPublishMessage>('hatchway:hub:publish', (m) => m.id === own);
    expect(second).toEqual({ hub, topic: 'room', id: 'mine-1', event: undefined, bytes: 10 });
    await hub.close();
    await expect(hub.publish('room', 'late')).rejects.toThrow('closed');
    expect(r.of('hatchway:hub:publish')).toHaveLength(2);
  });
});

describe('with no subscriber', () => {
  test('nothing is published on any channel', async () => {
    const spies = NAMES.map((name) => {
      const channel = dc.channel(name);
      expect(channel.hasSubscribers).toBe(false);
      return jest.spyOn(channel, 'publish');
    });
    const server = await startServer();
    const { client, ws } = await connectPair(server);
    ws.send('x');
    await nextEmit(client, 'message');
    client.close(1000);
    await next(ws, 'close');

    const raw = await RawClient.connect(server.port);
    const failed = await server.accept();
    raw.socket.write(Buffer.from([0x81, 0x00]));
    await next(failed, 'close');

    const streams: EventSource[] = [];
    const port = await listen((req, res) => streams.push(new EventSource(req, res)));
    const request = http.get({ host: '127.0.0.1', port, path: '/', headers: { Accept: 'text/event-stream' } });
    request.on('error', () => {});
    await nextEmit(request, 'response');
    streams[0]!.close();

    const hub = new Hub();
    await hub.publish('room', 'data');
    await new Promise((resolve) => setImmediate(resolve));
    await hub.close();
    for (const spy of spies) expect(spy).not.toHaveBeenCalled();
  });
});

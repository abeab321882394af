/**
 * Every check of the server's handshake response (RFC 6455 §4.1, client steps 1-6), each
 * provoked by a raw `net` server answering with crafted bytes: the failure is one `error` with a
 * typed `HandshakeError` naming the check, then `close` with 1006; `statusCode` and `headers`
 * stay readable. Masked frames after open fail the connection with 1002.
 */
import type * as net from 'node:net';
import { Client } from '../../src/index.js';
import { encodeFrame, Op } from '../conformance/frame-encoder.js';
import { acceptFor, closeAll, nextEvent, rawServer, record, type RawRequest } from './helpers.js';

afterEach(closeAll);

type Respond = (request: RawRequest) => string[];

/** A raw server answering each request with the given head lines (status line first). */
async function answering(respond: Respond, after?: (socket: net.Socket, request: RawRequest) => void) {
  return rawServer((request, socket) => {
    socket.write(respond(request).join('\r\n') + '\r\n\r\n');
    after?.(socket, request);
  });
}

const ok = (request: RawRequest): string[] => [
  'HTTP/1.1 101 Switching Protocols',
  'Upgrade: websocket',
  'Connection: Upgrade',
  `Sec-WebSocket-Accept: ${acceptFor(request.key)}`,
];

function without(lines: string[], name: string): string[] {
  return lines.filter((line) => !line.toLowerCase().startsWith(`${name.toLowerCase()}:`));
}

function replace(lines: string[], name: string, value: string): string[] {
  return [...without(lines, name), `${name}: ${value}`];
}

const failures: Array<[string, string, Respond, string | string[] | null, number]> = [
  ['status 200 with the upgrade headers', 'WS_ERR_HANDSHAKE_STATUS', (r) => ['HTTP/1.1 200 OK', ...ok(r).slice(1), 'Content-Length: 0'], null, 200],
  ['status 400', 'WS_ERR_HANDSHAKE_STATUS', () => ['HTTP/1.1 400 Bad Request', 'Content-Length: 0'], null, 400],
  ['status 426 with Sec-WebSocket-Version', 'WS_ERR_HANDSHAKE_STATUS', () => ['HTTP/1.1 426 Upgrade Required', 'Sec-WebSocket-Version: 13', 'Content-Length: 0'], null, 426],
  ['no Upgrade header', 'WS_ERR_HANDSHAKE_UPGRADE', (r) => without(ok(r), 'Upgrade'), null, 101],
  ['Upgrade: h2c', 'WS_ERR_HANDSHAKE_UPGRADE', (r) => replace(ok(r), 'Upgrade', 'h2c'), null, 101],
  ['Upgrade: websocket2', 'WS_ERR_HANDSHAKE_UPGRADE', (r) => replace(ok(r), 'Upgrade', 'websocket2'), null, 101],
  ['no Connection header', 'WS_ERR_HANDSHAKE_CONNECTION', (r) => without(ok(r), 'Connection'), null, 101],
  ['Connection: keep-alive (no upgrade token)', 'WS_ERR_HANDSHAKE_CONNECTION', (r) => replace(ok(r), 'Connection', 'keep-alive'), null, 101],
  ['Connection: upgraded (a longer token)', 'WS_ERR_HANDSHAKE_CONNECTION', (r) => replace(ok(r), 'Connection', 'upgraded'), null, 101],
  ['no Sec-WebSocket-Accept', 'WS_ERR_HANDSHAKE_ACCEPT', (r) => without(ok(r), 'Sec-WebSocket-Accept'), null, 101],
  ['Sec-WebSocket-Accept for another key', 'WS_ERR_HANDSHAKE_ACCEPT', (r) => replace(ok(r), 'Sec-WebSocket-Accept', acceptFor('dGhlIHNhbXBsZSBub25jZQ==')), null, 101],
  ['Sec-WebSocket-Accept echoing the key itself', 'WS_ERR_HANDSHAKE_ACCEPT', (r) => replace(ok(r), 'Sec-WebSocket-Accept', r.key), null, 101],
  ['Sec-WebSocket-Accept sent twice', 'WS_ERR_HANDSHAKE_ACCEPT', (r) => [...ok(r), `Sec-WebSocket-Accept: ${acceptFor(r.key)}`], null, 101],
  ['a protocol that was not offered', 'WS_ERR_HANDSHAKE_PROTOCOL', (r) => [...ok(r), 'Sec-WebSocket-Protocol: superchat'], ['chat'], 101],
  ['a protocol when none was offered', 'WS_ERR_HANDSHAKE_PROTOCOL', (r) => [...ok(r), 'Sec-WebSocket-Protocol: chat'], null, 101],
  ['two protocols at once', 'WS_ERR_HANDSHAKE_PROTOCOL', (r) => [...ok(r), 'Sec-WebSocket-Protocol: chat, superchat'], ['chat', 'superchat'], 101],
  ['an extension that was not offered', 'WS_ERR_HANDSHAKE_EXTENSION', (r) => [...ok(r), 'Sec-WebSocket-Extensions: permessage-deflate'], null, 101],
  ['an unknown extension with parameters', 'WS_ERR_HANDSHAKE_EXTENSION', (r) => [...ok(r), 'Sec-WebSocket-Extensions: x-custom; a=1'], null, 101],
];

describe('each failed check: error with its code, then close 1006', () => {
  test.each(failures)('%s → %s', async (_what, code, respond, protocols, status) => {
    const server = await answering(respond);
    const c = record(server.url, protocols);
    const event = await c.closed;
    expect([event.code, event.reason, event.wasClean]).toEqual([1006, '', false]);
    expect(c.log).toEqual(['error', 'close']);
    expect(c.errors.map((e) => [e.name, e.code])).toEqual([['HandshakeError', code]]);
    expect(c.errors[0]!.statusCode).toBe(status);
    expect(c.client.statusCode).toBe(status);
    expect(c.client.protocol).toBe('');
    expect(c.client.readyState).toBe(Client.CLOSED);
    // The headers of the refused response stay readable, under lower-case names.
    const sent = respond(server.requests[0]!).slice(1).map((line) => line.slice(0, line.indexOf(':')).toLowerCase());
    expect(Object.keys(c.client.headers).sort()).toEqual([...new Set(sent)].sort());
  });

  test('the headers of a refused 101 are kept (lower-cased, duplicates joined)', async () => {
    const server = await answering((r) => [...ok(r), 'Sec-WebSocket-Protocol: nope', 'X-Trace: one', 'X-Trace: two']);
    const c = record(server.url, 'chat');
    await c.closed;
    expect(c.errors[0]!.code).toBe('WS_ERR_HANDSHAKE_PROTOCOL');
    expect(c.client.headers['sec-websocket-protocol']).toBe('nope');
    expect(c.client.headers['x-trace']).toBe('one, two');
    expect(c.client.headers.upgrade).toBe('websocket');
  });

  test('the client drops the TCP connection after a failed check', async () => {
    const server = await answering((r) => replace(ok(r), 'Sec-WebSocket-Accept', 'wrong'));
    const c = record(server.url);
    await server.accepted(1);
    const dropped = nextEvent(server.sockets[0]!, 'close', 'the server side to see the client drop the connection');
    await c.closed;
    await dropped;
  });
});

describe('responses that are valid', () => {
  test.each([
    ['Connection: Upgrade, keep-alive', (r: RawRequest) => replace(ok(r), 'Connection', 'Upgrade, keep-alive')],
    ['Connection: keep-alive, UPGRADE', (r: RawRequest) => replace(ok(r), 'Connection', 'keep-alive, UPGRADE')],
    ['Connection split over two header lines', (r: RawRequest) => [...without(ok(r), 'Connection'), 'Connection: keep-alive', 'Connection: upgrade']],
    ['Upgrade: WebSocket (any case)', (r: RawRequest) => replace(ok(r), 'Upgrade', 'WebSocket')],
    ['a status text other than "Switching Protocols"', (r: RawRequest) => ['HTTP/1.1 101 Whatever', ...ok(r).slice(1)]],
    ['no Sec-WebSocket-Protocol when one was offered (the server chose none)', (r: RawRequest) => ok(r)],
  ])('%s is accepted', async (_what, respond) => {
    const server = await answering(respond);
    const c = record(server.url, 'chat');
    await c.opened;
    expect(c.client.readyState).toBe(Client.OPEN);
    expect(c.client.statusCode).toBe(101);
    expect(c.client.protocol).toBe('');
    expect(c.errors).toEqual([]);
  });

  test('frames sent in the same TCP write as the 101 are delivered after open', async () => {
    const server = await rawServer((request, socket) => {
      const frames = Buffer.concat([
        encodeFrame({ opcode: Op.TEXT, payload: 'first', mask: false }),
        encodeFrame({ opcode: Op.BINARY, payload: Buffer.from([1, 2, 3]), mask: false }),
      ]);
      socket.write(Buffer.concat([Buffer.from(ok(request).join('\r\n') + '\r\n\r\n', 'latin1'), frames]));
    });
    const c = record(server.url);
    expect(await c.nextMessage()).toBe('first');
    expect(await c.nextMessage()).toEqual(Buffer.from([1, 2, 3]));
    expect(c.log).toEqual(['open', 'message', 'message']);
  });
});

describe('masked frames from the server fail the connection with 1002', () => {
  /** Reads the client's first frame (masked) from `socket`: opcode and unmasked payload. */
  function clientFrame(socket: net.Socket): Promise<{ opcode: number; masked: boolean; payload: Buffer }> {
    return nextEvent<Buffer>(socket, 'data', "the client's close frame").then((data) => {
      const masked = (data[1]! & 0x80) !== 0;
      const length = data[1]! & 0x7f;
      const key = data.subarray(2, 6);
      const payload = Buffer.from(data.subarray(6, 6 + length));
      for (let i = 0; i < payload.length; i++) payload[i]! ^= key[i & 3]!;
      return { opcode: data[0]! & 0x0f, masked, payload };
    });
  }

  test.each([
    ['a masked text frame', { opcode: Op.TEXT, payload: 'hidden' }],
    ['a masked binary frame', { opcode: Op.BINARY, payload: Buffer.from([1, 2]) }],
    ['a masked ping', { opcode: Op.PING, payload: 'ping?' }],
    ['a masked close', { opcode: Op.CLOSE, payload: Buffer.from([0x03, 0xe8]) }],
    ['a masked empty frame with an all-zero key', { opcode: Op.TEXT, payload: '', mask: Buffer.alloc(4) }],
  ])('%s: open, error WS_ERR_UNEXPECTED_MASK, close frame 1002 to the server, close 1002', async (_what, spec) => {
    let serverSide: net.Socket | undefined;
    const server = await rawServer((request, socket) => {
      serverSide = socket;
      socket.write(ok(request).join('\r\n') + '\r\n\r\n');
    });
    const c = record(server.url);
    await c.opened;
    const reply = clientFrame(serverSide!);
    serverSide!.write(encodeFrame({ mask: true, ...spec }));
    const frame = await reply;
    expect(frame.opcode).toBe(Op.CLOSE);
    expect(frame.masked).toBe(true);
    expect(frame.payload.readUInt16BE(0)).toBe(1002);
    serverSide!.end();
    const event = await c.closed;
    expect([event.code, event.wasClean]).toEqual([1002, false]);
    expect(c.log).toEqual(['open', 'error', 'close']);
    expect(c.errors.map((e) => [e.name, e.code])).toEqual([['ProtocolError', 'WS_ERR_UNEXPECTED_MASK']]);
    expect(c.messages).toEqual([]);
  });
});

/**
 * Cases only a client has (RFC 6455 §4.1, §5.1, §5.3, §7.1.1), played by the raw server:
 *  H  the opening handshake request, and each check of the server's response;
 *  M  masking: every client frame masked with a fresh key, masked server frames fail with 1002;
 *  C  closing as a client: TCP left to the server, close timeout, a server that just drops TCP.
 */
import { acceptFor } from '../../client/helpers';
import { encodeFrame, Op } from '../frame-encoder';
import { useClientHarness } from './client-harness';
import { RawPeer } from './raw-server';

const h = useClientHarness();

describe('client H opening handshake', () => {
  test('client H.1 the request: GET path?query HTTP/1.1, Host, Upgrade, Connection, a 16-byte key, version 13, offered protocols', async () => {
    const { request } = await h.accept({ path: '/chat/room?id=7', protocols: ['chat', 'superchat'] });
    expect(request.requestLine).toBe('GET /chat/room?id=7 HTTP/1.1');
    expect(request.headers.host).toBe(`127.0.0.1:${h.port}`);
    expect(request.headers.upgrade?.toLowerCase()).toBe('websocket');
    expect(request.headers.connection?.toLowerCase().split(/\s*,\s*/)).toContain('upgrade');
    expect(request.headers['sec-websocket-version']).toBe('13');
    expect(request.key).toMatch(/^[A-Za-z0-9+/]{22}==$/);
    expect(Buffer.from(request.key, 'base64')).toHaveLength(16);
    expect(request.headers['sec-websocket-protocol']).toBe('chat, superchat');
  });

  const failures: Array<[string, string, string, (key: string) => string[], string[] | null]> = [
    ['client H.2', 'a non-101 status (200)', 'WS_ERR_HANDSHAKE_STATUS', (k) => ['HTTP/1.1 200 OK', 'Upgrade: websocket', 'Connection: Upgrade', `Sec-WebSocket-Accept: ${acceptFor(k)}`, 'Content-Length: 0'], null],
    ['client H.3', 'a non-101 status (403)', 'WS_ERR_HANDSHAKE_STATUS', () => ['HTTP/1.1 403 Forbidden', 'Content-Length: 0'], null],
    ['client H.4', 'a missing Upgrade', 'WS_ERR_HANDSHAKE_UPGRADE', (k) => ['HTTP/1.1 101 Switching Protocols', 'Connection: Upgrade', `Sec-WebSocket-Accept: ${acceptFor(k)}`], null],
    ['client H.5', 'Connection without the upgrade token', 'WS_ERR_HANDSHAKE_CONNECTION', (k) => ['HTTP/1.1 101 Switching Protocols', 'Upgrade: websocket', 'Connection: close', `Sec-WebSocket-Accept: ${acceptFor(k)}`], null],
    ['client H.6', 'a bad Sec-WebSocket-Accept', 'WS_ERR_HANDSHAKE_ACCEPT', () => ['HTTP/1.1 101 Switching Protocols', 'Upgrade: websocket', 'Connection: Upgrade', 'Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo='], null],
    ['client H.7', 'a protocol that was not offered', 'WS_ERR_HANDSHAKE_PROTOCOL', (k) => ['HTTP/1.1 101 Switching Protocols', 'Upgrade: websocket', 'Connection: Upgrade', `Sec-WebSocket-Accept: ${acceptFor(k)}`, 'Sec-WebSocket-Protocol: other'], ['chat']],
    ['client H.8', 'an extension that was not offered', 'WS_ERR_HANDSHAKE_EXTENSION', (k) => ['HTTP/1.1 101 Switching Protocols', 'Upgrade: websocket', 'Connection: Upgrade', `Sec-WebSocket-Accept: ${acceptFor(k)}`, 'Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits'], null],
  ];

  test.each(failures)('%s %s: error %s, close 1006, TCP dropped', async (_id, _what, code, respond, protocols) => {
    const { socket, request, client } = await h.accept({ protocols: protocols ?? undefined });
    const ended = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    socket.resume();
    socket.write(`${respond(request.key).join('\r\n')}\r\n\r\n`);
    await client.expectClosed({ code: 1006, wasClean: false, errors: [code] });
    expect(client.log).toEqual(['error', 'close']);
    await ended;
  });

  test('client H.9 Connection: Upgrade, keep-alive is a valid token list', async () => {
    const { socket, request, client } = await h.accept();
    socket.resume();
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade, keep-alive\r\nSec-WebSocket-Accept: ${acceptFor(request.key)}\r\n\r\n`);
    await new Promise<void>((resolve, reject) => {
      client.client.once('open', () => resolve());
      client.client.once('close', () => reject(new Error(`closed: ${client.errors.map((e) => e.code).join()}`)));
    });
    expect(client.client.readyState).toBe(1);
  });

  test('client H.10 frames in the same TCP write as the 101 are delivered after open', async () => {
    const afterResponse = Buffer.concat([
      encodeFrame({ opcode: Op.TEXT, payload: 'early', mask: false }),
      encodeFrame({ opcode: Op.PING, payload: 'early ping', mask: false }),
    ]);
    const { peer, client } = await h.connect({ afterResponse });
    await peer.expectText('early');
    await peer.expectPong('early ping');
    await peer.closeCleanly();
    await client.expectClosed({ code: 1000, wasClean: true });
    peer.assertDone();
  });
});

describe('client M masking', () => {
  test('client M.1 every frame from the client is masked, each with a fresh non-zero key', async () => {
    const { peer, client } = await h.connect();
    const count = 50;
    for (let i = 0; i < count; i++) await peer.sendText(`message ${i}`);
    for (let i = 0; i < count; i++) await peer.expectText(`message ${i}`);
    await peer.closeCleanly();
    await client.expectClosed({ code: 1000, wasClean: true });
    peer.assertDone();
    // The close reply is a frame too.
    expect(peer.frames).toHaveLength(count + 1);
    expect(peer.frames.every((f) => f.masked)).toBe(true);
    const keys = new Set(peer.frames.map((f) => f.key!.toString('hex')));
    expect(keys.size).toBe(count + 1);
    expect(keys.has('00000000')).toBe(false);
  });

  test.each([
    ['client M.2', 'text', Op.TEXT, 'hidden'],
    ['client M.3', 'binary', Op.BINARY, Buffer.from([1, 2, 3])],
    ['client M.4', 'ping', Op.PING, 'ping'],
    ['client M.5', 'pong', Op.PONG, 'pong'],
    ['client M.6', 'close', Op.CLOSE, Buffer.from([0x03, 0xe8])],
    ['client M.7', 'continuation of a fragmented text', Op.CONTINUATION, 'rest'],
  ])('%s a masked %s frame from the server fails the connection with 1002', async (id, _what, opcode, payload) => {
    const { peer, client } = await h.connect();
    if (id === 'client M.7') await peer.sendFrame({ opcode: Op.TEXT, fin: false, payload: 'start' });
    await peer.sendFrame({ opcode, payload, mask: true });
    await peer.expectClose(1002, { allowDrop: true });
    await client.expectClosed({ code: 1002, wasClean: false, errors: ['WS_ERR_UNEXPECTED_MASK'] });
    expect(client.log).toEqual(['open', 'error', 'close']);
    peer.assertDone();
  });
});

describe('client C closing as a client', () => {
  test('client C.1 close(): the client sends close and leaves TCP to the server; the server\'s close completes it', async () => {
    const { peer, client } = await h.connect();
    client.client.close(4000, 'client done');
    const frame = await peer.expectCloseFrame([4000]);
    expect(frame.reason.toString()).toBe('client done');
    // RFC 6455 §7.1.1: the client waits for the server to close TCP.
    await peer.expectSilence(100, 'the client must not close TCP before the server answers');
    await peer.sendClose(4000);
    peer.socket.end();
    await peer.expectTcpClosed();
    await client.expectClosed({ code: 4000, wasClean: true });
    peer.assertDone();
  });

  test('client C.2 close() and a server that never answers: the close timeout drops TCP, close 1006', async () => {
    const { peer, client } = await h.connect({ clientOptions: { closeTimeout: 0.2 } });
    client.client.close();
    await peer.expectCloseFrame([1000]);
    await peer.expectTcpClosed('the client to drop TCP after closeTimeout', 3000);
    await client.expectClosed({ code: 1006, wasClean: false });
    peer.assertDone();
  });

  test('client C.3 the server drops TCP without a close frame: close 1006, not clean, no close frame sent', async () => {
    const { peer, client } = await h.connect();
    await peer.sendText('last words');
    await peer.expectText('last words');
    peer.socket.end();
    await peer.expectTcpClosed();
    await client.expectClosed({ code: 1006, wasClean: false });
    peer.assertDone();
  });

  test('client C.4 the client sends before the handshake completes: queued until open, nothing written early', async () => {
    const { socket, request, rest, client } = await h.accept();
    expect(client.client.send('queued')).toBe(false);
    expect(rest.length).toBe(0);
    const peer = new RawPeer(socket, request, rest);
    socket.resume();
    await peer.expectSilence(50, 'nothing may be sent before the 101');
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${acceptFor(request.key)}\r\n\r\n`);
    await peer.expectText('queued');
    await peer.closeCleanly();
    await client.expectClosed({ code: 1000, wasClean: true });
    peer.assertDone();
  });
});

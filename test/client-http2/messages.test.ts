/**
 * The client over HTTP/2 (RFC 8441) against the codec-only fixture, h2c and TLS: the extended
 * CONNECT's header block (§4, §5), messages both ways (text, binary, 1 MiB, fragmented), ping and
 * pong, and the closing handshake with its codes in both directions ending in END_STREAM.
 */
import { Opcode, encodeFragments } from '../../src/ws-frame-parser/index.js';
import { openClient, record } from '../client/helpers.js';
import { clientHttp2Suite } from './suite.js';
import { startFixture, type Fixture } from './h2-fixture.js';

const suite = clientHttp2Suite({ emptyPoolAfterEach: false });

const variants: Array<[string, () => Promise<{ fixture: Fixture; tls?: { rootCertFile: string } }>]> = [
  ['h2c (ws:)', async () => ({ fixture: await startFixture({ protocols: ['chat'] }) })],
  [
    'h2 over TLS (wss:)',
    async () => ({ fixture: await startFixture({ protocols: ['chat'], tls: { key: suite.certs.server.private, cert: suite.certs.server.cert } }), tls: { rootCertFile: suite.certs.caFile } }),
  ],
];

describe.each(variants)('%s', (_name, start) => {
  test('the extended CONNECT carries the WebSocket headers and none of HTTP/1.1 upgrade', async () => {
    const { fixture, tls } = await start();
    const c = await openClient(`${fixture.origin}/chat/room?x=1`, ['superchat', 'chat'], {
      http2: true,
      ...(tls !== undefined ? { tls } : {}),
      headers: { Origin: 'https://app.example', 'X-Token': 'abc', 'Keep-Alive': '5' },
    });
    const headers = fixture.requests[0]!;
    const secure = fixture.origin.startsWith('wss:');
    expect(headers[':method']).toBe('CONNECT');
    expect(headers[':protocol']).toBe('websocket');
    expect(headers[':scheme']).toBe(secure ? 'https' : 'http');
    expect(headers[':path']).toBe('/chat/room?x=1');
    expect(headers[':authority']).toBe(new URL(fixture.origin).host);
    expect(headers['sec-websocket-version']).toBe('13');
    expect(headers['sec-websocket-protocol']).toBe('superchat, chat');
    expect(headers.origin).toBe('https://app.example');
    expect(headers['x-token']).toBe('abc');
    for (const absent of ['sec-websocket-key', 'upgrade', 'connection', 'keep-alive', 'sec-websocket-extensions']) expect(headers[absent]).toBeUndefined();
    expect(c.client.protocol).toBe('chat');
    expect(c.client.statusCode).toBe(200);
    expect(c.client.headers['sec-websocket-protocol']).toBe('chat');
    expect(Object.keys(c.client.headers).some((name) => name.startsWith(':'))).toBe(false);
    expect(c.client.url).toBe(`${fixture.origin}/chat/room?x=1`);
  });

  test('text, binary, empty and 1 MiB messages go through masked and come back', async () => {
    const { fixture, tls } = await start();
    const c = await openClient(`${fixture.origin}/`, null, { http2: true, ...(tls !== undefined ? { tls } : {}) });
    const big = Buffer.alloc(1024 * 1024);
    for (let i = 0; i < big.length; i++) big[i] = (i * 31) & 0xff;
    c.client.send('héllo');
    c.client.send(Buffer.from([0, 1, 2, 255]));
    c.client.send('');
    c.client.send(big);
    expect(await c.nextMessage()).toBe('héllo');
    expect(await c.nextMessage()).toEqual(Buffer.from([0, 1, 2, 255]));
    expect(await c.nextMessage()).toBe('');
    expect(Buffer.compare((await c.nextMessage()) as Buffer, big)).toBe(0);
    // The fixture's parser is in the server role: it refuses unmasked frames (RFC 6455 §5.1), so they were masked.
    const peer = fixture.peers[0]!;
    expect(peer.messages.map((m) => [m.isText, m.data.length])).toEqual([
      [true, 6],
      [false, 4],
      [true, 0],
      [false, big.length],
    ]);
  });

  test('a fragmented message from the server arrives whole; ping and pong go both ways', async () => {
    const { fixture, tls } = await start();
    const c = await openClient(`${fixture.origin}/`, null, { http2: true, ...(tls !== undefined ? { tls } : {}) });
    const peer = await fixture.peer();
    for (const frame of encodeFragments({ opcode: Opcode.TEXT }, Buffer.from('one two three'), 4)) peer.stream.write(frame);
    expect(await c.nextMessage()).toBe('one two three');
    const ponged = new Promise<void>((resolve) => c.client.ping(Buffer.from('p1'), resolve));
    await ponged;
    expect(peer.pings).toEqual([Buffer.from('p1')]);
    const pinged = new Promise<Buffer>((resolve) => c.client.once('ping', (event) => resolve(event.data as Buffer)));
    peer.frame(Opcode.PING, 'from server');
    expect((await pinged).toString()).toBe('from server');
    expect(c.log).toEqual(['open', 'message', 'pong', 'ping']);
  });

  test('the client closes with 4001: the server echoes it and the stream ends cleanly', async () => {
    const { fixture, tls } = await start();
    const c = await openClient(`${fixture.origin}/`, null, { http2: true, ...(tls !== undefined ? { tls } : {}) });
    const peer = await fixture.peer();
    c.client.close(4001, 'bye now');
    expect(await peer.closeFrame).toEqual({ code: 4001, reason: 'bye now' });
    const event = await c.closed;
    expect([event.code, event.reason, event.wasClean]).toEqual([4001, 'bye now', true]);
    // END_STREAM both ways, no RST_STREAM.
    expect(await peer.streamClosed).toBe(0);
  });

  test('the server closes with 1001: the client answers and closes cleanly', async () => {
    const { fixture, tls } = await start();
    const c = await openClient(`${fixture.origin}/`, null, { http2: true, ...(tls !== undefined ? { tls } : {}) });
    const peer = await fixture.peer();
    peer.close(1001, 'going away');
    // The client's answer echoes the code (RFC 6455 §5.5.1).
    expect((await peer.closeFrame).code).toBe(1001);
    const event = await c.closed;
    expect([event.code, event.reason, event.wasClean]).toEqual([1001, 'going away', true]);
    expect(await peer.streamClosed).toBe(0);
    expect(c.errors).toEqual([]);
  });
});

test('a protocol error from the server closes with 1002 and the close frame goes out on the stream', async () => {
  const fixture = await startFixture();
  const c = record(`${fixture.origin}/`, null, { http2: true });
  await c.opened;
  const peer = await fixture.peer();
  // A masked frame from a server (RFC 6455 §5.1).
  peer.stream.write(Buffer.from([0x81, 0x82, 1, 2, 3, 4, 0x61 ^ 1, 0x62 ^ 2]));
  expect((await peer.closeFrame).code).toBe(1002);
  const event = await c.closed;
  expect(event.code).toBe(1002);
  expect(c.errors.map((e) => e.code)).toEqual(['WS_ERR_UNEXPECTED_MASK']);
});

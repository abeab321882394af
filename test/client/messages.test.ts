/**
 * Messages, pings and closes between the client and two real servers (hatchway's own and the
 * `ws` library's): text, binary, empty and 16 MiB messages both ways, fragmented messages from
 * the server, `ping(payload, cb)` and pongs in both directions, close codes and `wasClean`
 * whichever side closes.
 */
import { Client } from '../../src/index.js';
import { closeAll, openClient, within } from './helpers.js';
import { SERVERS } from './peers.js';

afterEach(closeAll);

const MiB = 1024 * 1024;

describe.each(SERVERS)('against the %s server', (name, start) => {
  test('text, binary and empty messages go out and come back exactly', async () => {
    const server = await start({ echo: true });
    const c = await openClient(server.url);
    const peer = await server.nextPeer();
    const binary = Buffer.from([0, 1, 2, 0xfe, 0xff]);
    c.client.send('hello, ünïcødé 𤭢');
    c.client.send(binary);
    c.client.send('');
    c.client.send(Buffer.alloc(0));
    expect(await c.nextMessage()).toBe('hello, ünïcødé 𤭢');
    expect(await c.nextMessage()).toEqual(binary);
    expect(await c.nextMessage()).toBe('');
    const emptyBinary = await c.nextMessage();
    expect(Buffer.isBuffer(emptyBinary)).toBe(true);
    expect((emptyBinary as Buffer).length).toBe(0);
    expect(peer.received).toEqual(['hello, ünïcødé 𤭢', binary, '', Buffer.alloc(0)]);
  });

  test('ArrayBuffer, typed arrays, DataView and byte arrays go as binary; binaryType arraybuffer delivers ArrayBuffers', async () => {
    const server = await start({ echo: true });
    const c = await openClient(server.url);
    const peer = await server.nextPeer();
    c.client.binaryType = 'arraybuffer';
    const bytes = new Uint8Array([10, 20, 30, 40]);
    c.client.send(bytes.buffer);
    c.client.send(new Uint16Array([0x0102, 0x0304]));
    c.client.send(new DataView(bytes.buffer, 1, 2));
    c.client.send([7, 8, 9]);
    await peer.message(4);
    expect(peer.received).toEqual([Buffer.from([10, 20, 30, 40]), Buffer.from(new Uint16Array([0x0102, 0x0304]).buffer), Buffer.from([20, 30]), Buffer.from([7, 8, 9])]);
    const first = await c.nextMessage();
    expect(first).toBeInstanceOf(ArrayBuffer);
    expect([...new Uint8Array(first as ArrayBuffer)]).toEqual([10, 20, 30, 40]);
    for (let i = 0; i < 3; i++) expect(await c.nextMessage()).toBeInstanceOf(ArrayBuffer);
  });

  test('a 16 MiB binary message and a 16 MiB text message go out and come back intact', async () => {
    const server = await start({ echo: true });
    const c = await openClient(server.url);
    await server.nextPeer();
    const binary = Buffer.alloc(16 * MiB);
    for (let i = 0; i < binary.length; i += 4096) binary.writeUInt32BE(i, i);
    const text = 'ab€'.repeat((16 * MiB) / 5);
    c.client.send(binary);
    c.client.send(text);
    const back = (await c.nextMessage('the 16 MiB binary echo', 20_000)) as Buffer;
    expect(back.length).toBe(binary.length);
    expect(back.equals(binary)).toBe(true);
    const backText = (await c.nextMessage('the 16 MiB text echo', 20_000)) as string;
    expect(backText.length).toBe(text.length);
    expect(backText === text).toBe(true);
  }, 30_000);

  test('messages sent before open are queued and go out in order on open', async () => {
    const server = await start();
    const c = new Client(server.url);
    expect(c.readyState).toBe(Client.CONNECTING);
    expect(c.send('first')).toBe(false);
    expect(c.send(Buffer.from('second'))).toBe(false);
    expect(c.bufferedAmount).toBe(11);
    const closed = within(new Promise((resolve) => c.on('close', resolve)), 'close');
    const peer = await server.nextPeer();
    await peer.message(2);
    expect(peer.received).toEqual(['first', Buffer.from('second')]);
    c.close();
    await closed;
  });

  if (name === 'ws') {
    test('a message the server sends in fragments arrives as one message', async () => {
      const server = await start();
      const c = await openClient(server.url);
      const peer = await server.nextPeer();
      peer.sendFragments!([Buffer.from('frag'), Buffer.from('ment'), Buffer.from('ed €')], false);
      peer.sendFragments!([Buffer.from([1, 2]), Buffer.alloc(0), Buffer.from([3])], true);
      expect(await c.nextMessage()).toBe('fragmented €');
      expect(await c.nextMessage()).toEqual(Buffer.from([1, 2, 3]));
    });
  }

  test('the server pings: the client answers with the same payload and emits ping', async () => {
    const server = await start();
    const c = await openClient(server.url);
    const peer = await server.nextPeer();
    const pinged = within(new Promise<Buffer>((resolve) => c.client.on('ping', (event) => resolve(event.data))), 'the ping event');
    expect(await peer.ping(Buffer.from('are you there'))).toEqual(Buffer.from('are you there'));
    expect(await pinged).toEqual(Buffer.from('are you there'));
    expect(await peer.ping(Buffer.alloc(0))).toEqual(Buffer.alloc(0));
  });

  test('the client pings: ping(payload, cb) returns true, the server sees the payload, cb runs on the pong', async () => {
    const server = await start();
    const c = await openClient(server.url);
    const peer = await server.nextPeer();
    const pongs: Buffer[] = [];
    c.client.on('pong', (event) => pongs.push(event.data));
    const order: string[] = [];
    const both = within(
      new Promise<void>((resolve) => {
        expect(c.client.ping('one', () => order.push('one'))).toBe(true);
        expect(c.client.ping(Buffer.from([0, 255]), () => {
          order.push('two');
          resolve();
        })).toBe(true);
      }),
      'both ping callbacks',
    );
    await both;
    expect(order).toEqual(['one', 'two']);
    expect(pongs).toEqual([Buffer.from('one'), Buffer.from([0, 255])]);
    expect(peer.pings).toEqual([Buffer.from('one'), Buffer.from([0, 255])]);
    expect(() => c.client.ping(Buffer.alloc(126))).toThrow(expect.objectContaining({ code: 'ERR_CONTROL_PAYLOAD_TOO_LONG' }));
  });

  test.each([
    [1000, ''],
    [1000, 'done'],
    [4000, 'custom'],
    [3999, 'é'.repeat(61)],
  ])('the client closes with %i: the server sees it, the client gets a clean close with the echoed code', async (code, reason) => {
    const server = await start();
    const c = await openClient(server.url);
    const peer = await server.nextPeer();
    c.client.close(code, reason);
    expect(c.client.readyState).toBe(Client.CLOSING);
    const event = await c.closed;
    // The event carries the server's close frame: ws echoes the reason, hatchway echoes the code only.
    expect([event.code, event.reason, event.wasClean]).toEqual([code, name === 'ws' ? reason : '', true]);
    expect(await peer.closed).toEqual({ code, reason });
    expect(c.client.readyState).toBe(Client.CLOSED);
    expect(c.log).toEqual(['open', 'close']);
  });

  test('close() without arguments closes with 1000 and an empty reason', async () => {
    const server = await start();
    const c = await openClient(server.url);
    const peer = await server.nextPeer();
    c.client.close();
    const event = await c.closed;
    expect([event.code, event.reason, event.wasClean]).toEqual([1000, '', true]);
    expect(await peer.closed).toEqual({ code: 1000, reason: '' });
  });

  test.each([
    [1000, 'bye'],
    [1001, ''],
    [4999, 'the end'],
  ])('the server closes with %i: the client echoes it and reports a clean close with that code', async (code, reason) => {
    const server = await start();
    const c = await openClient(server.url);
    const peer = await server.nextPeer();
    peer.close(code, reason);
    const event = await c.closed;
    expect([event.code, event.reason, event.wasClean]).toEqual([code, reason, true]);
    expect((await peer.closed).code).toBe(code);
    expect(c.errors).toEqual([]);
  });

  test('invalid close arguments throw and leave the connection open', async () => {
    const server = await start({ echo: true });
    const c = await openClient(server.url);
    await server.nextPeer();
    expect(() => c.client.close(1001)).toThrow(expect.objectContaining({ name: 'CloseArgumentError', code: 'ERR_INVALID_CLOSE_CODE' }));
    expect(() => c.client.close(1000, 'x'.repeat(124))).toThrow(expect.objectContaining({ code: 'ERR_CLOSE_REASON_TOO_LONG' }));
    expect(c.client.readyState).toBe(Client.OPEN);
    c.client.send('still open');
    expect(await c.nextMessage()).toBe('still open');
  });

  test('terminate() after open drops the connection: close 1006, not clean, the server sees 1006', async () => {
    const server = await start();
    const c = await openClient(server.url);
    const peer = await server.nextPeer();
    c.client.terminate();
    const event = await c.closed;
    expect([event.code, event.wasClean]).toEqual([1006, false]);
    expect((await peer.closed).code).toBe(1006);
  });

  test('the version is hybi-13 and the request says Sec-WebSocket-Version: 13', async () => {
    const server = await start();
    const c = await openClient(server.url + '/some/path?x=1');
    const peer = await server.nextPeer();
    expect(c.client.version).toBe('hybi-13');
    expect(peer.request.headers['sec-websocket-version']).toBe('13');
    expect(peer.request.url).toBe('/some/path?x=1');
    expect(c.client.url).toBe(`${server.url}/some/path?x=1`);
  });
});

/**
 * The raw server's own checks, fed with crafted "client" frames over a real socket pair: it must
 * catch every client-side breach it claims to, and its expectations must fail on a wrong echo.
 * (A harness that cannot fail would pass any client.)
 */
import * as net from 'node:net';
import { parseRequest } from '../../client/helpers';
import { encodeFrame, Op, type FrameSpec } from '../frame-encoder';
import { RawPeer } from './raw-server';

let server: net.Server;
let port = 0;
const accepted: Array<(socket: net.Socket) => void> = [];
const sockets = new Set<net.Socket>();

beforeAll(async () => {
  server = net.createServer((socket) => {
    sockets.add(socket);
    accepted.shift()?.(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as net.AddressInfo).port;
});
afterEach(() => {
  for (const socket of sockets) socket.destroy();
  sockets.clear();
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

/** A peer on the server side, and the raw socket that plays the client. */
async function pair(): Promise<{ peer: RawPeer; fake: net.Socket }> {
  const serverSide = new Promise<net.Socket>((resolve) => accepted.push(resolve));
  const fake = net.connect(port, '127.0.0.1');
  sockets.add(fake);
  fake.on('error', () => undefined);
  const socket = await serverSide;
  return { peer: new RawPeer(socket, parseRequest('GET / HTTP/1.1\r\nHost: x')), fake };
}

async function violationsFor(specs: FrameSpec[]): Promise<string[]> {
  const { peer, fake } = await pair();
  const closed = new Promise((resolve) => peer.socket.once('close', resolve));
  fake.end(Buffer.concat(specs.map((spec) => encodeFrame(spec))));
  // Everything the fake sent has been read once the connection is closed.
  await closed;
  return peer.violations;
}

test.each([
  ['an unmasked frame', [{ opcode: Op.TEXT, payload: 'x', mask: false }], /unmasked/],
  ['an all-zero mask key', [{ opcode: Op.TEXT, payload: 'x', mask: Buffer.alloc(4) }], /all-zero key/],
  [
    'a mask key reused from the previous frame',
    [
      { opcode: Op.TEXT, payload: 'a', mask: Buffer.from([1, 2, 3, 4]) },
      { opcode: Op.TEXT, payload: 'b', mask: Buffer.from([1, 2, 3, 4]) },
    ],
    /reused the mask key/,
  ],
  ['RSV bits', [{ opcode: Op.TEXT, payload: 'x', rsv: 4 }], /RSV bits 4/],
  ['a reserved opcode', [{ opcode: 3, payload: 'x' }], /reserved opcode 3/],
  ['a fragmented ping', [{ opcode: Op.PING, payload: 'x', fin: false }], /fragmented control frame/],
  ['a 126-byte ping', [{ opcode: Op.PING, payload: Buffer.alloc(126) }], /126-byte control frame/],
  ['invalid UTF-8 in a text message', [{ opcode: Op.TEXT, payload: Buffer.from([0xff]) }], /not valid UTF-8/],
  ['close code 1005 on the wire', [{ opcode: Op.CLOSE, payload: Buffer.from([0x03, 0xed]) }], /close code 1005/],
  ['a 1-byte close body', [{ opcode: Op.CLOSE, payload: Buffer.from([0x03]) }], /1-byte body/],
  [
    'a frame after close',
    [
      { opcode: Op.CLOSE, payload: Buffer.from([0x03, 0xe8]) },
      { opcode: Op.TEXT, payload: 'late' },
    ],
    /after its close frame/,
  ],
  ['a stray continuation', [{ opcode: Op.CONTINUATION, payload: 'x' }], /continuation frame with no message/],
] as Array<[string, FrameSpec[], RegExp]>)('catches %s', async (_what, specs, pattern) => {
  const violations = await violationsFor(specs);
  expect(violations.join('\n')).toMatch(pattern);
});

test('a well-behaved client frame sequence gives no violation and the right events', async () => {
  const { peer, fake } = await pair();
  fake.write(
    Buffer.concat([
      encodeFrame({ opcode: Op.TEXT, payload: 'frag', fin: false }),
      encodeFrame({ opcode: Op.PING, payload: 'p' }),
      encodeFrame({ opcode: Op.CONTINUATION, payload: 'ment' }),
      encodeFrame({ opcode: Op.BINARY, payload: Buffer.alloc(70000, 7) }),
      encodeFrame({ opcode: Op.CLOSE, payload: Buffer.from([0x03, 0xe8]) }),
    ]),
  );
  await peer.expectPing('p');
  await peer.expectText('fragment');
  await peer.expectBinary(Buffer.alloc(70000, 7));
  await peer.expectCloseFrame([1000]);
  peer.assertDone();
});

test('the expectations fail on a wrong echo, a wrong kind and a wrong close code', async () => {
  const { peer, fake } = await pair();
  fake.write(
    Buffer.concat([
      encodeFrame({ opcode: Op.TEXT, payload: 'abc' }),
      encodeFrame({ opcode: Op.BINARY, payload: 'abc' }),
      encodeFrame({ opcode: Op.CLOSE, payload: Buffer.from([0x03, 0xe9]) }),
    ]),
  );
  await expect(peer.expectText('abd')).rejects.toThrow(/first difference at byte 2/);
  await expect(peer.expectText('abc')).rejects.toThrow(/expected text message/);
  await expect(peer.expectCloseFrame([1000])).rejects.toThrow(/close frame code=1001/);
  await expect(peer.expectTcpClosed('x', 50)).rejects.toThrow(/Timed out after 50 ms/);
});

/**
 * Self-test of the conformance harness: against a deliberately broken server, every kind of
 * expectation the category files rely on must fail. (A check that cannot fail proves nothing.)
 */
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { acceptFor, destroyAllClients, RawClient } from './raw-client';
import { closePayload, encodeFrame, Op } from './frame-encoder';
import { ServerRoleTester } from './server-role';
import { answered, fails, pongFrame } from './shared/case-builders';

type Behaviour = (socket: net.Socket, frame: { opcode: number; payload: Buffer }) => void;

let server: net.Server;
let port: number;
let behaviour: Behaviour = () => undefined;
let acceptOverride: string | null = null;
const serverSockets = new Set<net.Socket>();

/** Minimal server side: handshake, then hand each (unmasked) client frame to `behaviour`. */
beforeAll(async () => {
  server = net.createServer((socket) => {
    serverSockets.add(socket);
    socket.on('close', () => serverSockets.delete(socket));
    socket.on('error', () => undefined);
    let buf = Buffer.alloc(0);
    let open = false;
    socket.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      if (!open) {
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) return;
        const key = /sec-websocket-key: *(\S+)/i.exec(buf.subarray(0, end).toString('latin1'))?.[1] ?? '';
        socket.write(
          'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
            `Sec-WebSocket-Accept: ${acceptOverride ?? acceptFor(key)}\r\n\r\n`,
        );
        buf = buf.subarray(end + 4);
        open = true;
      }
      while (buf.length >= 6) {
        const len7 = buf[1]! & 0x7f;
        const ext = len7 === 126 ? 2 : len7 === 127 ? 8 : 0;
        const len = len7 === 126 ? buf.readUInt16BE(2) : len7 === 127 ? Number(buf.readBigUInt64BE(2)) : len7;
        const h = 2 + ext + 4;
        if (buf.length < h + len) return;
        const key = buf.subarray(2 + ext, h);
        const payload = Buffer.from(buf.subarray(h, h + len).map((b, i) => b ^ key[i & 3]!));
        const opcode = buf[0]! & 0x0f;
        buf = buf.subarray(h + len);
        behaviour(socket, { opcode, payload });
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

afterEach(() => {
  destroyAllClients();
  for (const s of serverSockets) s.destroy();
  behaviour = () => undefined;
  acceptOverride = null;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const unmasked = (opcode: number, payload: Buffer | string = ''): Buffer => encodeFrame({ opcode, payload, mask: false });

test('selftest: a wrong Sec-WebSocket-Accept fails the handshake', async () => {
  acceptOverride = 'AAAAAAAAAAAAAAAAAAAAAAAAAAA=';
  await expect(RawClient.connect(port)).rejects.toThrow(/Sec-WebSocket-Accept/);
});

test('selftest: a masked server frame is a violation', async () => {
  behaviour = (s, f) => s.write(encodeFrame({ opcode: f.opcode, payload: f.payload, mask: true }));
  const c = await RawClient.connect(port);
  await c.sendText('hi');
  await expect(c.expectText('hi')).rejects.toThrow(/masked/);
});

test('selftest: a wrong echo fails expectText', async () => {
  behaviour = (s) => s.write(unmasked(Op.TEXT, 'ho'));
  const c = await RawClient.connect(port);
  await c.sendText('hi');
  await expect(c.expectText('hi')).rejects.toThrow(/expected text message/);
});

test('selftest: binary instead of text fails expectText', async () => {
  behaviour = (s, f) => s.write(unmasked(Op.BINARY, f.payload));
  const c = await RawClient.connect(port);
  await c.sendText('hi');
  await expect(c.expectText('hi')).rejects.toThrow(/got binary message/);
});

test('selftest: silence times out expectPong', async () => {
  const c = await RawClient.connect(port);
  await c.ping('x');
  await expect(c.expectPong('x', 200)).rejects.toThrow(/Timed out after 200 ms/);
});

test('selftest: a wrong close code fails expectClose', async () => {
  behaviour = (s) => {
    s.write(unmasked(Op.CLOSE, closePayload(1000)));
    s.end();
  };
  const c = await RawClient.connect(port);
  await c.sendFrame({ opcode: 3 });
  await expect(c.expectTcpDropOrClose(1002)).rejects.toThrow(/close frame code=1000/);
});

test('selftest: a server that never closes TCP after the close handshake fails expectClose', async () => {
  behaviour = (s, f) => {
    if (f.opcode === Op.CLOSE) s.write(unmasked(Op.CLOSE, f.payload));
  };
  const c = await RawClient.connect(port);
  await c.sendClose(1000);
  await expect(c.expectClose(1000, { timeoutMs: 300 })).rejects.toThrow(/close TCP after the closing handshake/);
});

test('selftest: a TCP drop fails expectClose unless allowDrop', async () => {
  behaviour = (s) => s.destroy();
  const c = await RawClient.connect(port);
  await c.sendFrame({ opcode: 3 });
  await expect(c.expectClose(1002)).rejects.toThrow(/without a close frame/);
  const d = await RawClient.connect(port);
  await d.sendFrame({ opcode: 3 });
  await expect(d.expectTcpDropOrClose(1002)).resolves.toMatchObject({ dropped: true });
});

test('selftest: a frame after the close frame is a violation', async () => {
  behaviour = (s) => {
    s.write(Buffer.concat([unmasked(Op.CLOSE, closePayload(1002)), unmasked(Op.TEXT, 'late')]));
    s.end();
  };
  const c = await RawClient.connect(port);
  await c.sendFrame({ opcode: 3 });
  await c.nextEvent('close');
  await expect(c.expectTcpClosed()).rejects.toThrow(/after its close frame/);
});

/** Breaks RFC 6455 §5.5.3 by answering pongs; closes properly. */
const answersPongs: Behaviour = (s, f) => {
  if (f.opcode === Op.PONG) s.write(unmasked(Op.PONG, f.payload));
  if (f.opcode === Op.CLOSE) {
    s.write(unmasked(Op.CLOSE, f.payload));
    s.end();
  }
};

test('selftest: an extra reply fails closeCleanly and assertDone', async () => {
  behaviour = answersPongs;
  const c = await RawClient.connect(port);
  await c.pong('unsolicited');
  await expect(c.closeCleanly()).rejects.toThrow(/expected a close frame with code 1000, got pong/);
});

test('selftest: expectSilence fails when something arrives', async () => {
  behaviour = (s) => s.write(unmasked(Op.TEXT, 'noise'));
  const c = await RawClient.connect(port);
  await c.sendText('x');
  await expect(c.expectSilence(500)).rejects.toThrow(/expected nothing within 500 ms/);
});

test('selftest: a shared answered() case fails when the server answers an unsolicited pong', async () => {
  behaviour = answersPongs;
  const t = new ServerRoleTester(await RawClient.connect(port));
  await expect(answered('2.8', 'unsolicited pong', [pongFrame('x')], []).run(t)).rejects.toThrow(/got pong/);
});

test('selftest: a shared fails() case fails when the server echoes instead of failing', async () => {
  behaviour = (s, f) => s.write(unmasked(f.opcode, f.payload));
  const t = new ServerRoleTester(await RawClient.connect(port));
  const failure = { code: 1002, clientError: 'WS_ERR_UNEXPECTED_RSV' };
  await expect(fails('3.1', 'rsv', [{ opcode: Op.TEXT, payload: 'x', rsv: 1 }], failure).run(t)).rejects.toThrow(/expected a close frame with code 1002/);
});

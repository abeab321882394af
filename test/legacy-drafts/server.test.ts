/**
 * The server `WebSocket` with `legacyDrafts: true`, on raw loopback sockets: the draft-76 example
 * of the draft itself, a body that arrives 300 ms after the headers (sends buffered meanwhile),
 * draft-75, the closing handshake both ways, every limit an RFC 6455 session has, the refusals,
 * and the same request refused without the option.
 */
import { PassThrough } from 'node:stream';
import { ArgumentError, ErrorCode, FailureCode, Hub, WebSocket, createWebSocketStream } from '../../src/index.js';
import {
  CLOSING,
  DRAFT76_EXAMPLE,
  connectDraft,
  destroyDraftClients,
  textFrame,
  within,
  type DraftClient,
} from './draft-client';
import { closeDraftServers, startDraftServer, type Session } from './draft-server';

afterEach(async () => {
  destroyDraftClients();
  await closeDraftServers();
});

const LEGACY = { legacyDrafts: true } as const;

/** The status line and headers of a response head, headers by lower-cased name. */
function parseHead(head: string): { status: string; headers: Record<string, string>; lines: string[] } {
  const [status, ...lines] = head.split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of lines) headers[line.slice(0, line.indexOf(':')).toLowerCase()] = line.slice(line.indexOf(':') + 1).trim();
  return { status: status!, headers, lines };
}

/** Echoes every message back. */
function echo({ ws }: Session): void {
  ws.on('message', (event) => ws.send(`echo ${String(event.data)}`));
}

async function frames(client: DraftClient, count: number, skip = 0): Promise<string[]> {
  await client.until(() => client.frames(skip).length >= count, `${count} frames`);
  return client.frames(skip);
}

describe('draft-76', () => {
  test('the example of the draft: the 101, its headers and the answer 8jKS\'y:G*Co,Wxa-, then messages both ways', async () => {
    const server = await startDraftServer(LEGACY, echo, ['sample']);
    const client = await connectDraft(server.port, { version: 'hixie-76', path: '/demo', protocol: 'sample' });
    const session = await server.accept();
    const { status, lines } = parseHead(await client.head());
    expect(status).toBe('HTTP/1.1 101 WebSocket Protocol Handshake');
    expect(lines).toEqual([
      'Upgrade: WebSocket',
      'Connection: Upgrade',
      'Sec-WebSocket-Origin: http://example.com',
      `Sec-WebSocket-Location: ws://127.0.0.1:${server.port}/demo`,
      'Sec-WebSocket-Protocol: sample',
    ]);
    await client.until(() => client.afterHead.length >= 16, 'the answer');
    expect(client.afterHead.subarray(0, 16)).toEqual(DRAFT76_EXAMPLE.answer);
    expect(session.ws.version).toBe('hixie-76');
    expect(session.ws.protocol).toBe('sample');
    expect(session.ws.url).toBe(`ws://127.0.0.1:${server.port}/demo`);
    client.write(textFrame('héllo'));
    expect(await frames(client, 1, 16)).toEqual(['echo héllo']);
    expect(session.log).toEqual(['open', 'message héllo']);
  });

  test('the body 300 ms after the headers: the handler has the socket at once, sends are buffered and go out right after the answer', async () => {
    const seen: Array<[number, number, boolean]> = [];
    const server = await startDraftServer(LEGACY, (session) => {
      const { ws } = session;
      seen.push([ws.readyState, ws.bufferedAmount, ws.send('first')]);
      seen.push([ws.readyState, ws.bufferedAmount, ws.send('sécond')]);
      ws.on('drain', () => session.log.push('drain'));
    });
    const client = await connectDraft(server.port, { version: 'hixie-76', body: false });
    const session = await server.accept();
    expect(seen).toEqual([
      [WebSocket.CONNECTING, 0, false],
      [WebSocket.CONNECTING, 5, false],
    ]);
    // A proxy holds the body back: the headers are all the server has for 300 ms.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(session.ws.readyState).toBe(WebSocket.CONNECTING);
    expect(session.ws.bufferedAmount).toBe(5 + 7);
    expect(client.received).toHaveLength(0);
    expect(session.log).toEqual([]);
    client.write(DRAFT76_EXAMPLE.body);
    await client.head();
    await client.until(() => client.afterHead.length >= 16, 'the answer');
    expect(client.afterHead.subarray(0, 16)).toEqual(DRAFT76_EXAMPLE.answer);
    expect(await frames(client, 2, 16)).toEqual(['first', 'sécond']);
    await client.until(() => session.log.includes('drain'), 'drain');
    expect(session.log).toEqual(['open', 'drain']);
    expect(session.ws.readyState).toBe(WebSocket.OPEN);
    expect(session.ws.bufferedAmount).toBe(0);
  });

  test('pause() before the body came: the handshake still completes, the frames behind the body wait for resume()', async () => {
    const server = await startDraftServer(LEGACY, (session) => {
      echo(session);
      session.ws.pause();
    });
    const client = await connectDraft(server.port, { version: 'hixie-76', body: false });
    const session = await server.accept();
    client.write(Buffer.concat([DRAFT76_EXAMPLE.body, textFrame('held')]));
    await client.head();
    await client.until(() => client.afterHead.length >= 16, 'the answer');
    expect(client.afterHead.subarray(0, 16)).toEqual(DRAFT76_EXAMPLE.answer);
    await client.until(() => session.log.includes('open'), 'open');
    await new Promise((resolve) => setImmediate(resolve));
    expect(session.log).toEqual(['open']);
    expect(session.ws.isPaused).toBe(true);
    const delivered = new Promise((resolve) => session.ws.once('message', resolve));
    session.ws.resume();
    await within(delivered, 'the held message');
    client.write(textFrame('after'));
    expect(await frames(client, 2, 16)).toEqual(['echo held', 'echo after']);
  });

  test('the body cut in pieces, frames right behind it in the same chunk', async () => {
    const server = await startDraftServer(LEGACY, echo);
    const client = await connectDraft(server.port, { version: 'hixie-76', body: false });
    client.write(DRAFT76_EXAMPLE.body.subarray(0, 3));
    const session = await server.accept();
    expect(session.ws.readyState).toBe(WebSocket.CONNECTING);
    client.write(Buffer.concat([DRAFT76_EXAMPLE.body.subarray(3), textFrame('right behind')]));
    expect(await frames(client, 1, 16)).toEqual(['echo right behind']);
    expect(client.afterHead.subarray(0, 16)).toEqual(DRAFT76_EXAMPLE.answer);
  });

  test('a body that never comes is cut by handshakeTimeout: one error, close 1006, nothing written', async () => {
    const server = await startDraftServer({ ...LEGACY, handshakeTimeout: 0.3 });
    const started = Date.now();
    const client = await connectDraft(server.port, { version: 'hixie-76', body: false });
    const session = await server.accept();
    expect(await within(session.closed, 'the close')).toEqual([`error ${ErrorCode.HANDSHAKE_TIMEOUT}`, 'close 1006 false']);
    await within(client.closed, 'the client to see the connection close');
    expect(Date.now() - started).toBeGreaterThanOrEqual(280);
    expect(client.received).toHaveLength(0);
  });

  test('close() before the body came: the answer goes out, then the closing frame; the sends made before are dropped', async () => {
    const server = await startDraftServer(LEGACY, ({ ws }) => {
      ws.send('dropped');
      ws.close();
    });
    const client = await connectDraft(server.port, { version: 'hixie-76', body: false });
    const session = await server.accept();
    expect(session.ws.readyState).toBe(WebSocket.CLOSING);
    client.write(DRAFT76_EXAMPLE.body);
    expect(await frames(client, 1, 16)).toEqual(['CLOSE']);
    client.write(CLOSING);
    expect(await within(session.closed, 'the close')).toEqual(['close 1000 true']);
  });
});

describe('draft-75', () => {
  test('the 101 with its own status text and headers, no challenge, messages both ways', async () => {
    const server = await startDraftServer({ ...LEGACY, headers: { 'X-Served-By': 'hatchway' } }, echo, ['sample']);
    const client = await connectDraft(server.port, { version: 'hixie-75', path: '/chat?room=1', protocol: 'sample' });
    const session = await server.accept();
    const { status, lines } = parseHead(await client.head());
    expect(status).toBe('HTTP/1.1 101 Web Socket Protocol Handshake');
    expect(lines).toEqual([
      'Upgrade: WebSocket',
      'Connection: Upgrade',
      'WebSocket-Origin: http://example.com',
      `WebSocket-Location: ws://127.0.0.1:${server.port}/chat?room=1`,
      'WebSocket-Protocol: sample',
      'X-Served-By: hatchway',
    ]);
    expect(session.ws.version).toBe('hixie-75');
    client.write(Buffer.concat([textFrame('one'), textFrame('two')]));
    expect(await frames(client, 2)).toEqual(['echo one', 'echo two']);
  });

  test('the client closing TCP is the close: answered with ours, reported 1000 clean', async () => {
    const server = await startDraftServer(LEGACY);
    const client = await connectDraft(server.port, { version: 'hixie-75' });
    const session = await server.accept();
    await client.head();
    client.socket.end();
    expect(await within(session.closed, 'the close')).toEqual(['open', 'close 1000 true']);
    await within(client.closed, 'the TCP close');
  });

  test('close() closes TCP (draft-75 has no closing frame)', async () => {
    const server = await startDraftServer(LEGACY);
    const client = await connectDraft(server.port, { version: 'hixie-75' });
    const session = await server.accept();
    await client.head();
    session.ws.close();
    await client.until(() => client.ended, 'the server FIN');
    expect(client.frames()).toEqual([]);
    client.socket.end();
    expect(await within(session.closed, 'the close')).toEqual(['open', 'close 1000 true']);
  });
});

describe('closing (draft-76 §1.4)', () => {
  async function open76(): Promise<{ client: DraftClient; session: Session }> {
    const server = await startDraftServer({ ...LEGACY, closeTimeout: 0.3 });
    const client = await connectDraft(server.port, { version: 'hixie-76' });
    const session = await server.accept();
    await client.until(() => client.afterHead.length >= 16, 'the answer');
    return { client, session };
  }

  test('the client\'s 0xFF 0x00 is answered with ours, then the server closes TCP: 1000, clean', async () => {
    const { client, session } = await open76();
    client.write(CLOSING);
    expect(await frames(client, 1, 16)).toEqual(['CLOSE']);
    await client.until(() => client.ended, 'the server FIN');
    expect(await within(session.closed, 'the close')).toEqual(['open', 'close 1000 true']);
  });

  test('close(): our 0xFF 0x00, the client\'s answer, then TCP closes: 1000, clean', async () => {
    const { client, session } = await open76();
    session.ws.close(4000, 'bye');
    expect(await frames(client, 1, 16)).toEqual(['CLOSE']);
    expect(session.ws.readyState).toBe(WebSocket.CLOSING);
    client.write(CLOSING);
    await client.until(() => client.ended, 'the server FIN');
    expect(await within(session.closed, 'the close')).toEqual(['open', 'close 1000 true']);
  });

  test('a client that closes TCP without the closing frame: 1006, not clean', async () => {
    const { client, session } = await open76();
    client.socket.end();
    expect(await within(session.closed, 'the close')).toEqual(['open', 'close 1006 false']);
  });

  test('a client that never answers our closing frame is dropped after closeTimeout: 1006', async () => {
    const { client, session } = await open76();
    session.ws.close();
    expect(await frames(client, 1, 16)).toEqual(['CLOSE']);
    expect(await within(session.closed, 'the close')).toEqual(['open', 'close 1006 false']);
  });
});

describe('limits, as for RFC 6455 sessions', () => {
  async function failWith(options: object, bytes: Buffer, version: 'hixie-75' | 'hixie-76' = 'hixie-76'): Promise<{ log: string[]; client: DraftClient }> {
    const server = await startDraftServer({ ...LEGACY, ...options });
    const client = await connectDraft(server.port, { version });
    const session = await server.accept();
    await client.head();
    client.write(bytes);
    const log = await within(session.closed, 'the close');
    await within(client.closed, 'the TCP close');
    return { log, client };
  }

  test('maxLength: a text frame with no terminator past it fails with 1009; the client gets the closing frame and FIN', async () => {
    const { log, client } = await failWith({ maxLength: 64 }, Buffer.concat([Buffer.from([0x00]), Buffer.alloc(65, 0x61)]));
    expect(log).toEqual(['open', `error ${FailureCode.MESSAGE_TOO_BIG}`, 'close 1009 false']);
    expect(client.frames(16)).toEqual(['CLOSE']);
    expect(client.ended).toBe(true);
  });

  test('maxLength: a length-prefixed frame announcing more fails at once, its body never awaited', async () => {
    const { log } = await failWith({ maxLength: 64 }, Buffer.from([0x80, 0x81, 0x00]));
    expect(log).toEqual(['open', `error ${FailureCode.MESSAGE_TOO_BIG}`, 'close 1009 false']);
  });

  test('maxLength on draft-75: the same error and close event; TCP closes (no closing frame)', async () => {
    const { log, client } = await failWith({ maxLength: 8 }, Buffer.concat([Buffer.from([0x00]), Buffer.alloc(9, 0x61)]), 'hixie-75');
    expect(log).toEqual(['open', `error ${FailureCode.MESSAGE_TOO_BIG}`, 'close 1009 false']);
    expect(client.frames()).toEqual([]);
  });

  test('invalid UTF-8 fails the connection with 1007', async () => {
    const { log, client } = await failWith({}, Buffer.from([0x00, 0xc0, 0xaf, 0xff]));
    expect(log).toEqual(['open', `error ${FailureCode.INVALID_UTF8}`, 'close 1007 false']);
    expect(client.frames(16)).toEqual(['CLOSE']);
  });

  test('maxBuffered: a send() past it drops the connection at once: one error, close 1008', async () => {
    const results: boolean[] = [];
    const server = await startDraftServer({ ...LEGACY, maxBuffered: 4096 }, ({ ws }) =>
      ws.on('open', () => {
        for (let i = 0; i < 10 && ws.readyState === WebSocket.OPEN; i++) results.push(ws.send('x'.repeat(1000)));
      }),
    );
    const client = await connectDraft(server.port, { version: 'hixie-76' });
    const session = await server.accept();
    expect(await within(session.closed, 'the close')).toEqual(['open', `error ${ErrorCode.BUFFER_OVERFLOW}`, 'close 1008 false']);
    // Four frames fit in 4096 bytes; the fifth would have gone past.
    expect(results).toEqual([true, true, true, true, false]);
    await within(client.closed, 'the TCP close');
  });

  test('maxBuffered counts the sends buffered before the draft-76 body came', async () => {
    const server = await startDraftServer({ ...LEGACY, maxBuffered: 10 }, ({ ws }) => {
      ws.send('123456');
      ws.send('7890');
      ws.send('!');
    });
    await connectDraft(server.port, { version: 'hixie-76', body: false });
    const session = await server.accept();
    expect(await within(session.closed, 'the close')).toEqual([`error ${ErrorCode.BUFFER_OVERFLOW}`, 'close 1008 false']);
  });
});

describe('refusals', () => {
  async function refused(options: object, handshake: Parameters<typeof connectDraft>[1]): Promise<{ status: string; headers: Record<string, string>; log: string[] }> {
    const server = await startDraftServer(options);
    const client = await connectDraft(server.port, handshake);
    const session = await server.accept();
    const { status, headers } = parseHead(await client.head());
    const log = await within(session.closed, 'the close');
    await within(client.closed, 'the refused socket to close');
    expect(session.ws.readyState).toBe(WebSocket.CLOSED);
    return { status, headers, log };
  }

  test.each([
    ['no spaces', { key1: '12345' }],
    ['a quotient that is not an integer', { key1: '1 2 3' }],
    ['a number over 2^32', { key2: '4294967 296' }],
  ])('a malformed draft-76 key (%s) gets a 400 and is closed', async (_name, keys) => {
    const { status, log } = await refused(LEGACY, { version: 'hixie-76', ...keys });
    expect(status).toBe('HTTP/1.1 400 Bad Request');
    expect(log).toEqual([`error ${ErrorCode.HANDSHAKE_KEY}`, 'close 1006 false']);
  });

  test('Key1 without Key2 is a draft-76 request with a key missing: 400', async () => {
    // Sent as a draft-75 request plus the one key, so that the helper adds no Key2.
    const { status, log } = await refused(LEGACY, { version: 'hixie-75', headers: { 'Sec-WebSocket-Key1': DRAFT76_EXAMPLE.key1 } });
    expect(status).toBe('HTTP/1.1 400 Bad Request');
    expect(log).toEqual([`error ${ErrorCode.HANDSHAKE_KEY}`, 'close 1006 false']);
  });

  test('origins: an origin that is not allowed gets a 403', async () => {
    const { status, log } = await refused({ ...LEGACY, origins: ['http://good.example'] }, { version: 'hixie-76', origin: 'http://evil.example' });
    expect(status).toBe('HTTP/1.1 403 Forbidden');
    expect(log).toEqual([`error ${ErrorCode.HANDSHAKE_ORIGIN}`, 'close 1006 false']);
  });

  test.each(['hixie-76', 'hixie-75'] as const)('without legacyDrafts, a %s request gets the refusal of any handshake without a version: 426', async (version) => {
    const { status, headers, log } = await refused({}, { version });
    expect(status).toBe('HTTP/1.1 426 Upgrade Required');
    expect(headers['sec-websocket-version']).toBe('13');
    expect(log).toEqual([`error ${ErrorCode.HANDSHAKE_VERSION}`, 'close 1006 false']);
  });

  test('a request with Sec-WebSocket-Version is RFC 6455, even with the draft keys', async () => {
    const rfc = await refused(LEGACY, { version: 'hixie-76', headers: { 'Sec-WebSocket-Version': '76' } });
    expect(rfc.status).toBe('HTTP/1.1 426 Upgrade Required');
    const server = await startDraftServer(LEGACY);
    const client = await connectDraft(server.port, {
      version: 'hixie-76',
      headers: { 'Sec-WebSocket-Version': '13', 'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==' },
    });
    const session = await server.accept();
    const { status, headers } = parseHead(await client.head());
    expect(status).toBe('HTTP/1.1 101 Switching Protocols');
    expect(headers['sec-websocket-accept']).toBe('s3pPLMBiTxaQ9kYGzzhZRbK+xOo=');
    expect(session.ws.version).toBe('hybi-13');
  });

  test('bad options throw an ArgumentError and the socket is not left behind', () => {
    const request = { method: 'GET', httpVersionMajor: 1, httpVersionMinor: 1, headers: {} };
    const thrown: unknown[] = [];
    for (const options of [{ legacyDrafts: 'yes' }, { legacyDrafts: true, handshakeTimeout: 0 }, { handshakeTimeout: Infinity }]) {
      const socket = new PassThrough();
      try {
        new WebSocket(request, socket, null, null, options as never);
      } catch (error) {
        thrown.push([error instanceof ArgumentError, (error as ArgumentError).code, socket.destroyed]);
      }
    }
    expect(thrown).toEqual([
      [true, 'ERR_INVALID_OPTION', true],
      [true, 'ERR_INVALID_OPTION', true],
      [true, 'ERR_INVALID_OPTION', true],
    ]);
  });
});

describe('the session API on a draft', () => {
  test('ping() and pong() return false; a binary send() throws a typed error, before open and after', async () => {
    const early: unknown[] = [];
    const server = await startDraftServer(LEGACY, ({ ws }) => {
      try {
        ws.send(Buffer.from('binary'));
      } catch (error) {
        early.push(error);
      }
    });
    const client = await connectDraft(server.port, { version: 'hixie-76' });
    const session = await server.accept();
    await client.until(() => session.log.includes('open'), 'open');
    const { ws } = session;
    expect([ws.ping(), ws.ping('x', () => {}), ws.pong('y')]).toEqual([false, false, false]);
    expect(() => ws.ping(Buffer.alloc(126))).toThrow(expect.objectContaining({ code: 'ERR_CONTROL_PAYLOAD_TOO_LONG' }));
    expect(early).toEqual([expect.any(ArgumentError)]);
    expect(early[0]).toMatchObject({ code: ErrorCode.BINARY_UNSUPPORTED });
    for (const data of [new Uint8Array(2), new ArrayBuffer(2), [1, 2]]) {
      expect(() => ws.send(data)).toThrow(expect.objectContaining({ code: 'ERR_BINARY_UNSUPPORTED' }));
    }
    expect(ws.send('still open')).toBe(true);
    expect(await frames(client, 1, 16)).toEqual(['still open']);
  });

  test('the client\'s length-prefixed (binary) frames are discarded', async () => {
    const server = await startDraftServer(LEGACY, echo);
    const client = await connectDraft(server.port, { version: 'hixie-76' });
    const session = await server.accept();
    client.write(Buffer.concat([Buffer.from([0x80, 0x03, 0xff, 0x00, 0xff]), textFrame('after')]));
    expect(await frames(client, 1, 16)).toEqual(['echo after']);
    expect(session.log).toEqual(['open', 'message after']);
  });

  test('pause() holds messages back, resume() delivers them', async () => {
    const server = await startDraftServer(LEGACY);
    const client = await connectDraft(server.port, { version: 'hixie-76' });
    const session = await server.accept();
    await client.until(() => session.log.includes('open'), 'open');
    session.ws.pause();
    expect(session.ws.isPaused).toBe(true);
    client.write(textFrame('held'));
    await new Promise((resolve) => setImmediate(resolve));
    const delivered = new Promise((resolve) => session.ws.once('message', resolve));
    expect(session.log).toEqual(['open']);
    session.ws.resume();
    await within(delivered, 'the held message');
    expect(session.log).toEqual(['open', 'message held']);
  });

  test('a Hub delivers a topic\'s events to a draft subscriber as text frames', async () => {
    const hub = new Hub();
    try {
      const server = await startDraftServer(LEGACY, ({ ws }) => void hub.subscribe(ws, 'news'));
      const client = await connectDraft(server.port, { version: 'hixie-76' });
      const session = await server.accept();
      await client.until(() => session.log.includes('open'), 'open');
      await hub.publish('news', 'extra');
      await hub.publish('news', 'édition');
      expect(await frames(client, 2, 16)).toEqual(['extra', 'édition']);
    } finally {
      await hub.close();
    }
  });

  test('a stream over a draft session writes strings as text; a Buffer fails the stream, not the process', async () => {
    const server = await startDraftServer(LEGACY);
    const client = await connectDraft(server.port, { version: 'hixie-76' });
    const session = await server.accept();
    await client.until(() => session.log.includes('open'), 'open');
    const stream = createWebSocketStream(session.ws);
    stream.write('through the stream');
    expect(await frames(client, 1, 16)).toEqual(['through the stream']);
    const failed = new Promise<Error>((resolve) => stream.once('error', resolve));
    stream.write(Buffer.from([1, 2, 3]));
    expect(await within(failed, 'the stream to fail')).toMatchObject({ code: ErrorCode.BINARY_UNSUPPORTED });
  });

  test('a binary event is left out for a draft subscriber, and travels as base64 in an envelope', async () => {
    const hub = new Hub();
    try {
      let subscribed = 0;
      const server = await startDraftServer(LEGACY, ({ ws }) => {
        const envelope = subscribed++ === 1;
        void hub.subscribe(ws, 'bytes', { envelope });
      });
      const plain = await connectDraft(server.port, { version: 'hixie-76' });
      const plainSession = await server.accept();
      await plain.until(() => plainSession.log.includes('open'), 'open');
      const enveloped = await connectDraft(server.port, { version: 'hixie-76' });
      const envelopedSession = await server.accept();
      await enveloped.until(() => envelopedSession.log.includes('open'), 'open');
      await hub.publish('bytes', 'before');
      await hub.publish('bytes', Buffer.from([1, 2, 3]));
      await hub.publish('bytes', 'after');
      expect(await frames(plain, 2, 16)).toEqual(['before', 'after']);
      const envelopes = (await frames(enveloped, 3, 16)).map((text) => JSON.parse(text) as { data: string; encoding?: string });
      expect(envelopes.map((e) => [e.data, e.encoding])).toEqual([['before', undefined], ['AQID', 'base64'], ['after', undefined]]);
      expect(plainSession.log.filter((entry) => entry.startsWith('error'))).toEqual([]);
    } finally {
      await hub.close();
    }
  });
});

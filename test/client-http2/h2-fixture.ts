/**
 * An HTTP/2 server for the client tests that does not use hatchway's session: Node's `http2` server
 * (h2c, or TLS with a certificate made at test time) takes each extended CONNECT (RFC 8441 §4),
 * records its header block, answers it, and then speaks WebSocket frames on the stream with the
 * codec alone: a `FrameParser` in the server's role for what comes in, unmasked frames from
 * `encodeFrame` for what goes out. By default it echoes every message as it came (reserved bits
 * included, so a compressed message goes back compressed), answers pings, and answers a close
 * frame with the same code, then END_STREAM.
 */
import * as http2 from 'node:http2';
import type { AddressInfo, Socket } from 'node:net';
import { FrameParser, Opcode, encodeClosePayload, encodeFrame, type FrameFailure } from '../../src/ws-frame-parser/index.js';
import { onCleanup, within } from '../client/helpers.js';

export interface ReceivedMessage {
  data: Buffer;
  isText: boolean;
  rsv: number;
}

/** The server's side of one WebSocket on a stream. */
export interface FixturePeer {
  stream: http2.ServerHttp2Stream;
  headers: http2.IncomingHttpHeaders;
  session: http2.ServerHttp2Session;
  /** Messages received, in order. */
  messages: ReceivedMessage[];
  /** Pings received (payloads). */
  pings: Buffer[];
  /** Writes one unmasked frame. */
  frame(opcode: number, data: Uint8Array | string, options?: { fin?: boolean; rsv?: number }): void;
  /** Sends a close frame (and then END_STREAM once the client's close frame came). */
  close(code?: number, reason?: string): void;
  /** Resolves with the client's close frame: its code (1005 for none) and reason. */
  readonly closeFrame: Promise<{ code: number; reason: string }>;
  /** Resolves once the stream has closed, with its RST_STREAM code (0 when it ended cleanly or with NO_ERROR). */
  readonly streamClosed: Promise<number>;
  /** Resolves with the next message not yet taken by an earlier call. */
  nextMessage(): Promise<ReceivedMessage>;
}

export interface FixtureOptions {
  /** TLS (`createSecureServer`): key and certificate. Absent: h2c. */
  tls?: { key: string; cert: string };
  /** Advertise SETTINGS_ENABLE_CONNECT_PROTOCOL. Default true. */
  extendedConnect?: boolean;
  /** The answer's header block; default `:status 200`, plus the first offered subprotocol of `protocols`. */
  answer?: (headers: http2.IncomingHttpHeaders) => http2.OutgoingHttpHeaders;
  /** Subprotocols the server takes (the first the client offers is chosen). */
  protocols?: string[];
  /** Echo every message back (default true). */
  echo?: boolean;
  /** Runs once the answer is sent, for each WebSocket. */
  onOpen?: (peer: FixturePeer) => void;
  /** SETTINGS_MAX_CONCURRENT_STREAMS (RFC 9113 §6.5.2); Node's default otherwise. */
  maxConcurrentStreams?: number;
}

export interface Fixture {
  server: http2.Http2Server | http2.Http2SecureServer;
  port: number;
  /** `ws://127.0.0.1:PORT` or `wss://localhost:PORT`. */
  origin: string;
  /** TCP connections accepted. */
  connections(): number;
  /** The TCP sockets accepted (not the sessions' guarded views of them). */
  sockets: Socket[];
  /** Each extended CONNECT's header block, in order. */
  requests: http2.IncomingHttpHeaders[];
  /** Server sessions, in order. */
  sessions: http2.ServerHttp2Session[];
  /** Peers of the WebSockets answered with a 2xx, in order. */
  peers: FixturePeer[];
  /** Resolves with the `index`th peer once it exists. */
  peer(index?: number): Promise<FixturePeer>;
  /** Resolves once `count` TCP connections have closed. */
  connectionsClosed(count: number): Promise<void>;
}

export async function startFixture(options: FixtureOptions = {}): Promise<Fixture> {
  const settings = {
    enableConnectProtocol: options.extendedConnect !== false,
    ...(options.maxConcurrentStreams !== undefined ? { maxConcurrentStreams: options.maxConcurrentStreams } : {}),
  };
  const server = options.tls !== undefined ? http2.createSecureServer({ ...options.tls, settings }) : http2.createServer({ settings });
  const requests: http2.IncomingHttpHeaders[] = [];
  const sessions: http2.ServerHttp2Session[] = [];
  const peers: FixturePeer[] = [];
  const sockets: Socket[] = [];
  let closedSockets = 0;
  const wake = new Set<() => void>();
  const notify = (): void => wake.forEach((fn) => fn());
  server.on('connection', (socket: Socket) => {
    sockets.push(socket);
    socket.on('close', () => {
      closedSockets++;
      notify();
    });
  });
  server.on('session', (session) => {
    sessions.push(session);
    session.on('error', () => undefined);
  });
  server.on('stream', (stream, headers) => {
    stream.on('error', () => undefined);
    requests.push(headers);
    const answer = options.answer?.(headers) ?? defaultAnswer(headers, options.protocols ?? []);
    stream.respond(answer);
    const status = Number(answer[':status']);
    if (status < 200 || status > 299) return void stream.end();
    const peer = makePeer(stream, headers, options.echo !== false);
    peers.push(peer);
    notify();
    options.onOpen?.(peer);
  });
  server.on('sessionError', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  onCleanup(
    () =>
      new Promise<void>((resolve) => {
        for (const session of sessions) session.destroy();
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  );
  const until = (ready: () => boolean, what: string): Promise<void> =>
    within(
      new Promise<void>((resolve) => {
        const check = (): void => {
          if (!ready()) return;
          wake.delete(check);
          resolve();
        };
        wake.add(check);
        check();
      }),
      what,
    );
  return {
    server,
    port,
    origin: options.tls !== undefined ? `wss://localhost:${port}` : `ws://127.0.0.1:${port}`,
    connections: () => sockets.length,
    sockets,
    requests,
    sessions,
    peers,
    async peer(index = 0) {
      await until(() => peers.length > index, `WebSocket ${index} at the fixture`);
      return peers[index]!;
    },
    connectionsClosed: (count) => until(() => closedSockets >= count, `${count} TCP connection(s) to close at the fixture`),
  };
}

function defaultAnswer(headers: http2.IncomingHttpHeaders, protocols: string[]): http2.OutgoingHttpHeaders {
  const offered = String(headers['sec-websocket-protocol'] ?? '')
    .split(',')
    .map((p) => p.trim());
  const chosen = offered.find((p) => protocols.includes(p));
  return { ':status': 200, ...(chosen !== undefined ? { 'sec-websocket-protocol': chosen } : {}) };
}

function makePeer(stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders, echo: boolean): FixturePeer {
  const messages: ReceivedMessage[] = [];
  const pings: Buffer[] = [];
  const waiting: Array<(message: ReceivedMessage) => void> = [];
  let consumed = 0;
  let closeSent = false;
  let closeReceived = false;
  let onCloseFrame: (frame: { code: number; reason: string }) => void = () => undefined;
  const closeFrame = new Promise<{ code: number; reason: string }>((resolve) => (onCloseFrame = resolve));
  closeFrame.catch(() => undefined);
  const streamClosed = new Promise<number>((resolve) => stream.once('close', () => resolve(stream.rstCode ?? 0)));
  const write = (opcode: number, data: Uint8Array | string, fin = true, rsv = 0): void => {
    if (stream.destroyed || !stream.writable) return;
    const payload = typeof data === 'string' ? Buffer.from(data) : data;
    stream.write(encodeFrame({ opcode, fin, rsv }, payload));
  };
  const sendClose = (code: number | undefined, reason = ''): void => {
    if (closeSent) return;
    closeSent = true;
    write(Opcode.CLOSE, encodeClosePayload(code, Buffer.from(reason)));
    // RFC 6455 §7.1.1 over RFC 8441 §5: the server ends the stream once both close frames are out.
    if (closeReceived) stream.end();
  };
  const parser = new FrameParser(
    {
      onMessage(data, isText, rsv) {
        const message = { data: Buffer.from(data), isText, rsv };
        messages.push(message);
        const waiter = waiting.shift();
        if (waiter !== undefined) {
          consumed++;
          waiter(message);
        }
        if (echo) write(isText ? Opcode.TEXT : Opcode.BINARY, message.data, true, rsv);
      },
      onPing(payload) {
        pings.push(Buffer.from(payload));
        write(Opcode.PONG, payload);
      },
      onPong() {},
      onClose(code, reason) {
        closeReceived = true;
        onCloseFrame({ code, reason: Buffer.from(reason).toString() });
        if (closeSent) stream.end();
        else sendClose(code === 1005 ? undefined : code, Buffer.from(reason).toString());
      },
      onFailure(failure: FrameFailure) {
        closeReceived = true;
        sendClose(failure.closeCode);
        stream.end();
      },
    },
    // The RSV1 bit belongs to permessage-deflate when a test negotiates it; the fixture passes it through.
    { role: 'server', allowedRsv: 0x40 },
  );
  stream.on('data', (chunk: Buffer) => parser.push(chunk));
  return {
    stream,
    headers,
    session: stream.session as http2.ServerHttp2Session,
    messages,
    pings,
    frame: (opcode, data, frameOptions = {}) => write(opcode, data, frameOptions.fin ?? true, frameOptions.rsv ?? 0),
    close: (code, reason) => sendClose(code, reason),
    closeFrame,
    streamClosed,
    nextMessage: () => {
      if (consumed < messages.length) return Promise.resolve(messages[consumed++]!);
      return within(new Promise<ReceivedMessage>((resolve) => waiting.push(resolve)), 'a message at the fixture');
    },
  };
}

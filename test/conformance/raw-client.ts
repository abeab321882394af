/**
 * Raw-TCP WebSocket client for the server suite (an Autobahn-style "fuzzing client").
 *
 * No WebSocket library on this side: the opening handshake is written by hand (RFC 6455 §4.1)
 * and the response checked (§4.2.2), frames are encoded by ./frame-encoder, and the server's
 * frames are read and held to every rule that binds a *server* by ./shared/raw-endpoint, with
 * ./shared/masking-rules' serverMasking (servers must not mask, §5.1).
 *
 * What is particular to this side is its part of the closing handshake: a client answers a
 * close frame (§5.5.1) and leaves closing TCP to the server (§7.1.1).
 */
import net from 'node:net';
import { createHash, randomBytes } from 'node:crypto';
import type { Payload } from './frame-encoder';
import { parseHeaderLines, readHead, tokenList } from './shared/http-head';
import { track } from './open-sockets';
import { serverMasking } from './shared/masking-rules';
import { RawEndpoint, type CloseExpectation, type CloseOutcome } from './shared/raw-endpoint';
import { DEFAULT_TIMEOUT_MS, withTimeout } from './shared/waits';
import { describeEvent } from './shared/wire-event';

// The server suite's raw-socket entry points stay importable from here (test/extensions uses them too).
export { destroyAllClients } from './open-sockets';
export { httpExchange, type HttpExchangeOptions, type HttpExchangeResult } from './http-exchange';

const WS_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

/** §4.2.2: the Sec-WebSocket-Accept value for `key`. */
export function acceptFor(key: string): string {
  return createHash('sha1').update(key + WS_GUID).digest('base64');
}

export interface ConnectOptions {
  path?: string;
  /** Offered in Sec-WebSocket-Protocol. */
  protocols?: string[];
  /** Extra request headers (added verbatim). */
  headers?: Record<string, string>;
  timeoutMs?: number;
  /** Offered in Sec-WebSocket-Extensions; the server may then answer with that header. */
  extensions?: string;
  /**
   * RSV bits (4 = RSV1, 2 = RSV2, 1 = RSV3) the server may set on the first frame of a data
   * message. Default: RSV1 when the server accepted permessage-deflate, else none.
   */
  allowedRsv?: number;
}

export interface HandshakeInfo {
  statusLine: string;
  /** Lower-cased names; repeated headers joined with ", ". */
  headers: Record<string, string>;
  key: string;
}

export class RawClient extends RawEndpoint {
  /** Called when expectClose accepts a TCP drop in place of a close frame (for grade reporting). */
  static onDrop: ((what: string) => void) | null = null;

  handshake!: HandshakeInfo;

  private constructor(socket: net.Socket) {
    super(socket, 'server', serverMasking, true);
  }

  /** Open a TCP connection and complete the opening handshake (status 101 and a correct accept key). */
  static async connect(port: number, options: ConnectOptions = {}): Promise<RawClient> {
    const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const socket = track(net.connect({ host: '127.0.0.1', port }));
    socket.setNoDelay(true);
    const client = new RawClient(socket);
    const key = randomBytes(16).toString('base64');
    const response = readHead(socket);
    socket.write(handshakeRequest(port, key, options));
    const head = await withTimeout(response, timeoutMs, 'waiting for the handshake response').catch((err: unknown) => {
      socket.destroy();
      throw new Error(`handshake: ${(err as Error).message}`);
    });

    const [statusLine = '', ...headerLines] = head.head.split('\r\n');
    const headers = parseHeaderLines(headerLines);
    client.handshake = { statusLine, headers, key };
    const fail = (why: string): never => {
      socket.destroy();
      throw new Error(`handshake: ${why}\n--- response head ---\n${head.head}`);
    };
    if (!/^HTTP\/1\.1 101( |$)/.test(statusLine)) fail('expected "HTTP/1.1 101"');
    if ((headers['upgrade'] ?? '').toLowerCase() !== 'websocket') fail('Upgrade header is not "websocket"');
    if (!tokenList(headers['connection']).includes('upgrade')) fail('Connection header lacks the "upgrade" token');
    if (headers['sec-websocket-accept'] !== acceptFor(key)) fail(`Sec-WebSocket-Accept should be ${acceptFor(key)}`);
    const extensions = headers['sec-websocket-extensions'];
    if (extensions !== undefined && options.extensions === undefined) fail('server selected an extension the client never offered');
    client.allowedRsv = options.allowedRsv ?? (extensions !== undefined && /(^|,)\s*permessage-deflate\s*(;|,|$)/.test(extensions) ? 4 : 0);
    const selected = headers['sec-websocket-protocol'];
    if (selected !== undefined && !(options.protocols ?? []).includes(selected)) {
      fail(`server selected subprotocol ${JSON.stringify(selected)} which the client did not offer`);
    }
    client.listen(head.rest);
    return client;
  }

  /**
   * The server sent a close frame with one of `codes` (null = empty close body) — or, with
   * `allowDrop`, dropped TCP without one — and then closed the TCP connection itself.
   * When the close frame arrives and the client has not sent its own yet, the client answers it
   * (echoing the code) as RFC 6455 §5.5.1 requires, and leaves closing TCP to the server (§7.1.1).
   */
  async expectClose(codes: number | null | Array<number | null>, opts: CloseExpectation = {}): Promise<CloseOutcome> {
    const list = Array.isArray(codes) ? codes : [codes];
    const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const names = list.map((c) => (c === null ? '(empty)' : String(c))).join(' or ');
    const what = `a close frame with code ${names}${opts.allowDrop ? ' (or a TCP drop)' : ''}`;
    const ev = await this.nextEvent(what, timeoutMs);
    this.assertNoViolations();
    if (ev.type === 'tcp-closed') {
      if (opts.allowDrop) {
        RawClient.onDrop?.(`a close frame with code ${names}`);
        return { dropped: true, code: null, reason: Buffer.alloc(0) };
      }
      throw new Error(`expected ${what}, but the server closed TCP without a close frame (${describeEvent(ev)})\nevents:\n${this.history()}`);
    }
    if (ev.type !== 'close') throw this.unexpected(ev, what);
    if (!list.includes(ev.code)) throw this.unexpected(ev, what);
    if (!this.closeFrameSent && !this.isTcpClosed) {
      await this.sendClose(ev.code === null ? undefined : ev.code);
    }
    await this.expectTcpClosed('the server to close TCP after the closing handshake', timeoutMs);
    return { dropped: false, code: ev.code, reason: ev.reason };
  }

  /** Where Autobahn accepts either: a close frame with one of `codes`, or a plain TCP drop. */
  expectTcpDropOrClose(codes: number | null | Array<number | null>, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<CloseOutcome> {
    return this.expectClose(codes, { allowDrop: true, timeoutMs });
  }

  /**
   * Send close (`code`, default 1000; null: an empty body), expect the server's close with one
   * of `answers` (default: the same code), then the server's TCP close.
   */
  async closeCleanly(code: number | null = 1000, reason: Payload = '', answers: Array<number | null> = [code]): Promise<void> {
    await this.sendClose(code ?? undefined, reason);
    await this.expectClose(answers);
  }
}

function handshakeRequest(port: number, key: string, options: ConnectOptions): string {
  const lines = [
    `GET ${options.path ?? '/'} HTTP/1.1`,
    `Host: 127.0.0.1:${port}`,
    'Upgrade: websocket',
    'Connection: Upgrade',
    `Sec-WebSocket-Key: ${key}`,
    'Sec-WebSocket-Version: 13',
  ];
  if (options.protocols) lines.push(`Sec-WebSocket-Protocol: ${options.protocols.join(', ')}`);
  if (options.extensions !== undefined) lines.push(`Sec-WebSocket-Extensions: ${options.extensions}`);
  for (const [name, value] of Object.entries(options.headers ?? {})) lines.push(`${name}: ${value}`);
  return lines.join('\r\n') + '\r\n\r\n';
}

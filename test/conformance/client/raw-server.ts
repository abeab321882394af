/**
 * A raw-TCP WebSocket *server* for wire-level conformance tests of the client (an Autobahn-style
 * "fuzzing server"): the opening handshake is read and answered by hand, frames are encoded
 * unmasked by ../frame-encoder, and the client's frames are parsed here with every RFC 6455 rule
 * that binds a *client* checked (frames masked with a fresh non-zero key, RSV clear, known
 * opcodes, minimal length encoding, control frames short and unfragmented, text valid UTF-8,
 * sendable close codes, nothing after close). Breaches are collected in `violations` and fail
 * the next expectation.
 *
 * The client under test is hatchway's `Client`, set up to echo every message back (text as
 * text, binary as binary), as Autobahn's fuzzingserver expects of the client it tests.
 */
import * as net from 'node:net';
import { Client, type ClientOptions, type CloseEvent } from '../../../src/index.js';
import { acceptFor, parseRequest, type RawRequest } from '../../client/helpers.js';
import { chop, closePayload, encodeFrame, Op, toBuffer, type FrameSpec, type Payload } from '../frame-encoder.js';

export const DEFAULT_TIMEOUT_MS = 5000;

export type MessageKind = 'text' | 'binary';

export type ClientFrameEvent =
  /** `rsv` is the RSV bits of the message's first frame (4 = RSV1, e.g. permessage-deflate). */
  | { type: 'message'; kind: MessageKind; data: Buffer; frames: number; rsv: number }
  | { type: 'ping'; data: Buffer }
  | { type: 'pong'; data: Buffer }
  /** `code` is null when the close frame had an empty body. */
  | { type: 'close'; code: number | null; reason: Buffer }
  | { type: 'tcp-closed'; how: 'fin' | 'reset' | 'close'; error?: string };

export interface ClientFrame {
  fin: boolean;
  rsv: number;
  opcode: number;
  masked: boolean;
  key: Buffer | null;
  payload: Buffer;
}

export type SendMode =
  /** All frames concatenated, one write (Autobahn's default). */
  | 'bulk'
  /** One write per frame, each flushed before the next (Autobahn's sync mode). */
  | 'per-frame'
  /** The concatenated bytes in chops of `chopSize`, with a pause after each. */
  | { chopSize: number; pauseMs?: number };

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

function isValidUtf8(data: Buffer): boolean {
  try {
    strictUtf8.decode(data);
    return true;
  } catch {
    return false;
  }
}

function isSendableCloseCode(code: number): boolean {
  return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999);
}

function preview(data: Buffer): string {
  const head = data.subarray(0, 32).toString('hex');
  return data.length > 32 ? `0x${head}... (${data.length} bytes)` : `0x${head} (${data.length} bytes)`;
}

function describe(event: ClientFrameEvent): string {
  switch (event.type) {
    case 'message':
      return `${event.kind} message ${preview(event.data)} in ${event.frames} frame(s)`;
    case 'ping':
    case 'pong':
      return `${event.type} ${preview(event.data)}`;
    case 'close':
      return `close frame code=${event.code ?? '(none)'} reason=${preview(event.reason)}`;
    case 'tcp-closed':
      return `TCP closed (${event.how}${event.error !== undefined ? `: ${event.error}` : ''})`;
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

// --- Reading the client's frames -------------------------------------------------------------

/** Incremental frame reader: copies only what a frame needs, so large messages stay linear. */
class FrameReader {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private header: { b0: number; length: number; key: Buffer | null } | null = null;
  private stopped = false;

  constructor(
    private readonly onFrame: (frame: ClientFrame) => void,
    private readonly onViolation: (message: string) => void,
  ) {}

  push(data: Buffer): void {
    if (this.stopped || data.length === 0) return;
    this.chunks.push(data);
    this.buffered += data.length;
    this.drain();
  }

  private take(n: number): Buffer {
    if (n === 0) return Buffer.alloc(0);
    const first = this.chunks[0]!;
    if (first.length >= n) {
      const out = first.subarray(0, n);
      if (first.length === n) this.chunks.shift();
      else this.chunks[0] = first.subarray(n);
      this.buffered -= n;
      return out;
    }
    const out = Buffer.allocUnsafe(n);
    let copied = 0;
    while (copied < n) {
      const chunk = this.chunks[0]!;
      const want = n - copied;
      if (chunk.length <= want) {
        chunk.copy(out, copied);
        copied += chunk.length;
        this.chunks.shift();
      } else {
        chunk.copy(out, copied, 0, want);
        this.chunks[0] = chunk.subarray(want);
        copied += want;
      }
    }
    this.buffered -= n;
    return out;
  }

  private peek(n: number): Buffer {
    const first = this.chunks[0]!;
    if (first.length >= n) return first.subarray(0, n);
    return Buffer.concat(this.chunks).subarray(0, n);
  }

  private drain(): void {
    for (;;) {
      if (this.header === null) {
        if (this.buffered < 2) return;
        const h = this.peek(2);
        const len7 = h[1]! & 0x7f;
        const masked = (h[1]! & 0x80) !== 0;
        const hlen = 2 + (len7 === 126 ? 2 : len7 === 127 ? 8 : 0) + (masked ? 4 : 0);
        if (this.buffered < hlen) return;
        const header = this.take(hlen);
        let length = len7;
        if (len7 === 126) {
          length = header.readUInt16BE(2);
          if (length < 126) this.onViolation(`client used the 16-bit length form for ${length} bytes`);
        } else if (len7 === 127) {
          const hi = header.readUInt32BE(2);
          if (hi >= 0x200000) {
            this.onViolation(`client sent a 64-bit length with the high bits set (0x${hi.toString(16)})`);
            this.stopped = true;
            return;
          }
          length = hi * 0x100000000 + header.readUInt32BE(6);
          if (length < 0x10000) this.onViolation(`client used the 64-bit length form for ${length} bytes`);
        }
        this.header = { b0: header[0]!, length, key: masked ? Buffer.from(header.subarray(hlen - 4)) : null };
      }
      const { b0, length, key } = this.header;
      if (this.buffered < length) return;
      this.header = null;
      let payload = this.take(length);
      if (key !== null) {
        const out = Buffer.allocUnsafe(length);
        const k = key.readUInt32BE(0);
        let i = 0;
        for (; i + 4 <= length; i += 4) out.writeUInt32BE((payload.readUInt32BE(i) ^ k) >>> 0, i);
        for (; i < length; i++) out[i] = payload[i]! ^ key[i & 3]!;
        payload = out;
      }
      this.onFrame({ fin: (b0 & 0x80) !== 0, rsv: (b0 >> 4) & 7, opcode: b0 & 0x0f, masked: key !== null, key, payload });
    }
  }
}

// --- The server side of one connection -------------------------------------------------------

export class RawPeer {
  readonly events: ClientFrameEvent[] = [];
  readonly violations: string[] = [];
  /** Every frame received from the client, in order. */
  readonly frames: ClientFrame[] = [];
  private cursor = 0;
  private wake: (() => void) | null = null;
  private readonly reader: FrameReader;
  private fragmentKind: MessageKind | null = null;
  private fragments: Buffer[] = [];
  private closeReceived = false;
  private closeSent = false;
  private tcpClosed = false;
  private previousKey: Buffer | null = null;
  private fragmentRsv = 0;
  /**
   * RSV bits a negotiated extension lets the client set on the first frame of a data message
   * (4 = RSV1 for permessage-deflate); anywhere else, and any other bit, is still a violation.
   */
  allowedRsv = 0;

  constructor(
    readonly socket: net.Socket,
    readonly request: RawRequest,
    rest: Buffer = Buffer.alloc(0),
  ) {
    this.reader = new FrameReader(
      (frame) => this.onFrame(frame),
      (message) => this.violation(message),
    );
    // A client sends nothing before the 101; anything that came early is parsed (and judged) too.
    this.reader.push(rest);
    socket.on('data', (data: Buffer) => this.reader.push(data));
    socket.on('end', () => this.onTcpClosed('fin'));
    socket.on('error', (error: NodeJS.ErrnoException) => this.onTcpClosed(error.code === 'ECONNRESET' ? 'reset' : 'close', error.code ?? error.message));
    socket.on('close', () => this.onTcpClosed('close'));
  }

  private violation(message: string): void {
    this.violations.push(message);
  }

  private emit(event: ClientFrameEvent): void {
    this.events.push(event);
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }

  private onTcpClosed(how: 'fin' | 'reset' | 'close', error?: string): void {
    if (this.tcpClosed) return;
    this.tcpClosed = true;
    this.emit(error === undefined ? { type: 'tcp-closed', how } : { type: 'tcp-closed', how, error });
  }

  private onFrame(f: ClientFrame): void {
    this.frames.push(f);
    const name = `opcode ${f.opcode}`;
    if (this.closeReceived) this.violation(`client sent a frame (${name}) after its close frame`);
    if (!f.masked) this.violation(`client sent an unmasked frame (${name})`);
    if (f.key !== null) {
      if (f.key.readUInt32BE(0) === 0) this.violation(`client masked a frame (${name}) with an all-zero key`);
      if (this.previousKey !== null && this.previousKey.equals(f.key)) this.violation(`client reused the mask key of its previous frame (${name})`);
      this.previousKey = f.key;
    }
    const firstDataFrame = f.opcode === Op.TEXT || f.opcode === Op.BINARY;
    const unexpectedRsv = firstDataFrame ? f.rsv & ~this.allowedRsv : f.rsv;
    if (unexpectedRsv !== 0) {
      this.violation(
        this.allowedRsv === 0 || !firstDataFrame
          ? `client set RSV bits ${f.rsv} (${name}) without an extension`
          : `client set RSV bits ${f.rsv} (${name}) beyond the negotiated ${this.allowedRsv}`,
      );
    }
    if (f.opcode >= 8) {
      if (!f.fin) this.violation(`client sent a fragmented control frame (${name})`);
      if (f.payload.length > 125) this.violation(`client sent a ${f.payload.length}-byte control frame (${name})`);
    }
    switch (f.opcode) {
      case Op.CONTINUATION:
        if (this.fragmentKind === null) return this.violation('client sent a continuation frame with no message in progress');
        this.fragments.push(f.payload);
        if (f.fin) this.finishMessage();
        return;
      case Op.TEXT:
      case Op.BINARY:
        if (this.fragmentKind !== null) {
          this.violation('client started a new message inside a fragmented one');
          this.fragments = [];
        }
        this.fragmentKind = f.opcode === Op.TEXT ? 'text' : 'binary';
        this.fragmentRsv = f.rsv;
        this.fragments.push(f.payload);
        if (f.fin) this.finishMessage();
        return;
      case Op.PING:
        return this.emit({ type: 'ping', data: f.payload });
      case Op.PONG:
        return this.emit({ type: 'pong', data: f.payload });
      case Op.CLOSE: {
        if (this.closeReceived) return;
        this.closeReceived = true;
        const p = f.payload;
        if (p.length === 1) this.violation('client sent a close frame with a 1-byte body');
        const code = p.length >= 2 ? p.readUInt16BE(0) : null;
        const reason = p.length >= 2 ? p.subarray(2) : Buffer.alloc(0);
        if (code !== null && !isSendableCloseCode(code)) this.violation(`client sent close code ${code}, which must not be sent`);
        if (!isValidUtf8(reason)) this.violation('client sent a close reason that is not UTF-8');
        return this.emit({ type: 'close', code, reason });
      }
      default:
        this.violation(`client sent a frame with reserved opcode ${f.opcode}`);
    }
  }

  private finishMessage(): void {
    const data = this.fragments.length === 1 ? this.fragments[0]! : Buffer.concat(this.fragments);
    const kind = this.fragmentKind!;
    const frames = this.fragments.length;
    const rsv = this.fragmentRsv;
    this.fragmentKind = null;
    this.fragments = [];
    this.fragmentRsv = 0;
    // A compressed text message is only UTF-8 once inflated; whoever negotiated the extension checks it.
    if (kind === 'text' && (rsv & 4) === 0 && !isValidUtf8(data)) this.violation('client sent a text message that is not UTF-8');
    this.emit({ type: 'message', kind, data, frames, rsv });
  }

  history(): string {
    if (this.events.length === 0) return '(nothing)';
    return this.events.map((e, i) => `${i === this.cursor - 1 ? '>' : ' '} #${i} ${describe(e)}`).join('\n');
  }

  assertNoViolations(): void {
    if (this.violations.length > 0) {
      throw new Error(`the client broke RFC 6455 on the wire:\n- ${this.violations.join('\n- ')}\nevents:\n${this.history()}`);
    }
  }

  // --- waiting for the client's frames -------------------------------------------------------

  async nextEvent(what: string, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<ClientFrameEvent> {
    if (this.cursor < this.events.length) return this.events[this.cursor++]!;
    if (this.tcpClosed) throw new Error(`expected ${what}, but the connection is already closed\nevents:\n${this.history()}`);
    const origin = new Error();
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.wake = null;
        const error = new Error(`timed out after ${timeoutMs} ms waiting for ${what}\nevents so far:\n${this.history()}`);
        error.stack = `${error.message}\n${(origin.stack ?? '').split('\n').slice(1).join('\n')}`;
        reject(error);
      }, timeoutMs);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    return this.events[this.cursor++]!;
  }

  async peekEvent(what: string, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<ClientFrameEvent> {
    const event = await this.nextEvent(what, timeoutMs);
    this.cursor--;
    return event;
  }

  private unexpected(event: ClientFrameEvent, what: string): Error {
    return new Error(`expected ${what}, got ${describe(event)}\nevents:\n${this.history()}`);
  }

  /** The next event is a `kind` message equal to `payload` byte for byte (the client's echo). */
  async expectEcho(kind: MessageKind, payload: Payload, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<void> {
    const expected = toBuffer(payload);
    const what = `the echo: ${kind} message ${preview(expected)}`;
    const event = await this.nextEvent(what, timeoutMs);
    this.assertNoViolations();
    if (event.type !== 'message' || event.kind !== kind) throw this.unexpected(event, what);
    if (!event.data.equals(expected)) {
      let at = 0;
      while (at < Math.min(event.data.length, expected.length) && event.data[at] === expected[at]) at++;
      throw new Error(`expected ${what}, got ${describe(event)}; lengths ${event.data.length} vs ${expected.length}, first difference at byte ${at}`);
    }
  }

  expectText(payload: Payload, timeoutMs?: number): Promise<void> {
    return this.expectEcho('text', payload, timeoutMs);
  }

  expectBinary(payload: Payload, timeoutMs?: number): Promise<void> {
    return this.expectEcho('binary', payload, timeoutMs);
  }

  /** Autobahn's NON-STRICT alternative: a message (which must be exactly `payload`), or not. */
  async maybeExpectEcho(kind: MessageKind, payload: Payload, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<boolean> {
    const event = await this.peekEvent(`a ${kind} message or the close`, timeoutMs);
    if (event.type !== 'message') return false;
    await this.expectEcho(kind, payload, timeoutMs);
    return true;
  }

  async expectPong(payload: Payload, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<void> {
    const expected = toBuffer(payload);
    const what = `pong ${preview(expected)}`;
    const event = await this.nextEvent(what, timeoutMs);
    this.assertNoViolations();
    if (event.type !== 'pong' || !event.data.equals(expected)) throw this.unexpected(event, what);
  }

  async expectPing(payload: Payload, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<void> {
    const expected = toBuffer(payload);
    const event = await this.nextEvent(`ping ${preview(expected)}`, timeoutMs);
    this.assertNoViolations();
    if (event.type !== 'ping' || !event.data.equals(expected)) throw this.unexpected(event, `ping ${preview(expected)}`);
  }

  /**
   * The client failed the connection: a close frame with one of `codes` (or, where Autobahn
   * grades it OK too, a TCP drop) within `timeoutMs`; then the server closes TCP, as Autobahn's
   * fuzzing server does, and the client's side must close too.
   */
  async expectFailure(codes: number | number[], timeoutMs = DEFAULT_TIMEOUT_MS): Promise<{ dropped: boolean; code: number | null }> {
    const list = Array.isArray(codes) ? codes : [codes];
    const what = `a close frame with code ${list.join(' or ')} (or a TCP drop)`;
    const event = await this.nextEvent(what, timeoutMs);
    this.assertNoViolations();
    if (event.type === 'tcp-closed') return { dropped: true, code: null };
    if (event.type !== 'close' || event.code === null || !list.includes(event.code)) throw this.unexpected(event, what);
    this.socket.end();
    await this.expectTcpClosed('the client to close TCP after failing', timeoutMs);
    return { dropped: false, code: event.code };
  }

  /**
   * The server starts the closing handshake: sends close (`code`, `reason`; null for an empty
   * body), expects the client's close with one of `echo` (default: the same code), then closes
   * TCP first, as RFC 6455 §7.1.1 asks of a server.
   */
  async closeCleanly(code: number | null = 1000, reason: Payload = '', echo: Array<number | null> = [code]): Promise<void> {
    await this.sendClose(code ?? undefined, reason);
    await this.expectCloseFrame(echo);
    this.socket.end();
    await this.expectTcpClosed('the client to close TCP after the closing handshake');
  }

  /** The next event is a close frame with one of `codes` (null: empty body). */
  async expectCloseFrame(codes: Array<number | null>, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<{ code: number | null; reason: Buffer }> {
    const what = `a close frame with code ${codes.map((c) => c ?? '(empty)').join(' or ')}`;
    const event = await this.nextEvent(what, timeoutMs);
    this.assertNoViolations();
    if (event.type !== 'close' || !codes.includes(event.code)) throw this.unexpected(event, what);
    return { code: event.code, reason: event.reason };
  }

  /** The next event is the end of TCP (a FIN may be followed by 'close': both count once). */
  async expectTcpClosed(what = 'the TCP connection to close', timeoutMs = DEFAULT_TIMEOUT_MS): Promise<void> {
    const event = await this.nextEvent(what, timeoutMs);
    this.assertNoViolations();
    if (event.type !== 'tcp-closed') throw this.unexpected(event, what);
  }

  /** Nothing arrives for `ms` (for "must not answer yet" checks). */
  async expectSilence(ms: number, why = ''): Promise<void> {
    await delay(ms);
    this.assertNoViolations();
    if (this.cursor < this.events.length) {
      throw new Error(`expected silence${why ? ` (${why})` : ''}, got ${describe(this.events[this.cursor]!)}\nevents:\n${this.history()}`);
    }
  }

  /** Every event consumed and no violation. */
  assertDone(): void {
    this.assertNoViolations();
    if (this.cursor < this.events.length) {
      throw new Error(`unexpected events left over:\n${this.history()}`);
    }
  }

  // --- sending (unmasked, as a server) ---------------------------------------------------------

  write(data: Buffer, timeoutMs = 2 * DEFAULT_TIMEOUT_MS): Promise<void> {
    if (this.socket.destroyed || this.socket.writableEnded) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      this.socket.write(data, () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  async sendFrames(specs: FrameSpec[], mode: SendMode = 'bulk'): Promise<void> {
    const frames = specs.map((spec) => encodeFrame({ mask: false, ...spec }));
    if (specs.some((spec) => spec.opcode === Op.CLOSE)) this.closeSent = true;
    if (mode === 'bulk') return this.write(frames.length === 1 ? frames[0]! : Buffer.concat(frames));
    if (mode === 'per-frame') {
      for (const frame of frames) await this.write(frame);
      return;
    }
    for (const piece of chop(Buffer.concat(frames), mode.chopSize)) {
      await this.write(piece);
      if (mode.pauseMs !== undefined && mode.pauseMs > 0) await delay(mode.pauseMs);
    }
  }

  sendFrame(spec: FrameSpec, mode: SendMode = 'bulk'): Promise<void> {
    return this.sendFrames([spec], mode);
  }

  sendText(payload: Payload, mode?: SendMode): Promise<void> {
    return this.sendFrame({ opcode: Op.TEXT, payload }, mode);
  }

  sendBinary(payload: Payload, mode?: SendMode): Promise<void> {
    return this.sendFrame({ opcode: Op.BINARY, payload }, mode);
  }

  ping(payload: Payload = '', mode?: SendMode): Promise<void> {
    return this.sendFrame({ opcode: Op.PING, payload }, mode);
  }

  pong(payload: Payload = '', mode?: SendMode): Promise<void> {
    return this.sendFrame({ opcode: Op.PONG, payload }, mode);
  }

  sendClose(code?: number, reason: Payload = ''): Promise<void> {
    return this.sendFrame({ opcode: Op.CLOSE, payload: closePayload(code, reason) });
  }

  get closeFrameSent(): boolean {
    return this.closeSent;
  }

  destroy(): void {
    this.socket.destroy();
  }
}

// --- The client under test -------------------------------------------------------------------

export interface EchoClient {
  client: Client;
  /** Event names in order. */
  log: string[];
  errors: Array<{ name: string; code: string | undefined }>;
  /** Resolves on the close event (bounded). */
  closed(timeoutMs?: number): Promise<CloseEvent>;
  /**
   * The client's close event: `code`, `wasClean`, and the codes of the errors it emitted
   * (none for a clean close).
   */
  expectClosed(expected: { code: number; wasClean: boolean; errors?: string[] }, timeoutMs?: number): Promise<void>;
}

/** A hatchway Client that echoes every message back as it came. */
export function echoClient(url: string, protocols?: string[] | null, options?: ClientOptions): EchoClient {
  const client = new Client(url, protocols, options);
  const log: string[] = [];
  const errors: Array<{ name: string; code: string | undefined }> = [];
  client.on('open', () => log.push('open'));
  client.on('message', (event) => {
    log.push('message');
    client.send(event.data);
  });
  client.on('error', (event) => {
    log.push('error');
    errors.push({ name: event.error.name, code: (event.error as { code?: string }).code });
  });
  const closed = new Promise<CloseEvent>((resolve) =>
    client.on('close', (event) => {
      log.push('close');
      resolve(event);
    }),
  );
  const bounded = (timeoutMs = DEFAULT_TIMEOUT_MS): Promise<CloseEvent> => {
    let timer: NodeJS.Timeout | undefined;
    return Promise.race([
      closed,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`the client did not close within ${timeoutMs} ms; log: ${log.join(', ')}`)), timeoutMs);
      }),
    ]).finally(() => clearTimeout(timer));
  };
  return {
    client,
    log,
    errors,
    closed: bounded,
    async expectClosed(expected, timeoutMs) {
      const event = await bounded(timeoutMs);
      expect({ code: event.code, wasClean: event.wasClean, errors: errors.map((e) => e.code) }).toEqual({
        code: expected.code,
        wasClean: expected.wasClean,
        errors: expected.errors ?? [],
      });
    },
  };
}

// --- The harness: one listening server per test file -------------------------------------------

export interface ConnectOptions {
  protocols?: string[];
  clientOptions?: ClientOptions;
  path?: string;
  /** Extra 101 header lines (without CRLF). */
  responseHeaders?: string[];
  /** Bytes written right after the 101, in the same write. */
  afterResponse?: Buffer;
  /** RawPeer.allowedRsv for this connection (4 when the 101 agrees to permessage-deflate). */
  allowedRsv?: number;
}

export interface Connection {
  peer: RawPeer;
  client: EchoClient;
}

export interface ClientHarness {
  readonly port: number;
  readonly url: string;
  /** Starts an echo client, answers its handshake with a correct 101, and waits for `open`. */
  connect(options?: ConnectOptions): Promise<Connection>;
  /** Starts an echo client and hands over its socket and request head, unanswered. */
  accept(options?: ConnectOptions): Promise<{ socket: net.Socket; request: RawRequest; rest: Buffer; client: EchoClient }>;
}

/** One raw server for the file; every socket and client is gone after each test. */
export function useClientHarness(): ClientHarness {
  let server: net.Server | undefined;
  let port = 0;
  const incoming: Array<(value: { socket: net.Socket; request: RawRequest; rest: Buffer }) => void> = [];
  const sockets = new Set<net.Socket>();
  const clients = new Set<Client>();

  beforeAll(async () => {
    server = net.createServer((socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => undefined);
      socket.setNoDelay(true);
      let buffered = Buffer.alloc(0);
      const onData = (chunk: Buffer): void => {
        buffered = Buffer.concat([buffered, chunk]);
        const end = buffered.indexOf('\r\n\r\n');
        if (end < 0) return;
        socket.off('data', onData);
        socket.pause();
        const request = parseRequest(buffered.subarray(0, end).toString('latin1'));
        const take = incoming.shift();
        if (take === undefined) return void socket.destroy();
        take({ socket, request, rest: buffered.subarray(end + 4) });
      };
      socket.on('data', onData);
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    port = (server.address() as net.AddressInfo).port;
  });

  afterEach(async () => {
    const waits: Array<Promise<unknown>> = [];
    for (const client of clients) {
      if (client.readyState !== Client.CLOSED) {
        waits.push(new Promise((resolve) => client.once('close', resolve)));
        client.terminate();
      }
    }
    clients.clear();
    for (const socket of sockets) socket.destroy();
    sockets.clear();
    incoming.length = 0;
    await Promise.all(waits);
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => (server === undefined ? resolve() : server.close(() => resolve())));
  });

  const harness: ClientHarness = {
    get port() {
      return port;
    },
    get url() {
      return `ws://127.0.0.1:${port}`;
    },
    async accept(options = {}) {
      const arrived = new Promise<{ socket: net.Socket; request: RawRequest; rest: Buffer }>((resolve) => incoming.push(resolve));
      const client = echoClient(`${harness.url}${options.path ?? '/'}`, options.protocols ?? null, options.clientOptions);
      clients.add(client.client);
      let timer: NodeJS.Timeout | undefined;
      const connection = await Promise.race([
        arrived,
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`the client did not connect; log: ${client.log.join(', ')}`)), DEFAULT_TIMEOUT_MS);
        }),
      ]).finally(() => clearTimeout(timer));
      return { ...connection, client };
    },
    async connect(options = {}) {
      const { socket, request, rest, client } = await harness.accept(options);
      const peer = new RawPeer(socket, request, rest);
      peer.allowedRsv = options.allowedRsv ?? 0;
      const response = [
        'HTTP/1.1 101 Switching Protocols',
        'Upgrade: websocket',
        'Connection: Upgrade',
        `Sec-WebSocket-Accept: ${acceptFor(request.key)}`,
        ...(options.responseHeaders ?? []),
      ].join('\r\n');
      const opened = new Promise<void>((resolve, reject) => {
        client.client.once('open', () => resolve());
        client.client.once('close', () => reject(new Error(`the client closed before open; log: ${client.log.join(', ')}`)));
      });
      opened.catch(() => undefined);
      socket.write(Buffer.concat([Buffer.from(`${response}\r\n\r\n`, 'latin1'), options.afterResponse ?? Buffer.alloc(0)]));
      socket.resume();
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        opened,
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error('the client did not open')), DEFAULT_TIMEOUT_MS);
        }),
      ]).finally(() => clearTimeout(timer));
      return { peer, client };
    },
  };
  return harness;
}

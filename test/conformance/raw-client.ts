/**
 * Raw-TCP WebSocket client for wire-level conformance tests (an Autobahn-style "fuzzing client").
 *
 * No WebSocket library on this side: the opening handshake is written by hand, frames are
 * encoded by ./frame-encoder and the server's frames are parsed here, with every RFC 6455 rule
 * that binds a *server* checked (frames unmasked, RSV bits clear, known opcodes, minimal length
 * encoding, control frames short and unfragmented, text valid UTF-8, nothing after close).
 * Breaches are collected in `violations` and fail the next expectation.
 *
 * Everything the server sends becomes a `ServerEvent` in arrival order; the `expect*` methods
 * consume them one at a time, each bounded by a timeout, and fail with a message that lists
 * what did arrive.
 */
import net from 'node:net';
import { createHash, randomBytes } from 'node:crypto';
import { chop, closePayload, encodeFrame, Op, toBuffer, type FrameSpec, type Payload } from './frame-encoder';

export const DEFAULT_TIMEOUT_MS = 5000;
export const WS_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

export type MessageKind = 'text' | 'binary';

export type ServerEvent =
  /** `rsv` is the RSV bits of the message's first frame (4 = RSV1: compressed with permessage-deflate). */
  | { type: 'message'; kind: MessageKind; data: Buffer; frames: number; rsv: number }
  | { type: 'ping'; data: Buffer }
  | { type: 'pong'; data: Buffer }
  /** `code` is null when the close frame had an empty body. */
  | { type: 'close'; code: number | null; reason: Buffer }
  /** The TCP connection ended: FIN from the server, a reset, or a local close after an error. */
  | { type: 'tcp-closed'; how: 'fin' | 'reset' | 'close'; error?: string };

export interface ParsedFrame {
  fin: boolean;
  rsv: number;
  opcode: number;
  masked: boolean;
  payload: Buffer;
}

// ---------------------------------------------------------------------------------------------
// Bookkeeping: every socket opened here is destroyed by destroyAllClients().

const openSockets = new Set<net.Socket>();

function track(socket: net.Socket): net.Socket {
  openSockets.add(socket);
  socket.once('close', () => openSockets.delete(socket));
  return socket;
}

/** Destroy every socket this module opened (call from afterEach/afterAll). */
export function destroyAllClients(): void {
  for (const s of openSockets) s.destroy();
  openSockets.clear();
}

// ---------------------------------------------------------------------------------------------
// Small utilities.

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function yieldMacrotask(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

export function acceptFor(key: string): string {
  return createHash('sha1').update(key + WS_GUID).digest('base64');
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

export function isValidUtf8(data: Buffer): boolean {
  try {
    strictUtf8.decode(data);
    return true;
  } catch {
    return false;
  }
}

function preview(data: Buffer, kind: 'text' | 'binary' = 'binary'): string {
  const max = 40;
  const head = data.subarray(0, max);
  const shown = kind === 'text' && isValidUtf8(data) ? JSON.stringify(head.toString('utf8')) : `0x${head.toString('hex')}`;
  return data.length > max ? `${shown}... (${data.length} bytes)` : `${shown} (${data.length} bytes)`;
}

export function describeEvent(ev: ServerEvent): string {
  switch (ev.type) {
    case 'message':
      return `${ev.kind} message ${preview(ev.data, ev.rsv === 0 ? ev.kind : 'binary')} in ${ev.frames} frame(s)${ev.rsv !== 0 ? ` with RSV ${ev.rsv}` : ''}`;
    case 'ping':
    case 'pong':
      return `${ev.type} ${preview(ev.data)}`;
    case 'close':
      return `close frame code=${ev.code === null ? '(none)' : ev.code} reason=${preview(ev.reason, 'text')}`;
    case 'tcp-closed':
      return `TCP closed (${ev.how}${ev.error ? `: ${ev.error}` : ''})`;
  }
}

function firstDifference(a: Buffer, b: Buffer): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return n;
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Timed out after ${ms} ms: ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

// ---------------------------------------------------------------------------------------------
// Server-to-client frame reader.

class FrameReader {
  private chunks: Buffer[] = [];
  private buffered = 0;

  constructor(
    private readonly onFrame: (frame: ParsedFrame) => void,
    private readonly onViolation: (message: string) => void,
  ) {}

  push(data: Buffer): void {
    if (data.length === 0) return;
    this.chunks.push(data);
    this.buffered += data.length;
    this.drain();
  }

  private peek(n: number): Buffer {
    const first = this.chunks[0]!;
    if (first.length >= n) return first.subarray(0, n);
    return Buffer.concat(this.chunks, this.buffered).subarray(0, n);
  }

  private take(n: number): Buffer {
    if (n === 0) return Buffer.alloc(0);
    const first = this.chunks[0]!;
    if (first.length > n) {
      this.chunks[0] = first.subarray(n);
      this.buffered -= n;
      return first.subarray(0, n);
    }
    if (first.length === n) {
      this.chunks.shift();
      this.buffered -= n;
      return first;
    }
    const out = Buffer.allocUnsafe(n);
    let copied = 0;
    while (copied < n) {
      const c = this.chunks[0]!;
      const want = n - copied;
      if (c.length <= want) {
        c.copy(out, copied);
        copied += c.length;
        this.chunks.shift();
      } else {
        c.copy(out, copied, 0, want);
        this.chunks[0] = c.subarray(want);
        copied += want;
      }
    }
    this.buffered -= n;
    return out;
  }

  private drain(): void {
    for (;;) {
      if (this.buffered < 2) return;
      const h2 = this.peek(2);
      const b1 = h2[1]!;
      const len7 = b1 & 0x7f;
      const masked = (b1 & 0x80) !== 0;
      const extLen = len7 === 126 ? 2 : len7 === 127 ? 8 : 0;
      const hlen = 2 + extLen + (masked ? 4 : 0);
      if (this.buffered < hlen) return;
      const header = this.peek(hlen);
      let length = len7;
      if (len7 === 126) {
        length = header.readUInt16BE(2);
        if (length < 126) this.onViolation(`server used the 16-bit length form for a ${length}-byte payload`);
      } else if (len7 === 127) {
        const hi = header.readUInt32BE(2);
        const lo = header.readUInt32BE(6);
        if (hi >= 0x200000) {
          this.onViolation(`server sent a frame length with the high bit set or beyond 2^53 (hi=0x${hi.toString(16)})`);
          this.chunks = [];
          this.buffered = 0;
          return;
        }
        length = hi * 0x100000000 + lo;
        if (length < 0x10000) this.onViolation(`server used the 64-bit length form for a ${length}-byte payload`);
      }
      if (this.buffered < hlen + length) return;
      const b0 = this.take(hlen)[0]!;
      const key = masked ? header.subarray(2 + extLen, hlen) : null;
      let payload = this.take(length);
      if (key) {
        const copy = Buffer.allocUnsafe(payload.length);
        for (let i = 0; i < payload.length; i++) copy[i] = payload[i]! ^ key[i & 3]!;
        payload = copy;
      }
      this.onFrame({ fin: (b0 & 0x80) !== 0, rsv: (b0 >> 4) & 7, opcode: b0 & 0x0f, masked, payload });
    }
  }
}

// ---------------------------------------------------------------------------------------------
// The client.

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

export type SendMode =
  /** All frames concatenated and written with one write (Autobahn's default). */
  | 'bulk'
  /** One write per frame, each flushed before the next (Autobahn's sync=True). */
  | 'per-frame'
  /** The concatenated bytes written in chops of `chopSize` with a pause after each. */
  | { chopSize: number; pauseMs?: number };

export interface CloseExpectation {
  /** Accept a TCP drop without a close frame instead (where Autobahn grades it OK). */
  allowDrop?: boolean;
  timeoutMs?: number;
}

export interface CloseOutcome {
  dropped: boolean;
  code: number | null;
  reason: Buffer;
}

export class RawClient {
  /** Called when expectClose accepts a TCP drop in place of a close frame (for grade reporting). */
  static onDrop: ((what: string) => void) | null = null;

  readonly events: ServerEvent[] = [];
  readonly violations: string[] = [];
  readonly writeErrors: string[] = [];
  /** Every frame received from the server, in order (after the handshake). */
  readonly frames: ParsedFrame[] = [];
  handshake!: HandshakeInfo;

  private cursor = 0;
  private wake: (() => void) | null = null;
  private readonly reader: FrameReader;
  private fragmentKind: MessageKind | null = null;
  private fragmentRsv = 0;
  private fragments: Buffer[] = [];
  /** RSV bits a negotiated extension lets the server set on a data message's first frame. */
  allowedRsv = 0;
  private closeReceived = false;
  private closeSent = false;
  private tcpClosed = false;

  private constructor(readonly socket: net.Socket) {
    this.reader = new FrameReader(
      (f) => this.onFrame(f),
      (m) => this.violation(m),
    );
  }

  /** Open a TCP connection and complete the opening handshake (status 101 and a correct accept key). */
  static async connect(port: number, options: ConnectOptions = {}): Promise<RawClient> {
    const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const socket = track(net.connect({ host: '127.0.0.1', port }));
    socket.setNoDelay(true);
    const client = new RawClient(socket);
    const key = randomBytes(16).toString('base64');
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
    const request = lines.join('\r\n') + '\r\n\r\n';

    const head = await withTimeout(
      new Promise<{ head: string; rest: Buffer }>((resolve, reject) => {
        let buf = Buffer.alloc(0);
        const onData = (data: Buffer): void => {
          buf = Buffer.concat([buf, data]);
          const end = buf.indexOf('\r\n\r\n');
          if (end < 0) return;
          socket.off('data', onData);
          socket.off('error', onError);
          socket.off('close', onClose);
          resolve({ head: buf.subarray(0, end).toString('latin1'), rest: buf.subarray(end + 4) });
        };
        const onError = (err: Error): void => reject(new Error(`handshake: socket error ${err.message}`));
        const onClose = (): void =>
          reject(new Error(`handshake: connection closed before the response head; got ${JSON.stringify(buf.toString('latin1'))}`));
        socket.on('data', onData);
        socket.on('error', onError);
        socket.on('close', onClose);
        socket.write(request);
      }),
      timeoutMs,
      'waiting for the handshake response',
    ).catch((err: unknown) => {
      socket.destroy();
      throw err;
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

    socket.on('data', (data: Buffer) => client.reader.push(data));
    socket.on('end', () => client.onTcpClosed('fin'));
    socket.on('error', (err: NodeJS.ErrnoException) =>
      client.onTcpClosed(err.code === 'ECONNRESET' ? 'reset' : 'close', err.code ?? err.message),
    );
    socket.on('close', () => client.onTcpClosed('close'));
    client.reader.push(head.rest);
    return client;
  }

  // ---- incoming -------------------------------------------------------------------------------

  private violation(message: string): void {
    this.violations.push(message);
  }

  private emit(ev: ServerEvent): void {
    this.events.push(ev);
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }

  private onTcpClosed(how: 'fin' | 'reset' | 'close', error?: string): void {
    if (this.tcpClosed) return;
    this.tcpClosed = true;
    this.emit(error === undefined ? { type: 'tcp-closed', how } : { type: 'tcp-closed', how, error });
  }

  private onFrame(f: ParsedFrame): void {
    this.frames.push(f);
    const name = `opcode ${f.opcode}`;
    if (this.closeReceived) this.violation(`server sent a frame (${name}) after its close frame`);
    if (f.masked) this.violation(`server sent a masked frame (${name}); servers must not mask`);
    if (f.rsv !== 0) {
      if (f.opcode !== Op.TEXT && f.opcode !== Op.BINARY) this.violation(`server set RSV bits ${f.rsv} on a control or continuation frame (${name})`);
      else if ((f.rsv & ~this.allowedRsv) !== 0) this.violation(`server set RSV bits ${f.rsv} on a frame (${name}) without a negotiated extension`);
    }
    if (f.opcode >= 8) {
      if (!f.fin) this.violation(`server sent a fragmented control frame (${name})`);
      if (f.payload.length > 125) this.violation(`server sent a ${f.payload.length}-byte control frame (${name})`);
    }
    switch (f.opcode) {
      case Op.CONTINUATION:
        if (this.fragmentKind === null) {
          this.violation('server sent a continuation frame with no message in progress');
          return;
        }
        this.fragments.push(f.payload);
        if (f.fin) this.finishMessage();
        return;
      case Op.TEXT:
      case Op.BINARY:
        if (this.fragmentKind !== null) {
          this.violation('server started a new data message before finishing the previous one');
          this.fragments = [];
        }
        this.fragmentKind = f.opcode === Op.TEXT ? 'text' : 'binary';
        this.fragmentRsv = f.rsv;
        this.fragments.push(f.payload);
        if (f.fin) this.finishMessage();
        return;
      case Op.PING:
        this.emit({ type: 'ping', data: f.payload });
        return;
      case Op.PONG:
        this.emit({ type: 'pong', data: f.payload });
        return;
      case Op.CLOSE: {
        if (this.closeReceived) return;
        this.closeReceived = true;
        const p = f.payload;
        if (p.length === 1) this.violation('server sent a close frame with a 1-byte body');
        const code = p.length >= 2 ? p.readUInt16BE(0) : null;
        const reason = p.length >= 2 ? p.subarray(2) : Buffer.alloc(0);
        if (code !== null && !isSendableCloseCode(code)) this.violation(`server sent close code ${code}, which must not appear on the wire`);
        if (!isValidUtf8(reason)) this.violation('server sent a close reason that is not valid UTF-8');
        this.emit({ type: 'close', code, reason });
        return;
      }
      default:
        this.violation(`server sent a frame with reserved opcode ${f.opcode}`);
    }
  }

  private finishMessage(): void {
    const data = this.fragments.length === 1 ? this.fragments[0]! : Buffer.concat(this.fragments);
    const kind = this.fragmentKind!;
    const frames = this.fragments.length;
    const rsv = this.fragmentRsv;
    this.fragmentKind = null;
    this.fragments = [];
    // A transformed (compressed) payload is text only once the extension has undone it.
    if (kind === 'text' && rsv === 0 && !isValidUtf8(data)) this.violation('server sent a text message that is not valid UTF-8');
    this.emit({ type: 'message', kind, data, frames, rsv });
  }

  /** Events received so far, one per line (for failure messages). */
  history(): string {
    if (this.events.length === 0) return '(nothing)';
    return this.events.map((e, i) => `${i === this.cursor - 1 ? '>' : ' '} #${i} ${describeEvent(e)}`).join('\n');
  }

  assertNoViolations(): void {
    if (this.violations.length > 0) {
      throw new Error(`server broke RFC 6455 on the wire:\n- ${this.violations.join('\n- ')}\nevents:\n${this.history()}`);
    }
  }

  /** The next unconsumed event, waiting up to `timeoutMs` for it. */
  async nextEvent(what: string, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<ServerEvent> {
    if (this.cursor < this.events.length) return this.events[this.cursor++]!;
    if (this.tcpClosed) throw new Error(`expected ${what}, but the connection is already closed\nevents:\n${this.history()}`);
    const origin = new Error(); // keeps the caller's stack for the timeout error
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.wake = null;
        const err = new Error(`Timed out after ${timeoutMs} ms waiting for ${what}\nevents so far:\n${this.history()}`);
        err.stack = `${err.message}\n${(origin.stack ?? '').split('\n').slice(1).join('\n')}`;
        reject(err);
      }, timeoutMs);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    return this.events[this.cursor++]!;
  }

  /** Like nextEvent, but leaves the event to be consumed by the next expectation. */
  async peekEvent(what: string, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<ServerEvent> {
    const ev = await this.nextEvent(what, timeoutMs);
    this.cursor--;
    return ev;
  }

  private unexpected(ev: ServerEvent, what: string): Error {
    return new Error(`expected ${what}, got ${describeEvent(ev)}\nevents:\n${this.history()}`);
  }

  // ---- expectations ---------------------------------------------------------------------------

  /** The next event is a `kind` message whose payload equals `payload` byte for byte. */
  async expectMessage(kind: MessageKind, payload: Payload, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<void> {
    const expected = toBuffer(payload);
    const what = `${kind} message ${preview(expected, kind)}`;
    const ev = await this.nextEvent(what, timeoutMs);
    this.assertNoViolations();
    if (ev.type !== 'message' || ev.kind !== kind) throw this.unexpected(ev, what);
    if (!ev.data.equals(expected)) {
      const at = firstDifference(ev.data, expected);
      throw new Error(
        `expected ${what}, got ${describeEvent(ev)}; lengths ${ev.data.length} vs ${expected.length}, first difference at byte ${at}`,
      );
    }
  }

  /**
   * For Autobahn's NON-STRICT alternatives: if the next event is a message it must be exactly
   * `payload` (consumed, returns true); any other event is left in place (returns false).
   */
  async maybeExpectMessage(kind: MessageKind, payload: Payload, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<boolean> {
    const ev = await this.peekEvent(`${kind} message or the close`, timeoutMs);
    if (ev.type !== 'message') return false;
    await this.expectMessage(kind, payload, timeoutMs);
    return true;
  }

  /** The server echoed `payload` back as a message of the same kind. */
  expectEcho(kind: MessageKind, payload: Payload, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<void> {
    return this.expectMessage(kind, payload, timeoutMs);
  }

  expectText(payload: Payload, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<void> {
    return this.expectMessage('text', payload, timeoutMs);
  }

  expectBinary(payload: Payload, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<void> {
    return this.expectMessage('binary', payload, timeoutMs);
  }

  async expectPong(payload: Payload, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<void> {
    const expected = toBuffer(payload);
    const what = `pong ${preview(expected)}`;
    const ev = await this.nextEvent(what, timeoutMs);
    this.assertNoViolations();
    if (ev.type !== 'pong' || !ev.data.equals(expected)) throw this.unexpected(ev, what);
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
    if (!this.closeSent && !this.tcpClosed) {
      await this.sendClose(ev.code === null ? undefined : ev.code);
    }
    await this.expectTcpClosed('the server to close TCP after the closing handshake', timeoutMs);
    return { dropped: false, code: ev.code, reason: ev.reason };
  }

  /** Where Autobahn accepts either: a close frame with one of `codes`, or a plain TCP drop. */
  expectTcpDropOrClose(codes: number | null | Array<number | null>, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<CloseOutcome> {
    return this.expectClose(codes, { allowDrop: true, timeoutMs });
  }

  /** The next event is the end of the TCP connection. */
  async expectTcpClosed(what = 'the TCP connection to close', timeoutMs = DEFAULT_TIMEOUT_MS): Promise<void> {
    const ev = await this.nextEvent(what, timeoutMs);
    this.assertNoViolations();
    if (ev.type !== 'tcp-closed') throw this.unexpected(ev, what);
  }

  /** Nothing at all arrives within `ms` (Autobahn's "timeout" trace entry). */
  async expectSilence(ms: number, why = ''): Promise<void> {
    const ev = await this.nextEvent('silence', ms).catch(() => null);
    this.assertNoViolations();
    if (ev !== null) throw this.unexpected(ev, `nothing within ${ms} ms${why ? ` (${why})` : ''}`);
  }

  /** Send close (default 1000), expect the server's close with the same code, then the server's TCP close. */
  async closeCleanly(code = 1000, reason: Payload = ''): Promise<void> {
    await this.sendClose(code, reason);
    await this.expectClose(code);
  }

  /** Assert that every event received has been consumed by an expectation and no violation occurred. */
  assertDone(): void {
    this.assertNoViolations();
    if (this.cursor < this.events.length) {
      throw new Error(`unexpected extra events:\n${this.history()}`);
    }
  }

  // ---- outgoing -------------------------------------------------------------------------------

  get isTcpClosed(): boolean {
    return this.tcpClosed;
  }

  /** Write bytes with a single write and wait until they are handed to the kernel. */
  write(data: Buffer, timeoutMs = 2 * DEFAULT_TIMEOUT_MS): Promise<void> {
    const socket = this.socket;
    if (socket.destroyed || !socket.writable) {
      this.writeErrors.push(`write of ${data.length} bytes after the socket closed`);
      return Promise.resolve();
    }
    return withTimeout(
      new Promise<void>((resolve) => {
        const onClose = (): void => resolve();
        socket.once('close', onClose);
        socket.write(data, (err) => {
          socket.off('close', onClose);
          if (err) this.writeErrors.push(err.message);
          resolve();
        });
      }),
      timeoutMs,
      `writing ${data.length} bytes (is the server reading?)`,
    );
  }

  /** Write `data` in pieces of `chopSize` bytes, pausing `pauseMs` after each (0 = yield one macrotask). */
  async writeChopped(data: Buffer, chopSize: number, pauseMs = 0): Promise<void> {
    const pieces = chop(data, chopSize);
    for (let i = 0; i < pieces.length; i++) {
      if (this.socket.destroyed) return;
      await this.write(pieces[i]!);
      if (i < pieces.length - 1) await (pauseMs > 0 ? delay(pauseMs) : yieldMacrotask());
    }
  }

  async sendFrames(specs: FrameSpec[], mode: SendMode = 'bulk'): Promise<void> {
    const encoded = specs.map(encodeFrame);
    for (const s of specs) if (s.opcode === Op.CLOSE) this.closeSent = true;
    if (mode === 'bulk') return this.write(Buffer.concat(encoded));
    if (mode === 'per-frame') {
      for (const frame of encoded) {
        if (this.socket.destroyed) return;
        await this.write(frame);
        await yieldMacrotask();
      }
      return;
    }
    return this.writeChopped(Buffer.concat(encoded), mode.chopSize, mode.pauseMs ?? 0);
  }

  sendFrame(spec: FrameSpec, mode: SendMode = 'bulk'): Promise<void> {
    return this.sendFrames([spec], mode);
  }

  sendText(payload: Payload, mode: SendMode = 'bulk'): Promise<void> {
    return this.sendFrame({ opcode: Op.TEXT, payload }, mode);
  }

  sendBinary(payload: Payload, mode: SendMode = 'bulk'): Promise<void> {
    return this.sendFrame({ opcode: Op.BINARY, payload }, mode);
  }

  ping(payload: Payload = '', mode: SendMode = 'bulk'): Promise<void> {
    return this.sendFrame({ opcode: Op.PING, payload }, mode);
  }

  pong(payload: Payload = '', mode: SendMode = 'bulk'): Promise<void> {
    return this.sendFrame({ opcode: Op.PONG, payload }, mode);
  }

  /** Send a close frame; no code = empty body. */
  sendClose(code?: number, reason: Payload = ''): Promise<void> {
    return this.sendFrame({ opcode: Op.CLOSE, payload: closePayload(code, reason) });
  }

  destroy(): void {
    this.socket.destroy();
  }
}

/** Codes that may appear in a close frame on the wire (RFC 6455 §7.4, IANA registry). */
export function isSendableCloseCode(code: number): boolean {
  return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999);
}

function tokenList(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((t) => t.trim().toLowerCase())
    .filter((t) => t.length > 0);
}

function parseHeaderLines(lines: string[]): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
  }
  return headers;
}

// ---------------------------------------------------------------------------------------------
// Raw HTTP exchanges for handshake tests.

export interface HttpExchangeOptions {
  /** Write the request in pieces of this many bytes... */
  chopSize?: number;
  /** ...pausing this long after each piece. */
  pauseMs?: number;
  /** Stop (and destroy the socket) as soon as a response head has arrived, e.g. for 101. */
  stopAtHead?: boolean;
  timeoutMs?: number;
}

export interface HttpExchangeResult {
  raw: Buffer;
  statusLine: string | null;
  statusCode: number | null;
  headers: Record<string, string>;
  body: Buffer;
  /** The response is framed completely: head terminated, and Content-Length / chunked / close-delimited body complete. */
  complete: boolean;
  /** How the server ended TCP, or null if it did not within the timeout (or stopAtHead cut it short). */
  closedBy: 'fin' | 'reset' | 'close' | null;
  timedOut: boolean;
  elapsedMs: number;
  /** Error from writing the request (e.g. EPIPE once the server gave up on it). */
  writeError: string | null;
}

/** Send `request` (raw bytes) on a fresh connection and collect the response until the server closes. */
export async function httpExchange(port: number, request: Buffer | string, opts: HttpExchangeOptions = {}): Promise<HttpExchangeResult> {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const bytes = typeof request === 'string' ? Buffer.from(request, 'latin1') : request;
  const socket = track(net.connect({ host: '127.0.0.1', port }));
  socket.setNoDelay(true);
  const started = Date.now();
  const received: Buffer[] = [];
  let closedBy: HttpExchangeResult['closedBy'] = null;
  let writeError: string | null = null;
  let done = false;

  await withTimeout(
    new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('error', reject);
    }),
    timeoutMs,
    'connecting',
  );

  const finished = new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(true), timeoutMs);
    const finish = (timedOut: boolean): void => {
      clearTimeout(timer);
      resolve(timedOut);
    };
    socket.on('data', (d: Buffer) => {
      received.push(d);
      if (opts.stopAtHead && Buffer.concat(received).includes('\r\n\r\n')) finish(false);
    });
    socket.on('end', () => {
      closedBy ??= 'fin';
      finish(false);
    });
    socket.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE' || err.code === 'ECONNRESET') closedBy ??= 'reset';
      else closedBy ??= 'close';
      writeError ??= err.code ?? err.message;
      finish(false);
    });
    socket.on('close', () => {
      closedBy ??= 'close';
      finish(false);
    });
  });

  const writer = (async () => {
    const pieces = opts.chopSize ? chop(bytes, opts.chopSize) : [bytes];
    for (let i = 0; i < pieces.length && !done && !socket.destroyed; i++) {
      await new Promise<void>((resolve) => {
        socket.write(pieces[i]!, (err) => {
          if (err) writeError ??= err.message;
          resolve();
        });
      });
      if (i < pieces.length - 1 && opts.pauseMs) await delay(opts.pauseMs);
    }
  })();

  const timedOut = await finished;
  done = true;
  const elapsedMs = Date.now() - started;
  socket.destroy();
  await writer.catch(() => undefined);
  const raw = Buffer.concat(received);
  return { ...parseHttpResponse(raw, closedBy !== null), raw, closedBy, timedOut, elapsedMs, writeError };
}

function parseHttpResponse(
  raw: Buffer,
  closed: boolean,
): Pick<HttpExchangeResult, 'statusLine' | 'statusCode' | 'headers' | 'body' | 'complete'> {
  const end = raw.indexOf('\r\n\r\n');
  if (end < 0) return { statusLine: null, statusCode: null, headers: {}, body: Buffer.alloc(0), complete: false };
  const [statusLine = '', ...lines] = raw.subarray(0, end).toString('latin1').split('\r\n');
  const m = /^HTTP\/1\.[01] (\d{3})(?: .*)?$/.exec(statusLine);
  const statusCode = m ? Number(m[1]) : null;
  const headers = parseHeaderLines(lines);
  const body = raw.subarray(end + 4);
  let complete: boolean;
  if (statusCode === null) complete = false;
  else if ((statusCode >= 100 && statusCode < 200) || statusCode === 204 || statusCode === 304) complete = true;
  else if (headers['transfer-encoding'] !== undefined && /chunked/i.test(headers['transfer-encoding'])) {
    complete = /(^|\r\n)0\r\n(.*\r\n)*\r\n$/s.test(body.toString('latin1'));
  } else if (headers['content-length'] !== undefined) complete = body.length === Number(headers['content-length']);
  else complete = closed;
  return { statusLine, statusCode, headers, body, complete };
}

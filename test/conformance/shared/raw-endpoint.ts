/**
 * One side of a raw conformance connection, in either role: it reads the peer's frames, holds
 * them to RFC 6455 (./frame-reader, ./frame-auditor, the role's ./masking-rules), turns them into
 * `WireEvent`s in arrival order, and offers expectations that consume those events one at a time,
 * each bounded by a timeout, failing with a message that lists what did arrive. A breach of the
 * RFC fails the next expectation. Writing is inherited from ./frame-sender.
 *
 * How a connection closes differs by role (RFC 6455 §7.1.1: the server closes TCP first), so the
 * closing expectations live in the subclasses: RawClient (../raw-client) and RawPeer
 * (../client/raw-server).
 */
import type { Socket } from 'node:net';
import { toBuffer, type Payload } from '../frame-encoder';
import { FrameAuditor } from './frame-auditor';
import { FrameReader, type ParsedFrame } from './frame-reader';
import { FrameSender } from './frame-sender';
import type { MaskingRule } from './masking-rules';
import { DEFAULT_TIMEOUT_MS } from './waits';
import { describeEvent, firstDifference, preview, type MessageKind, type PeerName, type WireEvent } from './wire-event';

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

export abstract class RawEndpoint extends FrameSender {
  readonly events: WireEvent[] = [];
  readonly violations: string[] = [];
  /** Every frame received from the peer, in order. */
  readonly frames: ParsedFrame[] = [];

  private cursor = 0;
  private wake: (() => void) | null = null;
  private tcpClosed = false;
  private readonly auditor: FrameAuditor;
  private readonly reader: FrameReader;

  protected constructor(
    socket: Socket,
    /** Who is on the other end, named in every violation and failure message. */
    protected readonly peerName: PeerName,
    masking: MaskingRule,
    masksFrames: boolean,
  ) {
    super(socket, masksFrames);
    const report = (message: string): void => void this.violations.push(message);
    this.auditor = new FrameAuditor(peerName, masking, (event) => this.emit(event), report);
    this.reader = new FrameReader(
      peerName,
      (frame) => {
        this.frames.push(frame);
        this.auditor.onFrame(frame);
      },
      report,
    );
  }

  /** RSV bits a negotiated extension lets the peer set on a data message's first frame (4 = RSV1). */
  get allowedRsv(): number {
    return this.auditor.allowedRsv;
  }

  set allowedRsv(bits: number) {
    this.auditor.allowedRsv = bits;
  }

  get isTcpClosed(): boolean {
    return this.tcpClosed;
  }

  /**
   * Start reading the peer once the opening handshake is done; `rest` is what came after the
   * head (read, and the socket paused, by ./http-head's readHead).
   */
  protected listen(rest: Buffer): void {
    this.socket.on('data', (data: Buffer) => this.reader.push(data));
    this.socket.on('end', () => this.onTcpClosed('fin'));
    this.socket.on('error', (err: NodeJS.ErrnoException) => this.onTcpClosed(err.code === 'ECONNRESET' ? 'reset' : 'close', err.code ?? err.message));
    this.socket.on('close', () => this.onTcpClosed('close'));
    this.reader.push(rest);
    this.socket.resume();
  }

  private emit(event: WireEvent): void {
    this.events.push(event);
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }

  /** A FIN may be followed by 'close': the end of TCP is one event. */
  private onTcpClosed(how: 'fin' | 'reset' | 'close', error?: string): void {
    if (this.tcpClosed) return;
    this.tcpClosed = true;
    this.emit(error === undefined ? { type: 'tcp-closed', how } : { type: 'tcp-closed', how, error });
  }

  /** Events received so far, one per line, the last consumed one marked (for failure messages). */
  history(): string {
    if (this.events.length === 0) return '(nothing)';
    return this.events.map((e, i) => `${i === this.cursor - 1 ? '>' : ' '} #${i} ${describeEvent(e)}`).join('\n');
  }

  assertNoViolations(): void {
    if (this.violations.length > 0) {
      throw new Error(`the ${this.peerName} broke RFC 6455 on the wire:\n- ${this.violations.join('\n- ')}\nevents:\n${this.history()}`);
    }
  }

  /** Every event received has been consumed by an expectation, and no violation occurred. */
  assertDone(): void {
    this.assertNoViolations();
    if (this.cursor < this.events.length) throw new Error(`unexpected extra events:\n${this.history()}`);
  }

  // ---- consuming events -----------------------------------------------------------------------

  /** The next unconsumed event, waiting up to `timeoutMs` for it. */
  async nextEvent(what: string, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<WireEvent> {
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
  async peekEvent(what: string, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<WireEvent> {
    const ev = await this.nextEvent(what, timeoutMs);
    this.cursor--;
    return ev;
  }

  protected unexpected(ev: WireEvent, what: string): Error {
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
      throw new Error(`expected ${what}, got ${describeEvent(ev)}; lengths ${ev.data.length} vs ${expected.length}, first difference at byte ${at}`);
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

  expectText(payload: Payload, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<void> {
    return this.expectMessage('text', payload, timeoutMs);
  }

  expectBinary(payload: Payload, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<void> {
    return this.expectMessage('binary', payload, timeoutMs);
  }

  expectPong(payload: Payload, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<void> {
    return this.expectControl('pong', payload, timeoutMs);
  }

  expectPing(payload: Payload, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<void> {
    return this.expectControl('ping', payload, timeoutMs);
  }

  private async expectControl(type: 'ping' | 'pong', payload: Payload, timeoutMs: number): Promise<void> {
    const expected = toBuffer(payload);
    const what = `${type} ${preview(expected)}`;
    const ev = await this.nextEvent(what, timeoutMs);
    this.assertNoViolations();
    if (ev.type !== type || !ev.data.equals(expected)) throw this.unexpected(ev, what);
  }

  /** The next event is a close frame with one of `codes` (null: an empty body). */
  async expectCloseFrame(codes: Array<number | null>, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<{ code: number | null; reason: Buffer }> {
    const what = `a close frame with code ${codes.map((c) => c ?? '(empty)').join(' or ')}`;
    const ev = await this.nextEvent(what, timeoutMs);
    this.assertNoViolations();
    if (ev.type !== 'close' || !codes.includes(ev.code)) throw this.unexpected(ev, what);
    return { code: ev.code, reason: ev.reason };
  }

  /** The next event is the end of the TCP connection. */
  async expectTcpClosed(what = 'the TCP connection to close', timeoutMs = DEFAULT_TIMEOUT_MS): Promise<void> {
    const ev = await this.nextEvent(what, timeoutMs);
    this.assertNoViolations();
    if (ev.type !== 'tcp-closed') throw this.unexpected(ev, what);
  }

  /** Nothing at all arrives within `ms` (Autobahn's "timeout" trace entry); fails as soon as something does. */
  async expectSilence(ms: number, why = ''): Promise<void> {
    const ev = await this.nextEvent('silence', ms).catch(() => null);
    this.assertNoViolations();
    if (ev !== null) throw this.unexpected(ev, `nothing within ${ms} ms${why ? ` (${why})` : ''}`);
  }
}

/**
 * Every RFC 6455 rule that binds the sender of the frames an endpoint reads, whichever role it
 * has, and the assembly of those frames into `WireEvent`s. The masking rule, which differs by
 * role, comes from ./masking-rules. Breaches are reported, never thrown: the endpoint collects
 * them and fails the next expectation.
 */
import { Op } from '../frame-encoder';
import { isSendableCloseCode } from './close-codes';
import type { ParsedFrame } from './frame-reader';
import type { MaskingRule } from './masking-rules';
import { isValidUtf8 } from './utf8';
import type { MessageKind, PeerName, WireEvent } from './wire-event';

export class FrameAuditor {
  /**
   * RSV bits a negotiated extension lets the sender set on the first frame of a data message
   * (4 = RSV1 for permessage-deflate, RFC 7692 §6); anywhere else, and any other bit, is a breach.
   */
  allowedRsv = 0;
  private fragmentKind: MessageKind | null = null;
  private fragmentRsv = 0;
  private fragments: Buffer[] = [];
  private closeReceived = false;

  constructor(
    private readonly sender: PeerName,
    private readonly masking: MaskingRule,
    private readonly emit: (event: WireEvent) => void,
    private readonly report: (message: string) => void,
  ) {}

  onFrame(f: ParsedFrame): void {
    const name = `opcode ${f.opcode}`;
    // §5.5.1: after sending a close frame the endpoint MUST NOT send any more data frames.
    if (this.closeReceived) this.report(`${this.sender} sent a frame (${name}) after its close frame`);
    this.masking(f, this.report);
    this.checkRsv(f, name);
    // §5.5: control frames are at most 125 bytes and never fragmented.
    if (f.opcode >= 8) {
      if (!f.fin) this.report(`${this.sender} sent a fragmented control frame (${name})`);
      if (f.payload.length > 125) this.report(`${this.sender} sent a ${f.payload.length}-byte control frame (${name})`);
    }
    switch (f.opcode) {
      case Op.CONTINUATION:
        return this.continueMessage(f);
      case Op.TEXT:
      case Op.BINARY:
        return this.startMessage(f);
      case Op.PING:
        return this.emit({ type: 'ping', data: f.payload });
      case Op.PONG:
        return this.emit({ type: 'pong', data: f.payload });
      case Op.CLOSE:
        return this.onClose(f.payload);
      default:
        // §5.2: opcodes 3-7 and 11-15 are reserved.
        this.report(`${this.sender} sent a frame with reserved opcode ${f.opcode}`);
    }
  }

  /** §5.2: RSV bits are 0 unless an extension defines them; RFC 7692 §6 allows RSV1 on a message's first frame only. */
  private checkRsv(f: ParsedFrame, name: string): void {
    if (f.rsv === 0) return;
    if (f.opcode !== Op.TEXT && f.opcode !== Op.BINARY) {
      this.report(`${this.sender} set RSV bits ${f.rsv} on a control or continuation frame (${name})`);
    } else if ((f.rsv & ~this.allowedRsv) !== 0) {
      this.report(
        this.allowedRsv === 0
          ? `${this.sender} set RSV bits ${f.rsv} (${name}) without a negotiated extension`
          : `${this.sender} set RSV bits ${f.rsv} (${name}) beyond the negotiated ${this.allowedRsv}`,
      );
    }
  }

  /** §5.4: a fragmented message is one data frame and continuations, nothing else interleaved but control frames. */
  private startMessage(f: ParsedFrame): void {
    if (this.fragmentKind !== null) {
      this.report(`${this.sender} started a new data message before finishing the previous one`);
      this.fragments = [];
    }
    this.fragmentKind = f.opcode === Op.TEXT ? 'text' : 'binary';
    this.fragmentRsv = f.rsv;
    this.fragments.push(f.payload);
    if (f.fin) this.finishMessage();
  }

  private continueMessage(f: ParsedFrame): void {
    if (this.fragmentKind === null) return this.report(`${this.sender} sent a continuation frame with no message in progress`);
    this.fragments.push(f.payload);
    if (f.fin) this.finishMessage();
  }

  private finishMessage(): void {
    const data = this.fragments.length === 1 ? this.fragments[0]! : Buffer.concat(this.fragments);
    const kind = this.fragmentKind!;
    const frames = this.fragments.length;
    const rsv = this.fragmentRsv;
    this.fragmentKind = null;
    this.fragments = [];
    this.fragmentRsv = 0;
    // §8.1: text is UTF-8. A payload an extension transformed is text only once the extension has undone it.
    if (kind === 'text' && (rsv & this.allowedRsv) === 0 && !isValidUtf8(data)) {
      this.report(`${this.sender} sent a text message that is not valid UTF-8`);
    }
    this.emit({ type: 'message', kind, data, frames, rsv });
  }

  /** §5.5.1: an empty body, or a 2-byte code that may be sent (§7.4) and a UTF-8 reason. */
  private onClose(p: Buffer): void {
    if (this.closeReceived) return;
    this.closeReceived = true;
    if (p.length === 1) this.report(`${this.sender} sent a close frame with a 1-byte body`);
    const code = p.length >= 2 ? p.readUInt16BE(0) : null;
    const reason = p.length >= 2 ? p.subarray(2) : Buffer.alloc(0);
    if (code !== null && !isSendableCloseCode(code)) this.report(`${this.sender} sent close code ${code}, which must not appear on the wire`);
    if (!isValidUtf8(reason)) this.report(`${this.sender} sent a close reason that is not valid UTF-8`);
    this.emit({ type: 'close', code, reason });
  }
}

/**
 * The oracle: a small model of one session and its peer that, given a scenario, predicts the
 * outcome (messages, errors, close code, the frames the peer reads back) from RFC 6455 alone.
 *
 * Time in the model is the scenario's steps: each step runs to quiescence (every byte in flight
 * delivered, every reaction of the peer played) before the next one, which is what the harness
 * does by waiting for the event loop to go quiet. Timers do not fire during the steps; once they
 * are over, a session still closing is ended by its closing timer (the harness fires it then).
 *
 * Where RFC 6455 leaves a choice, the model follows the library's documented one and says so:
 * - messages that arrive after the session sent its close frame are dropped (WHATWG WebSocket: a
 *   message received when readyState is not OPEN is not delivered);
 * - pings are answered only while open. §5.5.2 read strictly asks for a pong until a close frame was
 *   *received*; the library, like `ws`, stops answering once it has sent its own;
 * - when one frame breaks several rules, the one met first reading the header left to right is
 *   reported (RFC 6455 names no order);
 * - frames written in one turn of the event loop leave together at its end, so a `terminate()`
 *   in that turn loses them (it "drops the connection at once").
 */
import { describeFrame, describeMessage, type CallResult, type Outcome } from './outcome.js';
import { announcedLength, echoFrame, headerLength, Op, type PeerFrame } from './peer-frame.js';
import { isApplicationCloseCall, isControlOpcode, isDefinedOpcode, isWireCloseCode, MAX_CONTROL_PAYLOAD, utf8Status } from './rfc6455-rules.js';
import type { AppCall, Scenario, SendCall, Step } from './scenario.js';

/** RFC 6455 §7.4.1 status codes the model predicts. */
const Status = {
  NORMAL: 1000,
  PROTOCOL_ERROR: 1002,
  NO_STATUS: 1005,
  ABNORMAL: 1006,
  INVALID_PAYLOAD: 1007,
  POLICY_VIOLATION: 1008,
  MESSAGE_TOO_BIG: 1009,
} as const;

const DEFAULT_MAX_LENGTH = 2 ** 26 - 1;
const DEFAULT_MAX_FRAGMENTS = 131072;

type Inbound = { frame: PeerFrame; keep?: number } | 'fin';
type Outbound = { opcode: number; payload: Uint8Array } | 'fin';

interface MessageInProgress {
  text: boolean;
  length: number;
  fragments: number;
  /** The payload so far, fragment by fragment. */
  parts: Uint8Array[];
}

export interface Prediction extends Outcome {
  /** The model found no way for the session to close: a liveness failure if the library agrees. */
  hung: boolean;
}

export function predict(scenario: Scenario): Prediction {
  return new SessionModel(scenario).run();
}

class SessionModel {
  // The session.
  private state: 'connecting' | 'open' | 'closing' | 'closed' = 'connecting';
  private started = false;
  private paused = false;
  /** Bytes the peer sent that the session has not read yet (it was paused). */
  private inbox: Inbound[] = [];
  private parserStopped = false;
  private message: MessageInProgress | null = null;
  private pendingSends: SendCall[] = [];
  private requestedClose: Uint8Array | null = null;
  private closeSent = false;
  private closeReceived = false;
  /** What the close event reports (§7.1.5: the received code, the code we failed with, or 1006). */
  private code: number = Status.ABNORMAL;
  private reason = '';
  private timerArmed = false;
  private sessionWriteEnded = false;
  private sessionReadEnded = false;
  /** Frames written in the current turn: like the library's batch, they leave together at its end. */
  private batch: Array<{ opcode: number; payload: Uint8Array }> = [];
  // TCP.
  /** The connection was reset or destroyed: nothing moves any more in either direction. */
  private linkDown = false;
  // The peer.
  private peerReading = true;
  /** Bytes the session wrote that the peer has not read yet. */
  private toPeer: Outbound[] = [];
  private peerEnded = false;
  private peerSentClose = false;
  /** What happens a tick later: the peer's reactions (the harness defers them), reading after either side resumes. */
  private reactions: Array<() => void> = [];

  private readonly outcome: Prediction = {
    opened: false,
    messages: [],
    errors: [],
    close: null,
    peerRead: [],
    peerReadEnd: false,
    calls: [],
    hung: false,
  };

  constructor(private readonly scenario: Scenario) {}

  run(): Prediction {
    for (const call of this.scenario.beforeOpen) this.outcome.calls.push(this.appCall(call));
    this.start();
    this.settle();
    for (const step of this.scenario.steps) {
      this.step(step);
      this.settle();
    }
    // The harness ends every run the same way: the application resumes, the peer reads.
    if (this.paused) this.appCall({ call: 'resume' });
    this.peerStartReading();
    this.settle();
    if (this.state !== 'closed' && this.timerArmed) {
      // §7.1.1 / the closeTimeout option: the session stops waiting and drops TCP.
      this.destroy();
      this.settle();
    }
    this.outcome.hung = this.state !== 'closed';
    return this.outcome;
  }

  /** The end of a turn: the batch leaves, then what was deferred runs, each with its own turn. */
  private settle(): void {
    this.flush();
    while (this.reactions.length > 0) {
      this.reactions.shift()!();
      this.flush();
    }
  }

  private get peerCanWrite(): boolean {
    return !this.peerEnded && !this.linkDown;
  }

  // --- Steps -------------------------------------------------------------------------------

  private step(step: Step): void {
    switch (step.kind) {
      case 'peer-frames':
        if (!this.peerCanWrite) return;
        for (const frame of step.frames) this.peerWrite({ frame });
        return;
      case 'peer-truncated':
        if (!this.peerCanWrite) return;
        return this.peerWrite({ frame: step.frame, keep: step.keep });
      case 'app':
        this.outcome.calls.push(this.appCall(step.call));
        return;
      case 'peer-end':
        if (!this.peerCanWrite) return;
        this.peerEnded = true;
        return this.inbound('fin');
      case 'peer-reset':
        return this.destroy();
      case 'socket-error':
        if (this.linkDown || this.state === 'closed') return;
        if (this.state === 'open') this.outcome.errors.push({ kind: 'socket' });
        return this.destroy();
      case 'peer-stop-reading':
        this.peerReading = false;
        return;
      case 'peer-start-reading':
        return this.peerStartReading();
    }
  }

  private peerWrite(item: { frame: PeerFrame; keep?: number }): void {
    if (item.frame.opcode === Op.CLOSE) this.peerSentClose = true;
    this.inbound(item);
  }

  /** An RST (or the session's own destroy): both ends go, with what neither has read. */
  private destroy(): void {
    if (this.linkDown) return;
    this.linkDown = true;
    this.batch = [];
    this.toPeer = [];
    this.inbox = [];
    this.finish();
  }

  private finish(): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    // wasClean: TCP closed after both close frames went (WHATWG; RFC 6455 §7.1.4 "closed cleanly").
    this.outcome.close = { code: this.code, reason: this.reason, wasClean: this.closeSent && this.closeReceived };
  }

  // --- The application's calls ---------------------------------------------------------------

  private appCall(call: AppCall): CallResult {
    switch (call.call) {
      case 'send': {
        if (this.state === 'connecting') this.pendingSends.push(call);
        else if (this.state === 'open') this.writeData(call);
        return 'returned';
      }
      case 'close': {
        // close() refuses what an application may not send (§7.4.2 reserved codes, 123-byte reasons).
        if (!isApplicationCloseCall(call.code, call.reason)) return 'CloseArgumentError';
        const payload = closePayload(call.code ?? Status.NORMAL, call.reason ?? '');
        if (this.state === 'connecting') {
          this.state = 'closing';
          this.requestedClose = payload;
        } else if (this.state === 'open') {
          this.state = 'closing';
          this.sendClose(payload);
          this.timerArmed = true;
        }
        return 'returned';
      }
      case 'terminate':
        if (this.state !== 'closed') this.destroy();
        return 'returned';
      case 'ping':
      case 'pong':
        // §5.5: a control payload is at most 125 bytes; more is the caller's mistake.
        if (call.payload.length > MAX_CONTROL_PAYLOAD) return 'ArgumentError';
        if (this.state === 'open') this.write(call.call === 'ping' ? Op.PING : Op.PONG, call.payload);
        return 'returned';
      case 'pause':
        this.paused = true;
        return 'returned';
      case 'resume':
        // The socket flows again on the next tick: the call returns before anything is read.
        this.paused = false;
        this.reactions.push(() => this.readInbox());
        return 'returned';
    }
  }

  private writeData(call: SendCall): void {
    if (typeof call.data === 'string') this.write(Op.TEXT, Buffer.from(call.data, 'utf8'));
    else this.write(Op.BINARY, call.data);
  }

  /** The opening handshake is done. */
  private start(): void {
    this.started = true;
    if (this.linkDown) return;
    const head = this.scenario.head.map((frame) => ({ frame }));
    if (this.state === 'closing') {
      // close() while connecting: what was sent early is dropped, the close frame goes first.
      this.pendingSends = [];
      this.sendClose(this.requestedClose!);
      this.timerArmed = true;
    } else {
      this.state = 'open';
      this.outcome.opened = true;
      for (const call of this.pendingSends) this.writeData(call);
      this.pendingSends = [];
    }
    // Bytes that came with the handshake are the first frames of the connection (§4.1, §4.2.2),
    // read even by a session that already sent its close frame (§7.1.2: it still waits for the peer's).
    for (const item of head) this.processInbound(item);
    this.readInbox();
  }

  // --- Reading ----------------------------------------------------------------------------------

  private inbound(item: Inbound): void {
    if (this.linkDown) return;
    if (this.paused || !this.started) this.inbox.push(item);
    else this.processInbound(item);
  }

  private readInbox(): void {
    if (!this.started) return;
    while (!this.paused && this.inbox.length > 0) this.processInbound(this.inbox.shift()!);
  }

  private processInbound(item: Inbound): void {
    if (this.state === 'closed') return;
    if (item !== 'fin') return this.processFrame(item.frame, item.keep);
    // The peer's FIN. Without its close frame first this is 1006 (§7.1.5); our side ends too.
    this.sessionReadEnded = true;
    if (!this.closeReceived) this.parserStopped = true;
    this.endSessionWrites();
    this.closeIfBothEnded();
  }

  /** `keep`: only that many bytes of the frame arrived (the stream ended inside it). */
  private processFrame(frame: PeerFrame, keep: number | undefined): void {
    if (this.parserStopped) return;
    const header = headerLength(frame);
    if (keep !== undefined && keep < header) return;
    const failure = this.judgeHeader(frame);
    if (failure !== null) return this.fail(failure);
    const arrived = keep === undefined ? frame.payload : frame.payload.subarray(0, keep - header);
    if (isControlOpcode(frame.opcode)) {
      if (keep === undefined) this.controlFrame(frame.opcode, frame.payload);
      return;
    }
    const message = this.message!;
    message.parts.push(arrived);
    const bytes = Buffer.concat(message.parts);
    // §8.1: invalid UTF-8 fails the connection as soon as it is seen, fragments or not.
    if (message.text && utf8Status(bytes) === 'invalid') return this.fail(Status.INVALID_PAYLOAD);
    if (keep !== undefined || !frame.fin) return;
    if (message.text && utf8Status(bytes) !== 'complete') return this.fail(Status.INVALID_PAYLOAD);
    this.message = null;
    if (this.state !== 'open') return;
    const index = this.outcome.messages.push(describeMessage(message.text, bytes)) - 1;
    // The application's calls from inside its listener run before the next frame is read.
    for (const reaction of this.scenario.onMessage) if (reaction.message === index) this.outcome.calls.push(this.appCall(reaction.call));
  }

  /** The header checks, in the order the header's fields come; the close code for the first broken rule. */
  private judgeHeader(frame: PeerFrame): number | null {
    const { opcode } = frame;
    if (!isDefinedOpcode(opcode)) return Status.PROTOCOL_ERROR; // §5.2: reserved opcode
    if (frame.rsv !== 0) return Status.PROTOCOL_ERROR; // §5.2: RSV set, no extension negotiated
    // §5.1: a server fails an unmasked frame, a client fails a masked one.
    if (frame.masked !== (this.scenario.role === 'server')) return Status.PROTOCOL_ERROR;
    const length = announcedLength(frame);
    if (length >= 2n ** 63n) return Status.PROTOCOL_ERROR; // §5.2: the MSB of a 64-bit length MUST be 0
    if (length >= 2n ** 53n) return Status.MESSAGE_TOO_BIG; // §7.4.1 1009: more than can be processed
    const size = Number(length);
    if (isControlOpcode(opcode)) {
      if (!frame.fin) return Status.PROTOCOL_ERROR; // §5.5: control frames MUST NOT be fragmented
      if (size > MAX_CONTROL_PAYLOAD) return Status.PROTOCOL_ERROR; // §5.5: at most 125 bytes
      if (opcode === Op.CLOSE && size === 1) return Status.PROTOCOL_ERROR; // §5.5.1: a body starts with a 2-byte code
      return null;
    }
    const maxLength = this.scenario.options.maxLength ?? DEFAULT_MAX_LENGTH;
    const maxFragments = this.scenario.options.maxFragments ?? DEFAULT_MAX_FRAGMENTS;
    const message = this.message;
    if (opcode === Op.CONTINUATION) {
      if (message === null) return Status.PROTOCOL_ERROR; // §5.4: a continuation needs a message to continue
      if (message.fragments + 1 > maxFragments) return Status.POLICY_VIOLATION; // §7.4.1 1008: the maxFragments policy
      if (size > maxLength - message.length) return Status.MESSAGE_TOO_BIG; // §7.4.1 1009
      message.fragments++;
      message.length += size;
      return null;
    }
    if (message !== null) return Status.PROTOCOL_ERROR; // §5.4: messages MUST NOT be interleaved
    if (size > maxLength) return Status.MESSAGE_TOO_BIG; // §7.4.1 1009
    this.message = { text: opcode === Op.TEXT, length: size, fragments: 1, parts: [] };
    return null;
  }

  private controlFrame(opcode: number, payload: Uint8Array): void {
    if (opcode === Op.PING) {
      // §5.5.2: answered with a pong carrying the same data (while open: see the header).
      if (this.state === 'open') this.write(Op.PONG, payload);
      return;
    }
    if (opcode === Op.PONG) return; // §5.5.3: an unsolicited pong needs no answer
    if (payload.length === 0) return this.received(Status.NO_STATUS, '');
    const code = (payload[0]! << 8) | payload[1]!;
    if (!isWireCloseCode(code)) return this.fail(Status.PROTOCOL_ERROR); // §7.4.1, §7.4.2
    const reason = payload.subarray(2);
    // §5.5.1: the reason is UTF-8; §8.1: invalid UTF-8 fails the connection with 1007.
    if (utf8Status(reason) !== 'complete') return this.fail(Status.INVALID_PAYLOAD);
    this.received(code, Buffer.from(reason).toString('utf8'));
  }

  /** The peer's close frame (§7.1.5 its code is the connection's close code). */
  private received(code: number, reason: string): void {
    this.closeReceived = true;
    this.parserStopped = true;
    this.code = code;
    this.reason = reason;
    this.timerArmed = true;
    if (this.state === 'open') {
      this.state = 'closing';
      // §5.5.1: the answer echoes the status code; a close without a code gets an empty one.
      this.sendClose(code === Status.NO_STATUS ? new Uint8Array(0) : closePayload(code, ''));
    }
    // §7.1.1: after both close frames, TCP is closed.
    this.endSessionWrites();
    this.closeIfBothEnded();
  }

  /** §7.1.7 _Fail the WebSocket Connection_: a close frame with the code (if not sent already), then TCP closes. */
  private fail(code: number): void {
    this.outcome.errors.push({ kind: 'protocol', closeCode: code });
    this.parserStopped = true;
    this.code = code;
    this.reason = '';
    if (this.state === 'open') this.sendClose(closePayload(code, ''));
    this.state = 'closing';
    this.timerArmed = true;
    this.endSessionWrites();
    this.closeIfBothEnded();
  }

  // --- Writing --------------------------------------------------------------------------------

  /** §5.5.1: one close frame per endpoint, and nothing after it. */
  private sendClose(payload: Uint8Array): void {
    if (this.closeSent) return;
    this.closeSent = true;
    this.write(Op.CLOSE, payload);
  }

  private write(opcode: number, payload: Uint8Array): void {
    // After its FIN the session's socket takes no more bytes.
    if (this.linkDown || this.sessionWriteEnded) return;
    this.batch.push({ opcode, payload });
  }

  /** What was written this turn goes to the socket (a destroy before that loses it). */
  private flush(): void {
    const batch = this.batch;
    this.batch = [];
    for (const item of batch) this.toPeerPush(item);
  }

  private endSessionWrites(): void {
    if (this.sessionWriteEnded) return;
    this.flush();
    this.sessionWriteEnded = true;
    this.toPeerPush('fin');
  }

  /** Both FINs are through and every byte written was read: the session's socket closes by itself. */
  private closeIfBothEnded(): void {
    if (this.state === 'closed' || !this.sessionReadEnded || !this.sessionWriteEnded) return;
    if (this.toPeer.some((item) => item !== 'fin')) return;
    this.finish();
  }

  private toPeerPush(item: Outbound): void {
    if (this.linkDown) return;
    if (this.peerReading && this.toPeer.length === 0) this.peerReceive(item);
    else this.toPeer.push(item);
  }

  /** Like `resume()`, the peer's stream flows again on the next tick: what waited is read then. */
  private peerStartReading(): void {
    this.peerReading = true;
    this.reactions.push(() => {
      while (!this.linkDown && this.peerReading && this.toPeer.length > 0) this.peerReceive(this.toPeer.shift()!);
      this.closeIfBothEnded();
    });
  }

  private peerReceive(item: Outbound): void {
    const policy = this.scenario.peer;
    if (item === 'fin') {
      this.outcome.peerReadEnd = true;
      // §7.1.1: the peer closes its side of TCP in turn.
      if (policy === 'cooperative') this.reactions.push(() => this.peerEndsInTurn());
      return;
    }
    this.outcome.peerRead.push(describeFrame(item.opcode, item.payload));
    if (policy !== 'unresponsive' && item.opcode === Op.CLOSE) this.reactions.push(() => this.peerEchoesClose(item.payload));
  }

  private peerEndsInTurn(): void {
    if (!this.peerCanWrite) return;
    this.peerEnded = true;
    this.inbound('fin');
  }

  /** §5.5.1: an endpoint that gets a close frame and has not sent one answers with the same code. */
  private peerEchoesClose(sessionPayload: Uint8Array): void {
    if (!this.peerCanWrite || this.peerSentClose) return;
    this.peerWrite({ frame: echoFrame(this.scenario.role, sessionPayload) });
  }
}

/** §5.5.1: a close body is the 2-byte code in network order, then the reason's UTF-8. */
function closePayload(code: number, reason: string): Uint8Array {
  const text = Buffer.from(reason, 'utf8');
  const body = Buffer.alloc(2 + text.length);
  body.writeUInt16BE(code, 0);
  text.copy(body, 2);
  return body;
}

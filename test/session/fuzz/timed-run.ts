/**
 * One session on real timers, for the properties about the timers themselves: the closing
 * handshake's timeout and the keep-alive. The ledger only records (mode 'real'); the run waits for
 * the close event, bounded by a watchdog made with the timer functions as they were when this
 * module loaded, so that the ledger neither counts it nor has it in the way.
 */
import type { WebSocketSession } from '../../../src/websocket-session/websocket-session.js';
import { createDuplexPair, settle } from './duplex-pair.js';
import { FuzzPeer } from './fuzz-peer.js';
import type { InvariantInput } from './invariants.js';
import type { ErrorSummary, Outcome } from './outcome.js';
import { ProcessGuards } from './process-guards.js';
import type { PeerPolicy, Role, SessionFuzzOptions } from './scenario.js';
import { createSession } from './session-factory.js';
import { SessionRecorder } from './session-recorder.js';
import { TimerLedger, type LedgerTimer } from './timer-ledger.js';

const untrackedSetTimeout = globalThis.setTimeout;
const untrackedClearTimeout = globalThis.clearTimeout;
const WATCHDOG_MS = 3000;

export interface TimedSetup {
  role: Role;
  options: SessionFuzzOptions;
  peer: PeerPolicy;
  /** The peer answers the session's pings with pongs. */
  answerPings: boolean;
  /** What the application does once the session is open; resolves when it has done it. */
  act(session: WebSocketSession, peer: FuzzPeer): Promise<void>;
}

export interface TimedRun extends InvariantInput {
  close: Outcome['close'];
  errors: ErrorSummary[];
  timers: LedgerTimer[];
  /** From the end of `act` to the close event, in milliseconds. */
  closedAfterMs: number;
  /** From just before the session started (and made its keep-alive interval) to the close event. */
  closedAfterStartMs: number;
}

export async function runOnRealTimers(setup: TimedSetup): Promise<TimedRun> {
  const guards = ProcessGuards.install();
  const ledger = TimerLedger.install('real');
  try {
    const [socket, peerSocket] = createDuplexPair();
    const peer = new FuzzPeer(peerSocket, setup.role, setup.peer, setup.answerPings);
    let recorder!: SessionRecorder;
    const { session, start } = createSession(setup.role, socket, setup.options, Buffer.alloc(0), (s) => {
      recorder = new SessionRecorder(s);
    });
    const started = performance.now();
    start();
    await settle(socket);
    await setup.act(session, peer);
    const acted = performance.now();
    const hung = !(await closedWithin(recorder, WATCHDOG_MS));
    const closed = performance.now();
    if (hung) session.terminate();
    await settle(socket);
    return {
      escaped: guards.escaped.map((error) => String(error instanceof Error ? error.stack : error)),
      calls: [],
      hung,
      events: recorder.events,
      opened: recorder.events.includes('open'),
      readyStateInClose: recorder.readyStateInClose,
      readyStateAfterClose: session.readyState,
      liveTimersAfterClose: hung ? [] : ledger.live(),
      bufferOverruns: [],
      drainedWhileOpen: [],
      responseHead: peer.reader.head,
      wire: peer.reader.frames,
      wireLeftover: peer.reader.leftover,
      close: recorder.close,
      errors: recorder.errors,
      timers: [...ledger.timers],
      closedAfterMs: closed - acted,
      closedAfterStartMs: closed - started,
    };
  } finally {
    ledger.uninstall();
    guards.uninstall();
  }
}

/** Waits for the close event, at most `ms`; true if it came. */
function closedWithin(recorder: SessionRecorder, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const watchdog = untrackedSetTimeout(() => resolve(false), ms);
    void recorder.closed.then(() => {
      untrackedClearTimeout(watchdog);
      resolve(true);
    });
  });
}

/** Resolves when the peer has read `count` frames of `opcode` from the session; rejects after the watchdog's time. */
export function framesRead(peer: FuzzPeer, opcode: number, count: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let seen = peer.reader.frames.filter((frame) => frame.opcode === opcode).length;
    if (seen >= count) return resolve();
    const watchdog = untrackedSetTimeout(() => reject(new Error(`the peer read ${seen} of ${count} frames of opcode ${opcode}`)), WATCHDOG_MS);
    peer.onFrame = (frame) => {
      if (frame.opcode !== opcode || ++seen < count) return;
      untrackedClearTimeout(watchdog);
      peer.onFrame = null;
      resolve();
    };
  });
}

/**
 * Plays a scenario against the library: a session of the scenario's role on one end of an
 * in-memory pair, the fuzzing peer on the other, the steps one by one with the event loop left to
 * go quiet after each, then the same ending every run gets (the application resumes, the peer
 * reads, and time passes until the session's timers end it). Everything the invariants and the
 * model are compared on is written down in an `Observation`.
 *
 * Timers run on a virtual clock (`TimerLedger`): none fires during the steps, however slow the
 * machine, so the outcome is a function of the scenario alone.
 */
import { BufferAllowance } from './buffer-allowance.js';
import { createDuplexPair, settle, type PairEnd } from './duplex-pair.js';
import { FuzzPeer } from './fuzz-peer.js';
import { describeFrame, type Outcome } from './outcome.js';
import { encodePeerFrame, type PeerFrame } from './peer-frame.js';
import { ProcessGuards } from './process-guards.js';
import type { AppCall, Scenario, Step } from './scenario.js';
import { createSession } from './session-factory.js';
import { callSession, SessionRecorder } from './session-recorder.js';
import { TimerLedger, type LedgerTimer } from './timer-ledger.js';
import type { WireFrame } from './wire-reader.js';

/** How many timers the ending may fire before the session counts as hung. */
const MAX_TIMER_FIRES = 8;

export interface Observation extends Outcome {
  events: string[];
  readyStateInClose: number | null;
  readyStateAfterClose: number;
  /** The response head the peer read (server role). */
  responseHead: string | null;
  wire: WireFrame[];
  /** Bytes from the session that never made a whole frame. */
  wireLeftover: number;
  /** Timers still live once the session had closed. */
  liveTimersAfterClose: LedgerTimer[];
  /** Uncaught exceptions and unhandled rejections during the run. */
  escaped: string[];
  /** `bufferedAmount` samples over the bound (see `buffer-allowance.ts`). */
  bufferOverruns: string[];
  /**
   * Each time the peer had read everything (after `peer-start-reading` and at the end) with the
   * session still open: what `bufferedAmount` was, and whether a `send()` that had returned false was
   * still waiting for its `drain`.
   */
  drainedWhileOpen: Array<{ when: string; bufferedAmount: number; drainMissing: boolean }>;
  /** `readyState` just before each application call, in the order of `calls`. */
  readyStateBeforeCalls: number[];
  /** Frames the peer wrote whole, its own echoes and pongs included. */
  peerWritten: PeerFrame[];
  hung: boolean;
}

export async function playScenario(scenario: Scenario): Promise<Observation> {
  const guards = ProcessGuards.install();
  const ledger = TimerLedger.install('virtual');
  try {
    return await play(scenario, ledger, guards);
  } finally {
    ledger.uninstall();
    guards.uninstall();
  }
}

async function play(scenario: Scenario, ledger: TimerLedger, guards: ProcessGuards): Promise<Observation> {
  const [sessionSocket, peerSocket] = createDuplexPair();
  const peer = new FuzzPeer(peerSocket, scenario.role, scenario.peer);
  const head = Buffer.concat(scenario.head.map(encodePeerFrame));
  let recorder!: SessionRecorder;
  const { session, start } = createSession(scenario.role, sessionSocket, scenario.options, head, (s) => {
    recorder = new SessionRecorder(s, (index) => {
      for (const reaction of scenario.onMessage) if (reaction.message === index) call(reaction.call);
    });
  });
  const calls: Outcome['calls'] = [];
  const readyStateBeforeCalls: number[] = [];
  /** Index in `recorder.events` where the last `send()` that returned false was made, or -1. */
  let owedDrainFrom = -1;
  const overruns: string[] = [];
  const drainedWhileOpen: Observation['drainedWhileOpen'] = [];
  const checkDrained = (when: string): void => {
    if (session.readyState !== session.OPEN) return;
    const drainMissing = owedDrainFrom !== -1 && !recorder.events.slice(owedDrainFrom).includes('drain');
    drainedWhileOpen.push({ when, bufferedAmount: session.bufferedAmount, drainMissing });
  };
  const allowance = new BufferAllowance(() => peer.pingAllowance);
  const sample = (when: string): void => {
    const amount = session.bufferedAmount;
    if (amount > allowance.limit) overruns.push(`${when}: bufferedAmount ${amount} > allowance ${allowance.limit}`);
  };
  const call = (appCall: AppCall): void => {
    allowance.count(appCall);
    readyStateBeforeCalls.push(session.readyState);
    calls.push(
      callSession(session, appCall, (returned) => {
        if (!returned && session.readyState === session.OPEN) owedDrainFrom = recorder.events.length;
      }),
    );
    sample(`after ${appCall.call}`);
  };

  for (const appCall of scenario.beforeOpen) call(appCall);
  start();
  await settle(sessionSocket);
  for (const [index, step] of scenario.steps.entries()) {
    playStep(step, sessionSocket, peer, call);
    await settle(sessionSocket);
    sample(`after step ${index} (${step.kind})`);
    if (step.kind === 'peer-start-reading') checkDrained(`after step ${index}`);
  }

  // The ending: the application reads again, the peer reads everything, then time passes.
  if (session.isPaused) callSession(session, { call: 'resume' });
  peer.startReading();
  await settle(sessionSocket);
  checkDrained('at the end');
  for (let fired = 0; !recorder.isClosed && fired < MAX_TIMER_FIRES; fired++) {
    if (!ledger.fireNext()) break;
    await settle(sessionSocket);
  }
  const hung = !recorder.isClosed;
  if (hung) {
    // Not part of the scenario: only so that the run leaves nothing behind.
    session.terminate();
    await settle(sessionSocket);
  }
  sample('after close');
  return {
    opened: recorder.events.includes('open'),
    messages: recorder.messages,
    errors: recorder.errors,
    close: recorder.close,
    peerRead: peer.reader.frames.map((frame) => describeFrame(frame.opcode, frame.payload)),
    peerReadEnd: peer.readEnd,
    calls,
    events: recorder.events,
    readyStateInClose: recorder.readyStateInClose,
    readyStateAfterClose: session.readyState,
    responseHead: peer.reader.head,
    wire: peer.reader.frames,
    wireLeftover: peer.reader.leftover,
    liveTimersAfterClose: hung ? [] : ledger.live(),
    escaped: guards.escaped.map((error) => String(error instanceof Error ? error.stack : error)),
    bufferOverruns: overruns,
    drainedWhileOpen,
    readyStateBeforeCalls,
    peerWritten: peer.written,
    hung,
  };
}

function playStep(step: Step, socket: PairEnd, peer: FuzzPeer, call: (appCall: AppCall) => void): void {
  switch (step.kind) {
    case 'peer-frames':
      return peer.writeFrames(step.frames, step.chunkSizes);
    case 'peer-truncated':
      return peer.writeFrames([step.frame], [], step.keep);
    case 'app':
      return call(step.call);
    case 'peer-end':
      return peer.end();
    case 'peer-reset':
      return peer.reset();
    case 'socket-error':
      if (!socket.destroyed) socket.destroy(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }));
      return;
    case 'peer-stop-reading':
      return peer.stopReading();
    case 'peer-start-reading':
      return peer.startReading();
  }
}

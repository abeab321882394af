/**
 * Session fuzzing on real timers (the rest of the session fuzzing, test/session/fuzz.test.ts, runs
 * on a virtual clock): the closing handshake's timeout (`closeTimeout`, RFC 6455 §7.1.1: a peer
 * that does not finish the handshake is dropped) and the keep-alive (`ping`). Each run waits for the
 * close event, never for a set time, and checks that the timer did its work and that no timer is
 * left live once the session has closed (the ledger of fuzz/timer-ledger.ts sees unref'd timers,
 * which `process.getActiveResourcesInfo()` does not list).
 *
 * A dozen runs per property by default; `HATCHWAY_FUZZ_RUNS=20000` gives each 200 (see
 * fuzz/fuzz-runs.ts: real-time runs get a hundredth of the long-run count).
 */
import fc from 'fast-check';
import { fuzzParameters, fuzzTimeout } from './fuzz/fuzz-runs.js';
import { invariantViolations } from './fuzz/invariants.js';
import { Op } from './fuzz/peer-frame.js';
import type { Role } from './fuzz/scenario.js';
import { framesRead, runOnRealTimers, type TimedRun } from './fuzz/timed-run.js';

const TIMER_RUNS = 12;
/**
 * Timers are due from the event loop's cached clock, which can lag the moment they were set by the
 * work done in that loop iteration: elapsed times are checked with this much slack.
 */
const CLOCK_SLACK_MS = 5;

/** The run's timers of `kind` created with `ms` (their delays are computed from seconds: compare loosely). */
function timersOf(run: TimedRun, kind: 'timeout' | 'interval', ms: number) {
  return run.timers.filter((timer) => timer.kind === kind && Math.abs(timer.delayMs - ms) < 1e-6);
}

describe.each<Role>(['server', 'client'])('%s session on real timers', (role) => {
  test(
    'closeTimeout ends a closing handshake the peer does not finish, and no timer outlives the session',
    async () => {
      const cases = fc.record({
        closeTimeout: fc.constantFrom(0, 0.01, 0.03),
        peer: fc.constantFrom('unresponsive' as const, 'echo-only' as const),
        code: fc.oneof(fc.constant(1000), fc.integer({ min: 3000, max: 4999 })),
        sends: fc.array(fc.string({ maxLength: 8 }), { maxLength: 3 }),
      });
      await fc.assert(
        fc.asyncProperty(cases, async ({ closeTimeout, peer, code, sends }) => {
          const run = await runOnRealTimers({
            role,
            options: { closeTimeout },
            peer,
            answerPings: false,
            act: async (session) => {
              for (const data of sends) session.send(data);
              session.close(code);
            },
          });
          expect(invariantViolations(role, run)).toEqual([]);
          // No close frame back: 1006 (§7.1.5). The echo but no TCP close: the echoed code, and clean.
          expect(run.close).toEqual(peer === 'unresponsive' ? { code: 1006, reason: '', wasClean: false } : { code, reason: '', wasClean: true });
          expect(run.closedAfterMs).toBeGreaterThanOrEqual(closeTimeout * 1000 - CLOCK_SLACK_MS);
          expect(timersOf(run, 'timeout', closeTimeout * 1000).map((timer) => timer.state)).toEqual(['fired']);
        }),
        fuzzParameters(TIMER_RUNS, 'real-time'),
      );
    },
    fuzzTimeout(TIMER_RUNS, 60, 'real-time'),
  );

  test(
    'the keep-alive drops a peer that stays silent after a ping, and its interval goes with the session',
    async () => {
      await fc.assert(
        fc.asyncProperty(fc.constantFrom(0.01, 0.02, 0.03), async (ping) => {
          const run = await runOnRealTimers({ role, options: { ping, closeTimeout: 1 }, peer: 'unresponsive', answerPings: false, act: async () => {} });
          expect(invariantViolations(role, run)).toEqual([]);
          expect(run.errors).toEqual([{ kind: 'other', name: 'ConnectionError', code: 'WS_ERR_PING_TIMEOUT' }]);
          expect(run.close).toEqual({ code: 1006, reason: '', wasClean: false });
          // The first tick pings, the next one finds the peer silent since: two intervals at least.
          expect(run.closedAfterStartMs).toBeGreaterThanOrEqual(2 * ping * 1000 - CLOCK_SLACK_MS);
          const pings = run.wire.filter((frame) => frame.opcode === Op.PING);
          expect(pings.length).toBeGreaterThanOrEqual(1);
          expect(pings.every((frame) => frame.payload.length === 0)).toBe(true);
          expect(timersOf(run, 'interval', ping * 1000).map((timer) => timer.state)).toEqual(['cleared']);
        }),
        fuzzParameters(TIMER_RUNS, 'real-time'),
      );
    },
    fuzzTimeout(TIMER_RUNS, 150, 'real-time'),
  );

  test(
    'the keep-alive keeps a peer that answers its pings, until the application closes',
    async () => {
      const cases = fc.record({ ping: fc.constantFrom(0.01, 0.02), pings: fc.integer({ min: 2, max: 4 }) });
      await fc.assert(
        fc.asyncProperty(cases, async ({ ping, pings }) => {
          const run = await runOnRealTimers({
            role,
            options: { ping, closeTimeout: 1 },
            peer: 'cooperative',
            answerPings: true,
            act: async (session, peer) => {
              await framesRead(peer, Op.PING, pings);
              expect(session.readyState).toBe(session.OPEN);
              session.close(1000);
            },
          });
          expect(invariantViolations(role, run)).toEqual([]);
          expect(run.errors).toEqual([]);
          expect(run.close).toEqual({ code: 1000, reason: '', wasClean: true });
          expect(timersOf(run, 'interval', ping * 1000).map((timer) => timer.state)).toEqual(['cleared']);
        }),
        fuzzParameters(TIMER_RUNS, 'real-time'),
      );
    },
    fuzzTimeout(TIMER_RUNS, 200, 'real-time'),
  );
});

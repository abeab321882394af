/**
 * Self-test of the shared case machinery: a case that never looks at how the connection ended,
 * a leftover event, and a role file that forgets (or invents) a role-specific run must all fail.
 * (A check that cannot fail proves nothing.)
 */
import { CLOSE_CASES } from '../cases/7-close';
import type { Payload } from '../frame-encoder';
import { checkRoleSpecificRuns } from './autobahn-case';
import type { RawEndpoint } from './raw-endpoint';
import { Tester, type Failure } from './tester';

/** A tester whose endings succeed at once, over a wire that has only `assertDone`. */
class StubTester extends Tester {
  constructor(assertDone: () => void) {
    super({ assertDone } as unknown as RawEndpoint);
  }
  protected async startClosingHandshake(_code: number | null, _reason: Payload, _answers: Array<number | null>): Promise<void> {}
  protected async awaitCloseReply(_code: number): Promise<void> {}
  protected async awaitFailure(_failure: Failure, _timeoutMs: number): Promise<void> {}
}

const noop = (): void => undefined;

test('selftest: a case that never checked the ending fails finish()', () => {
  expect(() => new StubTester(noop).finish()).toThrow(/never checked how the connection ended/);
});

test.each([
  ['closeCleanly', (t: Tester) => t.closeCleanly()],
  ['expectCloseReply', (t: Tester) => t.expectCloseReply(1000)],
  ['expectFailure', (t: Tester) => t.expectFailure({ code: 1002, clientError: 'WS_ERR_X' })],
])('selftest: after %s, finish() still fails on what the wire left over', async (_ending, end) => {
  const t = new StubTester(() => {
    throw new Error('unexpected extra events');
  });
  await end(t);
  expect(() => t.finish()).toThrow(/unexpected extra events/);
  const clean = new StubTester(noop);
  await end(clean);
  expect(() => clean.finish()).not.toThrow();
});

const run = async (): Promise<void> => undefined;

test('selftest: a role file without a run for a role-specific case is refused', () => {
  expect(() => checkRoleSpecificRuns(CLOSE_CASES, 'server', { '7.1.5': run })).toThrow(/no run for the role-specific case\(s\) 7\.3\.1/);
});

test('selftest: a run for a case that is not role-specific is refused', () => {
  expect(() => checkRoleSpecificRuns(CLOSE_CASES, 'client', { '7.1.5': run, '7.3.1': run, '7.1.1': run })).toThrow(/not role-specific in the table: 7\.1\.1/);
});

test('selftest: the category 7 table asks both roles for exactly 7.1.5 and 7.3.1', () => {
  expect(() => checkRoleSpecificRuns(CLOSE_CASES, 'server', { '7.1.5': run, '7.3.1': run })).not.toThrow();
});

/** The waits between attempts: the reconnection time plus jitter, doubling after failures up to the cap. */
import { ReconnectPolicy } from '../../src/event-source-client/reconnect-policy.js';

test('the reconnection time, plus up to a quarter of jitter', () => {
  expect(new ReconnectPolicy(1000, 30_000, () => 0).nextDelay()).toBe(1000);
  expect(new ReconnectPolicy(1000, 30_000, () => 0.999999).nextDelay()).toBe(1250);
  expect(new ReconnectPolicy(undefined, undefined, () => 0).nextDelay()).toBe(3000);
});

test('failures one after another double the wait up to the cap; an open resets it; a longer retry wins over the cap', () => {
  const policy = new ReconnectPolicy(1000, 5000, () => 0);
  const waits: number[] = [];
  for (let i = 0; i < 5; i++) {
    policy.failed();
    waits.push(policy.nextDelay());
  }
  expect(waits).toEqual([1000, 2000, 4000, 5000, 5000]);
  policy.opened();
  expect(policy.nextDelay()).toBe(1000);
  policy.reconnectionTime = 60_000;
  policy.failed();
  policy.failed();
  expect(policy.nextDelay()).toBe(60_000);
  policy.reconnectionTime = 1e12;
  expect(policy.nextDelay()).toBe(2 ** 31 - 1);
});

test('a reconnection time of 0 still backs off from 100 ms after repeated failures', () => {
  const policy = new ReconnectPolicy(0, 30_000, () => 0);
  policy.failed();
  expect(policy.nextDelay()).toBe(0);
  policy.failed();
  expect(policy.nextDelay()).toBe(200);
});

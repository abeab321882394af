/**
 * The in-process broker forgets a topic nobody listens to or publishes on for `topicTtl` seconds
 * (topics made and left do not pile up), never one with a listener, and numbers a topic made after
 * that above every forgotten id, so that an id from before resets its subscriber rather than
 * being taken for a position in the new count.
 */
import { ArgumentError, Hub, MemoryBroker } from '../../src/index.js';

async function until(done: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

test('an idle topic is forgotten after topicTtl; one with a listener is kept; ids go on above the forgotten', async () => {
  const broker = new MemoryBroker({ topicTtl: 0.05 });
  try {
    const heard: string[] = [];
    broker.subscribe('kept', (events) => heard.push(...events.map((e) => e.id)));
    for (let i = 0; i < 3; i++) broker.publishNow('left', { data: `l${i}` });
    for (let i = 0; i < 2; i++) broker.publishNow('kept', { data: `k${i}` });
    expect(broker.history('left', '1')).toMatchObject({ complete: true, latest: '3' });
    await until(() => broker.latestId('left') === '', "the idle topic's end");
    // The listened topic is still there, with its history.
    expect(broker.history('kept', '1')).toMatchObject({ complete: true, latest: '2', events: [expect.objectContaining({ id: '2' })] });
    // Made again: counted from above the forgotten ids, so the old '2' is not found in it (a reset).
    expect(broker.publishNow('left', { data: 'again' })).toBe('4');
    expect(broker.history('left', '2')).toEqual({ events: [], complete: false, latest: '4' });
    expect(heard).toEqual(['1', '2']);
  } finally {
    broker.close();
  }
});

test('topicTtl is checked by the Hub', () => {
  expect(() => new Hub({ topicTtl: -1 })).toThrow(ArgumentError);
  expect(() => new Hub({ topicTtl: Number.NaN })).toThrow(ArgumentError);
  void new Hub({ topicTtl: 0 }).close();
});

/**
 * `Channel` on real loopback sockets: broadcast with increasing ids, replay of exactly the missed
 * events after `Last-Event-ID`, the `reset` signal when the id fell out of the history, leaving on
 * close, and one framing of each event for every subscriber. The history ring is checked alone.
 */
import type * as http from 'node:http';
import { ArgumentError, Channel, EventSource } from '../../src/index.js';
import { EventHistory } from '../../src/event-source/history.js';
import { cleanup, RawClient, serve, within } from './helpers.js';

afterEach(cleanup);

/** A server whose every request is added to `channel`; resolves each add's result in order. */
async function channelServer(channel: Channel, onResponse?: (res: http.ServerResponse) => void) {
  const added: Array<{ es: EventSource; result: ReturnType<Channel['add']> }> = [];
  const waiters: Array<() => void> = [];
  const { port } = await serve((req, res) => {
    onResponse?.(res);
    const es = new EventSource(req, res, { ping: 0 });
    added.push({ es, result: channel.add(es) });
    waiters.shift()?.();
  });
  let taken = 0;
  const connect = async (lastEventId?: string) => {
    const index = taken++;
    const client = RawClient.get(port, '/feed', lastEventId === undefined ? '' : `Last-Event-ID: ${lastEventId}\r\n`);
    if (added.length <= index) await within(new Promise<void>((resolve) => waiters.push(resolve)), 'the subscription');
    return { client, ...added[index]! };
  };
  return { connect };
}

test('ids are assigned in increasing order and every subscriber gets every event', async () => {
  const channel = new Channel();
  const { connect } = await channelServer(channel);
  const a = await connect();
  const b = await connect();
  expect(channel.size).toBe(2);
  expect(a.result).toEqual({ replayed: 0, missed: false });
  expect(channel.send('one')).toBe('1');
  expect(channel.send('two', { event: 'chat' })).toBe('2');
  for (const { client } of [a, b]) {
    await client.bodyEndsWith('data: two\n\n');
    expect(client.body).toBe(':\n\nid: 1\ndata: one\n\nevent: chat\nid: 2\ndata: two\n\n');
  }
  expect(channel.lastId).toBe('2');
});

test('a client back with Last-Event-ID gets exactly the events it missed, then the live ones', async () => {
  const channel = new Channel({ history: 10 });
  const { connect } = await channelServer(channel);
  for (const word of ['a', 'b', 'c', 'd']) channel.send(word);
  const back = await connect('2');
  expect(back.result).toEqual({ replayed: 2, missed: false });
  channel.send('e');
  await back.client.bodyEndsWith('data: e\n\n');
  expect(back.client.body).toBe(':\n\nid: 3\ndata: c\n\nid: 4\ndata: d\n\nid: 5\ndata: e\n\n');
  // Up to date: nothing to replay.
  const current = await connect('5');
  expect(current.result).toEqual({ replayed: 0, missed: false });
});

test('an id that fell out of the history (or was never issued) gets the reset event, carrying the newest id', async () => {
  const channel = new Channel({ history: 2 });
  const { connect } = await channelServer(channel);
  for (const word of ['a', 'b', 'c', 'd']) channel.send(word);
  for (const lastId of ['1', 'from-another-process']) {
    const { client, result } = await connect(lastId);
    expect(result).toEqual({ replayed: 0, missed: true });
    await client.bodyEndsWith('event: reset\nid: 4\ndata: \n\n');
  }
  // The oldest id still kept replays normally, and so does the newest one no longer kept.
  const kept = await connect('3');
  expect(kept.result).toEqual({ replayed: 1, missed: false });
  await kept.client.bodyEndsWith(':\n\nid: 4\ndata: d\n\n');
  const boundary = await connect('2');
  expect(boundary.result).toEqual({ replayed: 2, missed: false });
  await boundary.client.bodyEndsWith(':\n\nid: 3\ndata: c\n\nid: 4\ndata: d\n\n');
});

test('resetEvent: null sends no signal; add() still reports missed', async () => {
  const channel = new Channel({ history: 0, resetEvent: null });
  const { connect } = await channelServer(channel);
  channel.send('a');
  const { client, result } = await connect('0');
  expect(result).toEqual({ replayed: 0, missed: true });
  channel.send('b');
  await client.bodyEndsWith('data: b\n\n');
  expect(client.body).toBe(':\n\nid: 2\ndata: b\n\n');
});

test('sessions leave the channel when they close; remove() unsubscribes without closing', async () => {
  const channel = new Channel();
  const { connect } = await channelServer(channel);
  const a = await connect();
  const b = await connect();
  const c = await connect();
  b.es.close();
  expect(channel.size).toBe(2);
  const gone = new Promise((resolve) => c.es.once('close', resolve));
  c.client.destroy();
  await within(gone, 'the dropped client to close');
  expect(channel.size).toBe(1);
  expect(channel.remove(a.es)).toBe(true);
  expect(channel.remove(a.es)).toBe(false);
  expect(channel.size).toBe(0);
  expect(a.es.readyState).toBe(EventSource.OPEN);
  // Adding twice subscribes once; a closed session is not added.
  channel.add(a.es);
  channel.add(a.es);
  expect(channel.size).toBe(1);
  channel.add(b.es);
  expect(channel.size).toBe(1);
  channel.closeAll();
  expect(channel.size).toBe(0);
  expect(a.es.readyState).toBe(EventSource.CLOSED);
});

test('each event is framed once: every subscriber is written the same bytes', async () => {
  const channel = new Channel();
  const written: unknown[] = [];
  const { connect } = await channelServer(channel, (res) => {
    const write = res.write.bind(res) as (chunk: unknown) => boolean;
    res.write = ((chunk: unknown) => {
      if (Buffer.isBuffer(chunk)) written.push(chunk);
      return write(chunk);
    }) as typeof res.write;
  });
  await Promise.all([connect(), connect(), connect()]);
  channel.send('shared');
  expect(written).toHaveLength(3);
  expect(Buffer.isBuffer(written[0])).toBe(true);
  expect(written[1]).toBe(written[0]);
  expect(written[2]).toBe(written[0]);
});

test('ids given by the sender are kept, and numeric ones move the sequence on', () => {
  const channel = new Channel();
  expect(channel.send('a', { id: 'custom' })).toBe('custom');
  expect(channel.send('b')).toBe('1');
  expect(channel.send('c', { id: 10 })).toBe('10');
  expect(channel.send('d')).toBe('11');
  // A refused event uses up no id.
  expect(() => channel.send('e', { event: 'bad\n' })).toThrow(ArgumentError);
  expect(channel.send('f')).toBe('12');
});

test.each([[-1], [1.5], [Number.NaN], ['5']])('history %p is refused', (history) => {
  expect(() => new Channel({ history: history as number })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_OPTION' }));
});

test('a reset event name with a line break is refused at once', () => {
  expect(() => new Channel({ resetEvent: 'a\nb' })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_SSE_FIELD' }));
});

describe('EventHistory', () => {
  const event = (id: string) => ({ id, frame: Buffer.from(id) });
  const ids = (events: ReturnType<EventHistory['after']>) => events?.map((e) => e.id) ?? null;

  test('keeps the last `limit` events and finds where a client left off', () => {
    const history = new EventHistory(3);
    for (const id of ['1', '2', '3', '4', '5']) history.push(event(id));
    expect(history.size).toBe(3);
    expect(ids(history.after('1'))).toBeNull();
    // '2' is the newest event no longer kept: its client missed exactly the kept ones.
    expect(ids(history.after('2'))).toEqual(['3', '4', '5']);
    expect(ids(history.after('3'))).toEqual(['4', '5']);
    expect(ids(history.after('5'))).toEqual([]);
  });

  test('a reused id resumes after its latest event, and survives the eviction of its older one', () => {
    const history = new EventHistory(3);
    for (const id of ['a', 'b', 'a', 'c']) history.push(event(id));
    expect(ids(history.after('a'))).toEqual(['c']);
    history.push(event('d'));
    expect(ids(history.after('a'))).toEqual(['c', 'd']);
  });

  test('a history of 0 keeps nothing', () => {
    const history = new EventHistory(0);
    history.push(event('1'));
    history.push(event('2'));
    expect(history.size).toBe(0);
    expect(history.after('1')).toBeNull();
    expect(history.after('2')).toEqual([]);
  });
});

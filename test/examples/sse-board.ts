/**
 * The suite shared by examples/sse-express and examples/sse-koa (same behaviour, two frameworks): a `/clock`
 * stream, a `/feed` message board with replay after `Last-Event-ID`, `POST /messages`; in-process, and through
 * the example's npm script as a user starts it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as http from 'node:http';
import * as path from 'node:path';
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { within, type RunningExample } from './example-helpers.js';

/**
 * An event-stream reader that keeps every event, with bounded waits. It uses `node:http` rather than `fetch`:
 * after an aborted `fetch`, undici opens a spare connection that holds `server.close()` back for seconds.
 */
export class SseReader {
  readonly events: EventSourceMessage[] = [];
  readonly status: Promise<number>;
  private readonly request: http.ClientRequest;
  private readonly waiters = new Set<() => void>();

  constructor(url: string, headers: Record<string, string> = {}) {
    const parser = createParser({
      onEvent: (event) => {
        this.events.push(event);
        for (const waiter of [...this.waiters]) waiter();
      },
    });
    this.request = http.get(url, { headers: { accept: 'text/event-stream', ...headers } });
    this.request.on('error', () => {});
    this.status = within(
      new Promise<number>((resolve) =>
        this.request.once('response', (response) => {
          response.setEncoding('utf8');
          response.on('data', (chunk: string) => parser.feed(chunk));
          response.on('error', () => {});
          resolve(response.statusCode ?? 0);
        }),
      ),
      `the response of ${url}`,
    );
  }

  /** Waits until `count` events have arrived; resolves with them. */
  async next(count: number, what = `${count} events`): Promise<EventSourceMessage[]> {
    await this.until((events) => events.length >= count, what);
    return this.events.slice(0, count);
  }

  /** Waits until the events so far satisfy `done`; resolves with them. */
  async until(done: (events: EventSourceMessage[]) => boolean, what: string): Promise<EventSourceMessage[]> {
    if (done(this.events)) return this.events;
    let check: () => void = () => {};
    await within(
      new Promise<void>((resolve) => {
        check = () => done(this.events) && resolve();
        this.waiters.add(check);
      }),
      `${what}; so far ${JSON.stringify(this.events)}`,
    ).finally(() => this.waiters.delete(check));
    return this.events;
  }

  close(): void {
    this.request.destroy();
  }
}

async function post(base: string, body: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await fetch(`${base}/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  const json = /json/.test(response.headers.get('content-type') ?? '') ? (JSON.parse(text) as Record<string, unknown>) : {};
  return { status: response.status, json };
}

export function describeSseBoard(name: string, start: () => Promise<RunningExample>): void {
  describe(name, () => {
    let example: RunningExample;
    const readers: SseReader[] = [];
    const open = (pathname: string, headers?: Record<string, string>): SseReader => {
      const reader = new SseReader(`${example.httpBase}${pathname}`, headers);
      readers.push(reader);
      return reader;
    };
    beforeEach(async () => {
      example = await start();
    });
    afterEach(async () => {
      for (const reader of readers.splice(0)) reader.close();
      await example.close();
    });

    test('/clock ticks with the time, at once and then every second', async () => {
      const clock = open('/clock');
      expect(await clock.status).toBe(200);
      const [tick] = await clock.next(1);
      expect(tick!.event).toBe('tick');
      expect(Math.abs(Date.parse(tick!.data) - Date.now())).toBeLessThan(5000);
    });

    test('a plain GET of /clock is not a stream (404)', async () => {
      const response = await fetch(`${example.httpBase}/clock`);
      expect(response.status).toBe(404);
      await response.arrayBuffer();
    });

    test('posted messages reach every /feed subscriber, with increasing ids', async () => {
      const alice = open('/feed');
      const bob = open('/feed');
      await Promise.all([alice.status, bob.status]);
      // The subscription is made when the response starts: after the status, posts are seen.
      expect(await post(example.httpBase, { from: 'ann', text: 'hello' })).toEqual({ status: 201, json: { id: '1' } });
      expect((await post(example.httpBase, { text: '  second  ' })).json).toEqual({ id: '2' });
      for (const reader of [alice, bob]) {
        const events = await reader.next(2);
        expect(events.map((e) => [e.event, e.id])).toEqual([['message', '1'], ['message', '2']]);
        expect(JSON.parse(events[0]!.data)).toEqual({ from: 'ann', text: 'hello', at: expect.any(Number) });
        expect(JSON.parse(events[1]!.data)).toMatchObject({ from: 'anonymous', text: 'second' });
      }
    });

    test('a client back with Last-Event-ID gets the messages it missed; a too-old one gets reset', async () => {
      for (const text of ['a', 'b', 'c']) await post(example.httpBase, { text });
      const back = open('/feed', { 'last-event-id': '1' });
      const missed = await back.next(2);
      expect(missed.map((e) => [e.id, JSON.parse(e.data).text])).toEqual([['2', 'b'], ['3', 'c']]);
      const stranger = open('/feed', { 'last-event-id': 'not-an-id' });
      const [reset] = await stranger.next(1);
      expect(reset).toMatchObject({ event: 'reset', id: '3', data: '' });
    });

    test('a post without text is refused with 400', async () => {
      expect((await post(example.httpBase, { from: 'x' })).status).toBe(400);
      expect((await post(example.httpBase, 'not json')).status).toBe(400);
    });

    test('closing the server ends the live streams', async () => {
      const feed = open('/feed');
      const clock = open('/clock');
      await Promise.all([feed.status, clock.next(1)]);
      await example.close();
    });
  });
}

/** `npm run <script>` with PORT=0: it prints `listening on <port>`, streams /clock, and exits on SIGTERM. */
export function describeSseScript(script: string): void {
  const root = path.resolve(__dirname, '../..');
  let child: ChildProcess | undefined;
  afterEach(() => {
    // npm runs the example in a process group of its own: the whole group is signalled.
    if (child?.pid !== undefined && child.exitCode === null && child.signalCode === null) process.kill(-child.pid, 'SIGKILL');
    child = undefined;
  });

  test(`npm run ${script} prints "listening on <port>", streams /clock, and exits on SIGTERM`, async () => {
    const started = spawn('npm', ['run', script, '--silent'], { cwd: root, env: { ...process.env, PORT: '0' }, detached: true });
    child = started;
    const exited = new Promise((resolve) => started.once('exit', resolve));
    const port = await within(
      new Promise<number>((resolve, reject) => {
        let output = '';
        started.stdout!.on('data', (chunk: Buffer) => {
          output += chunk.toString();
          const match = /listening on (\d+)/.exec(output);
          if (match) resolve(Number(match[1]));
        });
        started.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
        started.on('exit', (code) => reject(new Error(`${script} exited with ${code}: ${output}`)));
      }),
      `npm run ${script} to print "listening on <port>"`,
      15000,
    );
    const clock = new SseReader(`http://127.0.0.1:${port}/clock`);
    try {
      expect((await clock.next(1))[0]!.event).toBe('tick');
      process.kill(-started.pid!, 'SIGTERM');
      await within(exited, `${script} to exit on SIGTERM`);
    } finally {
      clock.close();
    }
  }, 30000);
}

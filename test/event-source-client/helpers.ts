/**
 * Shared pieces of the event-stream client tests, on real loopback sockets: a recorder of a
 * client's events with bounded waits, and a raw `net` server (from the WebSocket client tests)
 * that answers with whatever bytes a test chooses. Cleanup is the client tests' own list
 * (`onCleanup`/`closeAll`): every client, socket and server a test opened is gone before jest
 * moves on. Importing the client helpers also clears the machine's proxy variables.
 */
import type * as net from 'node:net';
import { EventSourceClient, type EventSourceClientOptions, type EventSourceMessageEvent } from '../../src/index.js';
import { onCleanup, rawServer, within, type RawRequest, type RawServer } from '../client/helpers.js';

export { closeAll, onCleanup, within, listen, WAIT_MS } from '../client/helpers.js';

export interface Recorded {
  es: EventSourceClient;
  /** `open`, `error:CODE` and `TYPE:DATA:LASTEVENTID`, in order. */
  log: string[];
  /** readyState seen inside each listener, in the order of `log`. */
  states: number[];
  events: EventSourceMessageEvent[];
  errors: Array<Error & { code?: string; statusCode?: number; cause?: unknown }>;
  /** Resolves once `predicate()` holds (checked after every event), within the wait bound. */
  until(predicate: () => boolean, what: string, ms?: number): Promise<void>;
  /** Resolves once `count` entries of the log start with `prefix`. */
  seen(prefix: string, count?: number): Promise<void>;
}

/** Opens a client and records `open`, `error` and the events of `types`; it is closed at cleanup. */
export function watch(url: string, options?: EventSourceClientOptions, types: string[] = ['message']): Recorded {
  const es = new EventSourceClient(url, options);
  const log: string[] = [];
  const states: number[] = [];
  const events: EventSourceMessageEvent[] = [];
  const errors: Recorded['errors'] = [];
  const waiters = new Set<() => void>();
  const note = (entry: string): void => {
    log.push(entry);
    states.push(es.readyState);
    for (const waiter of [...waiters]) waiter();
  };
  es.onopen = () => note('open');
  es.onerror = (event) => {
    errors.push(event.error);
    note(`error:${(event.error as { code?: string }).code ?? '?'}`);
  };
  for (const type of types) {
    es.addEventListener(type, (event) => {
      events.push(event);
      note(`${event.type}:${event.data}:${event.lastEventId}`);
    });
  }
  onCleanup(() => es.close());
  const until = (predicate: () => boolean, what: string, ms?: number): Promise<void> =>
    within(
      new Promise<void>((resolve) => {
        const check = (): void => {
          if (!predicate()) return;
          waiters.delete(check);
          resolve();
        };
        waiters.add(check);
        check();
      }),
      `${what}; log: ${log.join(' | ')}`,
      ms,
    );
  return {
    es,
    log,
    states,
    events,
    errors,
    until,
    seen: (prefix, count = 1) => until(() => log.filter((entry) => entry.startsWith(prefix)).length >= count, `${count} × ${prefix}`),
  };
}

/** The head of a 200 event-stream response, with `extra` header lines. */
export function streamHead(extra: string[] = [], contentType: string | null = 'text/event-stream'): string {
  const lines = ['HTTP/1.1 200 OK', ...(contentType === null ? [] : [`Content-Type: ${contentType}`]), 'Cache-Control: no-cache', 'Connection: close', ...extra];
  return `${lines.join('\r\n')}\r\n\r\n`;
}

export interface SseRawServer extends RawServer {
  /** `http://127.0.0.1:PORT`. */
  origin: string;
}

/**
 * A raw HTTP server: `respond` gets the request (parsed by hand), the socket and the number of the
 * request (1, 2, ...), and writes whatever bytes it likes.
 */
export async function sseRawServer(respond: (request: RawRequest, socket: net.Socket, n: number) => void): Promise<SseRawServer> {
  let n = 0;
  const server = await rawServer((request, socket) => respond(request, socket, ++n));
  return { ...server, origin: `http://127.0.0.1:${server.port}` };
}

/** Writes `chunks` one per event-loop turn (each its own TCP segment, usually). */
export async function trickle(socket: net.Socket, chunks: Array<string | Buffer>): Promise<void> {
  for (const chunk of chunks) {
    if (socket.destroyed) return;
    socket.write(chunk);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

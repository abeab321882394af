/**
 * The client under test: hatchway's `Client`, set up to echo every message back (text as text,
 * binary as binary), as Autobahn's fuzzing server expects of the client it tests, and to record
 * what it reported to the application (its events, errors, and the close event).
 */
import { Client, type ClientOptions, type CloseEvent } from '../../../src/index.js';
import { DEFAULT_TIMEOUT_MS, withTimeout } from '../shared/waits.js';

export interface ExpectedClose {
  code: number;
  wasClean: boolean;
  /** Checked only when given. */
  reason?: string;
  /** The codes of the errors the client emitted; none when omitted (a clean close). */
  errors?: string[];
}

export interface EchoClient {
  client: Client;
  /** Event names in order. */
  log: string[];
  errors: Array<{ name: string; code: string | undefined }>;
  /** Resolves on the close event (bounded). */
  closed(timeoutMs?: number): Promise<CloseEvent>;
  /** The client's close event, and the errors it emitted before it. */
  expectClosed(expected: ExpectedClose, timeoutMs?: number): Promise<void>;
}

/** A hatchway Client that echoes every message back as it came. */
export function echoClient(url: string, protocols?: string[] | null, options?: ClientOptions): EchoClient {
  const client = new Client(url, protocols, options);
  const log: string[] = [];
  const errors: Array<{ name: string; code: string | undefined }> = [];
  client.on('open', () => log.push('open'));
  client.on('message', (event) => {
    log.push('message');
    client.send(event.data);
  });
  client.on('error', (event) => {
    log.push('error');
    errors.push({ name: event.error.name, code: (event.error as { code?: string }).code });
  });
  const closed = new Promise<CloseEvent>((resolve) =>
    client.on('close', (event) => {
      log.push('close');
      resolve(event);
    }),
  );
  const bounded = (timeoutMs = DEFAULT_TIMEOUT_MS): Promise<CloseEvent> =>
    withTimeout(closed, timeoutMs, () => `the client to close; log: ${log.join(', ')}`);
  return {
    client,
    log,
    errors,
    closed: bounded,
    async expectClosed(expected, timeoutMs) {
      const event = await bounded(timeoutMs);
      const seen: Record<string, unknown> = { code: event.code, wasClean: event.wasClean, errors: errors.map((e) => e.code) };
      const wanted: Record<string, unknown> = { code: expected.code, wasClean: expected.wasClean, errors: expected.errors ?? [] };
      if (expected.reason !== undefined) {
        seen['reason'] = event.reason;
        wanted['reason'] = expected.reason;
      }
      expect(seen).toEqual(wanted);
    },
  };
}

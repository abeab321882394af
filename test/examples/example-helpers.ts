/**
 * Helpers for the example tests: an example app served on 127.0.0.1 (port 0) in-process, and a `ws`
 * client that records what it receives and waits for a message with a deadline instead of sleeping.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import WS from 'ws';

/** The longest any single wait in these tests may take. */
export const WAIT_MS = 5000;

/** Rejects with `what` when `promise` has not settled within `ms`. */
export function within<T>(promise: Promise<T>, what: string, ms = WAIT_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

type Attach = (server: http.Server, app: unknown) => http.Server;
type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;

export interface RunningExample {
  server: http.Server;
  port: number;
  /** `ws://127.0.0.1:<port>` */
  wsBase: string;
  /** `http://127.0.0.1:<port>` */
  httpBase: string;
  close(): Promise<void>;
}

/**
 * Serves `app` on 127.0.0.1 with an ephemeral port, as the examples' `server.js` would, with the library's
 * `attach` (from `hatchway`, or `hatchway/koa` for a Koa app).
 */
export async function serve(app: unknown, flavour: 'node' | 'koa' = 'node'): Promise<RunningExample> {
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { attach } = (flavour === 'koa' ? require('hatchway/koa') : require('hatchway')) as { attach: Attach };
  /* eslint-enable @typescript-eslint/no-require-imports */
  const handler: Handler =
    flavour === 'koa' ? (app as { callback(): Handler }).callback() : (app as Handler);
  const server = attach(http.createServer(handler), app);
  await within(
    new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    }),
    'the example server to listen',
  );
  const { port } = server.address() as AddressInfo;
  return {
    server,
    port,
    wsBase: `ws://127.0.0.1:${port}`,
    httpBase: `http://127.0.0.1:${port}`,
    close: () => closeServer(server),
  };
}

/** Closes `server`; if live connections keep it open past the deadline they are cut and the wait fails. */
export async function closeServer(server: http.Server): Promise<void> {
  if (!server.listening) return;
  const closed = new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
  try {
    await within(closed, 'server.close() to finish');
  } catch (error) {
    server.closeAllConnections();
    throw error;
  }
}

export interface Received {
  text: string;
  binary: boolean;
}

/** A `ws` client that keeps every message it receives. */
export class TestClient {
  readonly received: Received[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  private readonly listeners = new Set<() => void>();

  private constructor(readonly ws: WS) {
    ws.on('message', (data, binary) => {
      this.received.push({ text: (data as Buffer).toString(), binary });
      for (const listener of [...this.listeners]) listener();
    });
    this.closed = new Promise((resolve) => {
      ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() }));
    });
  }

  /** Opens a client and waits for the handshake; rejects on an error (such as a non-101 response). */
  static open(url: string, protocols?: string | string[]): Promise<TestClient> {
    const ws = new WS(url, protocols);
    const client = new TestClient(ws);
    TestClient.all.add(client);
    return within(
      new Promise<TestClient>((resolve, reject) => {
        ws.once('open', () => {
          ws.off('error', reject);
          ws.on('error', () => {}); // a later error also ends in 'close', which the tests observe
          resolve(client);
        });
        ws.once('error', reject);
      }),
      `a WebSocket handshake with ${url}`,
    );
  }

  /** Every client opened so far and not yet closed by `closeAll`. */
  static readonly all = new Set<TestClient>();

  /** Closes every client opened by the tests (normally with 1000, cut after the deadline). */
  static async closeAll(): Promise<void> {
    const clients = [...TestClient.all];
    TestClient.all.clear();
    await Promise.all(clients.map((client) => client.close()));
  }

  send(data: string | Buffer): void {
    this.ws.send(data);
  }

  /** Text messages parsed as JSON. */
  json(): Array<Record<string, unknown>> {
    return this.received.filter((m) => !m.binary).map((m) => JSON.parse(m.text) as Record<string, unknown>);
  }

  /**
   * The first message received (ever, by this client) that `match` accepts; waits up to WAIT_MS for one.
   */
  waitFor(match: (message: Received) => boolean, what: string): Promise<Received> {
    const found = (): Received | undefined => this.received.find(match);
    const already = found();
    if (already) return Promise.resolve(already);
    let listener: () => void = () => {};
    const waiting = new Promise<Received>((resolve, reject) => {
      listener = () => {
        const message = found();
        if (message) resolve(message);
      };
      this.listeners.add(listener);
      void this.closed.then(({ code }) => reject(new Error(`closed (${code}) while waiting for ${what}`)));
    });
    return within(waiting, `${what}; received so far: ${JSON.stringify(this.received.map((m) => m.text))}`).finally(
      () => this.listeners.delete(listener),
    );
  }

  /** The first JSON message with every property of `expected`. */
  async waitForJson(expected: Record<string, unknown>): Promise<Record<string, unknown>> {
    const matches = (m: Received): boolean => {
      if (m.binary) return false;
      try {
        const message = JSON.parse(m.text) as Record<string, unknown>;
        return Object.entries(expected).every(([key, value]) => message[key] === value);
      } catch {
        return false;
      }
    };
    const message = await this.waitFor(matches, `a message like ${JSON.stringify(expected)}`);
    return JSON.parse(message.text) as Record<string, unknown>;
  }

  /** Closes with 1000 and waits for the close; terminates the connection if the close does not finish in time. */
  async close(code = 1000): Promise<void> {
    TestClient.all.delete(this);
    if (this.ws.readyState === WS.CLOSED) return;
    if (this.ws.readyState === WS.CONNECTING) {
      this.ws.terminate();
    } else {
      this.ws.close(code);
    }
    try {
      await within(this.closed, 'the client to close');
    } catch (error) {
      this.ws.terminate();
      throw error;
    }
  }
}

/** The error a handshake with `url` fails with (the test fails if the handshake succeeds). */
export async function handshakeError(url: string): Promise<Error> {
  try {
    const client = await TestClient.open(url);
    await client.close();
  } catch (error) {
    return error as Error;
  }
  throw new Error(`the handshake with ${url} succeeded`);
}

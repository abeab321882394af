/**
 * Jest wiring shared by the conformance files: one echo server per file (or per describe block),
 * every raw socket destroyed after each test, the server closed after all.
 */
import { appendFileSync } from 'node:fs';
import { startEchoServer, type EchoServer } from './target';
import { destroyAllClients, RawClient, type ConnectOptions } from './raw-client';

export interface ServerHandle {
  readonly port: number;
  readonly server: EchoServer;
  connect(options?: ConnectOptions): Promise<RawClient>;
}

export function useEchoServer(options?: Parameters<typeof startEchoServer>[0]): ServerHandle {
  let server: EchoServer | undefined;
  beforeAll(async () => {
    server = await startEchoServer(options);
  });
  afterEach(() => {
    destroyAllClients();
  });
  afterAll(async () => {
    destroyAllClients();
    await server?.close();
    server = undefined;
  });
  const handle: ServerHandle = {
    get server(): EchoServer {
      if (!server) throw new Error('echo server not started');
      return server;
    },
    get port(): number {
      return handle.server.port;
    },
    connect: (connectOptions?: ConnectOptions) => RawClient.connect(handle.port, connectOptions),
  };
  return handle;
}

/**
 * Record a case that passed with an Autobahn grade weaker than OK (NON-STRICT, INFORMATIONAL,
 * or OK-by-TCP-drop). Appended as JSON lines to $CONFORMANCE_GRADES_FILE when that is set.
 */
export function noteGrade(grade: string, detail = ''): void {
  const file = process.env['CONFORMANCE_GRADES_FILE'];
  if (!file || grade === 'OK') return;
  const test = expect.getState().currentTestName ?? '(unknown test)';
  appendFileSync(file, JSON.stringify({ test, grade, detail }) + '\n');
}

RawClient.onDrop = (what) => noteGrade('OK (TCP drop)', `server dropped TCP instead of sending ${what}`);

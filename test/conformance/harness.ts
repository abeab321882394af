/**
 * Jest wiring for the server suite: one echo server per file (or per describe block), every raw
 * socket destroyed after each test, the server closed after all.
 */
import { startEchoServer, type EchoServer } from './target';
import { destroyAllClients, RawClient, type ConnectOptions } from './raw-client';
import { noteGrade } from './shared/grades';

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

RawClient.onDrop = (what) => noteGrade('OK (TCP drop)', `server dropped TCP instead of sending ${what}`);

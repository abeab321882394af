/**
 * The shared Autobahn cases played against the server: the tester is the raw client
 * (./raw-client), the peer under test the echo server of ./target. A failing server may drop TCP
 * instead of sending its close frame where Autobahn grades that OK; codes Autobahn also accepts
 * for a case (Failure.serverAlsoAccepts) are accepted here, so that other targets can be graded.
 */
import type { Payload } from './frame-encoder';
import { useEchoServer } from './harness';
import type { RawClient } from './raw-client';
import type { Role } from './shared/autobahn-case';
import { Tester, type Failure } from './shared/tester';

export class ServerRoleTester extends Tester {
  constructor(readonly client: RawClient) {
    super(client);
  }

  protected startClosingHandshake(code: number | null, reason: Payload, answers: Array<number | null>): Promise<void> {
    return this.client.closeCleanly(code, reason, answers);
  }

  protected async awaitCloseReply(code: number): Promise<void> {
    await this.client.expectClose(code);
  }

  protected async awaitFailure(failure: Failure, timeoutMs: number): Promise<void> {
    await this.client.expectClose([failure.code, ...(failure.serverAlsoAccepts ?? [])], { allowDrop: failure.allowDrop ?? true, timeoutMs });
  }
}

/** Call at the top of a test file: each group's echo server is started by its describe block. */
export function serverRole(): Role<ServerRoleTester> {
  return {
    name: 'server',
    titlePrefix: '',
    peer(options) {
      const srv = useEchoServer(options);
      return async () => new ServerRoleTester(await srv.connect());
    },
  };
}

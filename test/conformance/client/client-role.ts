/**
 * The shared Autobahn cases played against the client: the tester is the raw server side
 * (./raw-server), the peer under test hatchway's Client echoing every message (./echo-client).
 * Beyond the wire, this role checks what the Client reported to the application: the close
 * event's code, reason and wasClean, and the error it emitted when it failed the connection.
 */
import type { Role } from '../shared/autobahn-case.js';
import { Tester, type Failure } from '../shared/tester.js';
import { toBuffer, type Payload } from '../frame-encoder.js';
import { useClientHarness } from './client-harness.js';
import type { EchoClient } from './echo-client.js';
import type { RawPeer } from './raw-server.js';

/** RFC 6455 §7.1.5: a close frame without a code is reported as 1005. */
const NO_STATUS_RECEIVED = 1005;

export class ClientRoleTester extends Tester {
  constructor(
    readonly peer: RawPeer,
    readonly client: EchoClient,
  ) {
    super(peer);
  }

  protected async startClosingHandshake(code: number | null, reason: Payload, answers: Array<number | null>): Promise<void> {
    await this.peer.closeCleanly(code, reason, answers);
    await this.client.expectClosed({ code: code ?? NO_STATUS_RECEIVED, reason: toBuffer(reason).toString('utf8'), wasClean: true });
  }

  protected async awaitCloseReply(code: number): Promise<void> {
    await this.peer.expectClose(code);
    await this.client.expectClosed({ code, wasClean: true });
  }

  protected async awaitFailure(failure: Failure, timeoutMs: number): Promise<void> {
    const { dropped } = await this.peer.expectClose(failure.code, { allowDrop: failure.allowDrop ?? true, timeoutMs });
    if (dropped) this.grade('OK (TCP drop)', `client dropped TCP instead of sending a close frame with code ${failure.code}`);
    await this.client.expectClosed({ code: failure.code, wasClean: false, errors: [failure.clientError] });
  }
}

/** Call at the top of a test file: one raw server for the file, the client's options per group. */
export function clientRole(): Role<ClientRoleTester> {
  const harness = useClientHarness();
  return {
    name: 'client',
    titlePrefix: 'client ',
    peer(options) {
      return async () => {
        const { peer, client } = await harness.connect(options === undefined ? {} : { clientOptions: { ...options } });
        return new ClientRoleTester(peer, client);
      };
    },
  };
}

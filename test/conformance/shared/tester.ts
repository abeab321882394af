/**
 * The fuzzing side of one conformance connection, as a shared Autobahn case sees it in either
 * role: the raw endpoint to send and expect frames with, and the ways a connection may end,
 * whose details differ by role. Each role implements the endings (../server-role for the server
 * suite, ../client/client-role for the client suite) and adds what it alone can observe, e.g.
 * the close event the library's Client reports to the application.
 *
 * A case must end by checking how the connection ended: `finish()` fails it otherwise, so that
 * no case passes without having looked at the close.
 */
import type { Payload } from '../frame-encoder';
import { noteGrade } from './grades';
import type { RawEndpoint } from './raw-endpoint';
import { DEFAULT_TIMEOUT_MS } from './waits';

/** How the peer under test must fail the connection (RFC 6455 §7.1.7), with a close code of §7.4.1. */
export interface Failure {
  readonly code: number;
  /** The `code` of the error event the library's Client emits for it (checked in the client role). */
  readonly clientError: string;
  /** Further codes the server role accepts, where Autobahn does; the client suite holds our client to `code`. */
  readonly serverAlsoAccepts?: readonly number[];
  /** A TCP drop without a close frame counts too, as Autobahn grades it OK. Default true. */
  readonly allowDrop?: boolean;
  /** Fail-fast cases: the failure must come within this many ms of the offending bytes. */
  readonly withinMs?: number;
}

export abstract class Tester {
  private endingChecked = false;
  private readonly grades: Array<[grade: string, detail: string]> = [];

  protected constructor(readonly wire: RawEndpoint) {}

  /**
   * The tester starts the closing handshake with `code` (null: an empty body) and `reason`; the
   * peer answers with one of `answers` (default: the same code) and TCP is closed in the order
   * RFC 6455 §7.1.1 sets.
   */
  async closeCleanly(code: number | null = 1000, reason: Payload = '', answers: Array<number | null> = [code]): Promise<void> {
    await this.startClosingHandshake(code, reason, answers);
    this.endingChecked = true;
  }

  /** The tester has already sent a close frame with `code`: the peer answers with the same code, nothing else. */
  async expectCloseReply(code: number): Promise<void> {
    await this.awaitCloseReply(code);
    this.endingChecked = true;
  }

  /** The peer fails the connection as `failure` says. */
  async expectFailure(failure: Failure): Promise<void> {
    await this.awaitFailure(failure, failure.withinMs ?? DEFAULT_TIMEOUT_MS);
    this.endingChecked = true;
  }

  /** Record an Autobahn grade weaker than OK, reported once the case has passed. */
  grade(grade: string, detail = ''): void {
    this.grades.push([grade, detail]);
  }

  /** After the case: it checked the ending, every event was expected, no RFC breach. */
  finish(): void {
    if (!this.endingChecked) throw new Error('the case never checked how the connection ended');
    this.wire.assertDone();
    for (const [grade, detail] of this.grades) noteGrade(grade, detail);
  }

  protected abstract startClosingHandshake(code: number | null, reason: Payload, answers: Array<number | null>): Promise<void>;
  protected abstract awaitCloseReply(code: number): Promise<void>;
  protected abstract awaitFailure(failure: Failure, timeoutMs: number): Promise<void>;
}

/**
 * The raw server side of one connection, for the client suite (an Autobahn-style "fuzzing
 * server"): frames go out unmasked (RFC 6455 §5.1) and the client's frames are read and held to
 * every rule that binds a *client* by ../shared/raw-endpoint, with ../shared/masking-rules'
 * clientMasking (every frame masked with a fresh non-zero key, §5.3).
 *
 * What is particular to this side is its part of the closing handshake: once the close frames
 * have crossed, a server closes TCP first (§7.1.1), as Autobahn's fuzzing server does.
 */
import type * as net from 'node:net';
import type { RawRequest } from '../../client/helpers.js';
import type { Payload } from '../frame-encoder.js';
import { clientMasking } from '../shared/masking-rules.js';
import { RawEndpoint, type CloseExpectation, type CloseOutcome } from '../shared/raw-endpoint.js';
import { DEFAULT_TIMEOUT_MS } from '../shared/waits.js';

export class RawPeer extends RawEndpoint {
  constructor(
    socket: net.Socket,
    readonly request: RawRequest,
    /** Bytes that came after the request head: a client sends nothing before the 101, so these are judged too. */
    rest: Buffer = Buffer.alloc(0),
  ) {
    super(socket, 'client', clientMasking(), false);
    this.listen(rest);
  }

  /**
   * The client sent a close frame with one of `codes` (null: an empty body) — or, with
   * `allowDrop`, dropped TCP without one, where Autobahn grades that OK too. Then the server
   * closes TCP and the client's side must close too.
   */
  async expectClose(codes: number | null | Array<number | null>, opts: CloseExpectation = {}): Promise<CloseOutcome> {
    const list = Array.isArray(codes) ? codes : [codes];
    const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const what = `a close frame with code ${list.map((c) => c ?? '(empty)').join(' or ')}${opts.allowDrop ? ' (or a TCP drop)' : ''}`;
    const event = await this.nextEvent(what, timeoutMs);
    this.assertNoViolations();
    if (event.type === 'tcp-closed') {
      if (opts.allowDrop) return { dropped: true, code: null, reason: Buffer.alloc(0) };
      throw new Error(`expected ${what}, but the client closed TCP without a close frame\nevents:\n${this.history()}`);
    }
    if (event.type !== 'close' || !list.includes(event.code)) throw this.unexpected(event, what);
    this.socket.end();
    await this.expectTcpClosed('the client to close TCP after the closing handshake', timeoutMs);
    return { dropped: false, code: event.code, reason: event.reason };
  }

  /**
   * The server starts the closing handshake: sends close (`code`, `reason`; null for an empty
   * body), expects the client's close with one of `answers` (default: the same code), then closes
   * TCP first.
   */
  async closeCleanly(code: number | null = 1000, reason: Payload = '', answers: Array<number | null> = [code]): Promise<void> {
    await this.sendClose(code ?? undefined, reason);
    await this.expectClose(answers);
  }
}

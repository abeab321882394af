/**
 * The server socket's branch for a legacy draft handshake (`legacyDrafts: true`): checks the
 * request, puts the draft engine in place of the RFC 6455 connection, and starts it on the next
 * tick, as the RFC 6455 path does, so that listeners attached right after `new` hear `open`. A
 * refusal is the same as for RFC 6455 requests: the HTTP status, then `error` and `close` (1006).
 */
import type { Duplex } from 'node:stream';
import { HandshakeError } from '../errors.js';
import { refuseHandshake } from '../server/refused-handshake.js';
import type { ServerHandshakePolicy, UpgradeRequest } from '../handshake/server-handshake.js';
import type { SessionOptions } from '../websocket-session/session-options.js';
import { replaceEngine, type WebSocketSession } from '../websocket-session/websocket-session.js';
import { challengeAnswer } from './draft-challenge.js';
import { DraftEngine, type DraftResponder } from './draft-engine.js';
import { validateLegacyDraftOptions, type LegacyDraftOptions } from './draft-options.js';
import { draftVersionOf, negotiateDraftHandshake, type DraftVersion } from './draft-request.js';
import { draftResponse } from './draft-response.js';

export type { LegacyDraftOptions };

/** The draft the server socket must answer `request` with, or null for RFC 6455 (always, without `legacyDrafts`). */
export function legacyDraftOf(request: UpgradeRequest, options: LegacyDraftOptions): DraftVersion | null {
  validateLegacyDraftOptions(options);
  return options.legacyDrafts === true ? draftVersionOf(request) : null;
}

export interface DraftAcceptance {
  request: UpgradeRequest;
  socket: Duplex;
  head: Buffer | null | undefined;
  policy: ServerHandshakePolicy;
  /** Pre-validated `Name: value\r\n` lines (the `headers` option). */
  extraHeaderLines: string;
  options: SessionOptions & LegacyDraftOptions;
}

export function acceptLegacyDraft(session: WebSocketSession, version: DraftVersion, acceptance: DraftAcceptance): void {
  const { request, socket, head, policy, extraHeaderLines, options } = acceptance;
  const engine = new DraftEngine(session, version, options);
  replaceEngine(session, engine, version);
  let accepted;
  try {
    accepted = negotiateDraftHandshake(request, version, policy);
  } catch (error) {
    if (!(error instanceof HandshakeError)) throw error;
    return refuseHandshake(session, engine, socket, error);
  }
  session.protocol = accepted.protocol;
  engine.attach(socket);
  const quotients = accepted.quotients;
  const response = { origin: accepted.origin, location: session.url, protocol: accepted.protocol, extraHeaderLines };
  const respond: DraftResponder = (key3) =>
    draftResponse(version, response, quotients === null ? key3 : challengeAnswer(quotients[0], quotients[1], key3));
  process.nextTick(() => engine.start(head ?? undefined, respond));
}

/**
 * What hatchway tells about itself (docs/observability.md): six `node:diagnostics_channel` channels
 * and the `NODE_DEBUG=hatchway` debug lines. This folder is observability, and this file all of it:
 * the channels, made once when the module loads, the shape of each channel's messages, the one debug
 * logger, and the reporters the sessions and the Hub call at the exact points they name. A message
 * object is built only when the channel has a subscriber, and a debug line only when `NODE_DEBUG`
 * names `hatchway`: with neither, a report is one property read and a branch.
 */
import { channel } from 'node:diagnostics_channel';
import { debuglog } from 'node:util';
import type { EventSource } from '../event-source/event-source.js';
import type { EventSourceCloseReason } from '../event-source/events.js';
import type { Hub } from '../hub/hub.js';
import type { BrokerMessage } from '../hub/broker.js';
import type { Role, WebSocketSession } from '../websocket-session/websocket-session.js';

/** `hatchway:websocket:open`: a WebSocket (server or client) is open, just before its `open` listeners run. */
export interface WebSocketOpenMessage {
  readonly websocket: WebSocketSession;
  readonly role: Role;
}

/** `hatchway:websocket:close`: what its `close` event reports, just before the listeners run. */
export interface WebSocketCloseMessage {
  readonly websocket: WebSocketSession;
  readonly role: Role;
  readonly code: number;
  readonly reason: string;
  readonly wasClean: boolean;
  /** Who started the closing handshake (a failure is `'local'`); null when there was none (1006). */
  readonly initiatedBy: 'local' | 'peer' | null;
}

/** `hatchway:websocket:error`: every error the session reports, whether or not it has `error` listeners. */
export interface WebSocketErrorMessage {
  readonly websocket: WebSocketSession;
  readonly role: Role;
  /** A `ProtocolError` (with `closeCode`), `HandshakeError` (`statusCode`), `ConnectionError`, `ExtensionError`. */
  readonly error: Error;
}

/** `hatchway:eventsource:open`: the stream's headers and first bytes are written. */
export interface EventSourceOpenMessage {
  readonly eventSource: EventSource;
}

/** `hatchway:eventsource:close`: what its `close` event reports, just before the listeners run. */
export interface EventSourceCloseMessage {
  readonly eventSource: EventSource;
  readonly reason: EventSourceCloseReason;
  /** Set for `'overflow'`. */
  readonly error: Error | null;
}

/** `hatchway:hub:publish`: the broker accepted an event (a refused publish is not reported here). */
export interface HubPublishMessage {
  readonly hub: Hub;
  readonly topic: string;
  /** The id the broker gave the event (or the publisher's own). */
  readonly id: string;
  readonly event: string | undefined;
  /** The size of the event's data in bytes (UTF-8 for text). */
  readonly bytes: number;
}

const websocketOpen = channel('hatchway:websocket:open');
const websocketClose = channel('hatchway:websocket:close');
const websocketError = channel('hatchway:websocket:error');
const eventSourceOpen = channel('hatchway:eventsource:open');
const eventSourceClose = channel('hatchway:eventsource:close');
const hubPublish = channel('hatchway:hub:publish');

/** The package's one debug logger: `NODE_DEBUG=hatchway` (the Redis broker writes to the same section). */
export const debug = debuglog('hatchway');

export function reportWebSocketOpen(websocket: WebSocketSession, role: Role): void {
  if (debug.enabled) debug('%s websocket open %s', role, websocket.url);
  if (websocketOpen.hasSubscribers) websocketOpen.publish({ websocket, role } satisfies WebSocketOpenMessage);
}

export function reportWebSocketClose(
  websocket: WebSocketSession,
  role: Role,
  event: { code: number; reason: string; wasClean: boolean },
  initiatedBy: 'local' | 'peer' | null,
): void {
  const { code, reason, wasClean } = event;
  if (debug.enabled) {
    debug('%s websocket closed %s: code %d reason %j %s, by %s', role, websocket.url, code, reason, wasClean ? 'clean' : 'unclean', initiatedBy ?? 'neither side (dropped)');
  }
  if (websocketClose.hasSubscribers) {
    websocketClose.publish({ websocket, role, code, reason, wasClean, initiatedBy } satisfies WebSocketCloseMessage);
  }
}

export function reportWebSocketError(websocket: WebSocketSession, role: Role, error: Error): void {
  if (debug.enabled) debug('%s websocket error %s: %s %s', role, websocket.url, codeOf(error), error.message);
  if (websocketError.hasSubscribers) websocketError.publish({ websocket, role, error } satisfies WebSocketErrorMessage);
}

/** An opening handshake accepted (101) or refused: `status` is the one sent (server) or received (client), 0 for none. */
export function reportHandshake(role: Role, url: string, status: number, error?: Error): void {
  if (!debug.enabled) return;
  if (error === undefined) debug('%s handshake accepted %s: %d', role, url, status);
  else debug('%s handshake refused %s: %s %s %s', role, url, status === 0 ? 'no status' : status, codeOf(error), error.message);
}

export function reportEventSourceOpen(eventSource: EventSource): void {
  if (debug.enabled) debug('eventsource open %s', eventSource.url);
  if (eventSourceOpen.hasSubscribers) eventSourceOpen.publish({ eventSource } satisfies EventSourceOpenMessage);
}

export function reportEventSourceClose(eventSource: EventSource, reason: EventSourceCloseReason, error: Error | null): void {
  if (debug.enabled) debug('eventsource closed %s: %s%s', eventSource.url, reason, error === null ? '' : ` ${codeOf(error)}`);
  if (eventSourceClose.hasSubscribers) eventSourceClose.publish({ eventSource, reason, error } satisfies EventSourceCloseMessage);
}

/** A publish handed to the broker: reported once it is accepted (with its id), or, to the debug log, refused. */
export function reportHubPublish(hub: Hub, topic: string, message: BrokerMessage, accepted: Promise<string>): void {
  if (!hubPublish.hasSubscribers && !debug.enabled) return;
  accepted.then(
    (id) => {
      if (!hubPublish.hasSubscribers) return;
      const { data, event } = message;
      const bytes = typeof data === 'string' ? Buffer.byteLength(data) : data.length;
      hubPublish.publish({ hub, topic, id, event, bytes } satisfies HubPublishMessage);
    },
    (error: Error) => {
      if (debug.enabled) debug('hub publish to %j refused: %s %s', topic, codeOf(error), error?.message);
    },
  );
}

function codeOf(error: Error): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : (error?.name ?? 'Error');
}

/**
 * The server-side WebSocket: `new WebSocket(request, socket, head, protocols, options)` on an
 * HTTP upgrade request. It checks the opening handshake, answers 101 (or a short HTTP error
 * and closes the socket), then hands the connection to the shared session. This folder is the
 * server's side of WebSockets: the server socket, and the registry of a server's live sessions
 * that closes them all when the server shuts down.
 */
import type { IncomingMessage } from 'node:http';
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { Client } from '../client/client.js';
import { HandshakeError } from '../errors.js';
import { emitClose } from '../websocket-session/lifecycle.js';
import { reportHandshake } from '../observability/diagnostics.js';
import { headerLines, type HeaderValues } from '../handshake/custom-headers.js';
import { rejectUpgrade } from '../handshake/http-rejection.js';
import {
  isWebSocketRequest,
  negotiateServerHandshake,
  switchingProtocolsResponse,
  type OriginPolicy,
  type UpgradeRequest,
} from '../handshake/server-handshake.js';
import { DEFAULT_MAX_LENGTH } from '../ws-frame-parser/index.js';
import type { ExtensionPlugin } from '../extensions/extension-plugin.js';
import { negotiateServer, validatePlugins } from '../extensions/negotiation.js';
import { ReadyState, WebSocketSession, connectionOf, type SessionOptions } from '../websocket-session/websocket-session.js';

export interface WebSocketOptions extends SessionOptions {
  /** Extensions offered to clients, in order of preference, e.g. `[permessageDeflate()]`. */
  extensions?: readonly ExtensionPlugin[];
  /** Extra headers for the 101 response (values with CR or LF are refused). */
  headers?: HeaderValues;
  /** Allowed `Origin` values, or a predicate; other origins get 403. Any origin by default. */
  origins?: OriginPolicy;
  /** Subprotocols the server speaks (the same as the constructor's `protocols` argument). */
  protocols?: readonly string[];
}

export class WebSocket extends WebSocketSession {
  /** The client, also exported as `Client`. */
  static readonly Client: typeof Client = Client;

  /** Is this request a WebSocket opening handshake (GET, `Upgrade: websocket`, `Connection: upgrade`)? */
  static isWebSocket(request: UpgradeRequest): boolean {
    return isWebSocketRequest(request);
  }

  constructor(
    request: IncomingMessage | UpgradeRequest,
    socket: Duplex,
    head?: Buffer | null,
    protocols?: readonly string[] | string | null,
    options: WebSocketOptions = {},
  ) {
    let extraHeaderLines: string;
    let plugins: ExtensionPlugin[];
    try {
      super('server', options);
      extraHeaderLines = headerLines(options.headers);
      plugins = validatePlugins(options.extensions);
    } catch (error) {
      // A programming error of the caller; the socket must not be left behind.
      socket.destroy();
      throw error;
    }
    this.url = requestUrl(request, socket);
    let accepted;
    let negotiated;
    try {
      accepted = negotiateServerHandshake(request, {
        protocols: protocolList(protocols) ?? options.protocols,
        origins: options.origins,
      });
      negotiated = negotiateServer(plugins, headerValue(request.headers['sec-websocket-extensions']), {
        maxLength: options.maxLength ?? DEFAULT_MAX_LENGTH,
      });
    } catch (error) {
      if (!(error instanceof HandshakeError)) throw error;
      // The peer is told the status only; the detail stays in the error event.
      rejectUpgrade(socket, error.statusCode, STATUS_CODES[error.statusCode] ?? 'Error', error.headers);
      reportHandshake('server', this.url, error.statusCode, error);
      const connection = connectionOf(this);
      connection.readyState = ReadyState.CLOSED;
      process.nextTick(() => {
        connection.emitError(error);
        emitClose(this, 'server', null);
      });
      return;
    }
    this.protocol = accepted.protocol;
    const connection = connectionOf(this);
    connection.useExtensions(negotiated);
    connection.attach(socket);
    connection.outbox.writeRaw(
      switchingProtocolsResponse({
        accept: accepted.accept,
        protocol: accepted.protocol,
        extensions: negotiated.header,
        extraHeaderLines,
      }),
    );
    reportHandshake('server', this.url, 101);
    // Listeners can still be attached after `new`: `open` fires on the next tick.
    process.nextTick(() => connection.start(head ?? undefined));
  }
}

function protocolList(protocols: readonly string[] | string | null | undefined): readonly string[] | undefined {
  if (protocols === null || protocols === undefined) return undefined;
  return typeof protocols === 'string' ? protocols.split(',').map((p) => p.trim()).filter(Boolean) : protocols;
}

function requestUrl(request: UpgradeRequest & { originalUrl?: string }, socket: Duplex): string {
  const secure = (socket as { encrypted?: boolean }).encrypted === true;
  // Routers rewrite `url` below a mount point; `originalUrl` (Express) keeps what the client asked for.
  const path = request.originalUrl ?? request.url ?? '/';
  return `${secure ? 'wss' : 'ws'}://${request.headers.host ?? 'localhost'}${path}`;
}

/** Several `Sec-WebSocket-Extensions` lines are one list (RFC 9110 §5.3). */
function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(', ') : value;
}

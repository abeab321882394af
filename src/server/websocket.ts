/**
 * The server-side WebSocket: `new WebSocket(request, socket, head, protocols, options)` on an
 * HTTP upgrade request. It checks the opening handshake, answers 101 (or a short HTTP error
 * and closes the socket), then hands the connection to the shared session. This folder is the
 * server's side of WebSockets: the server socket, and the registry of a server's live sessions
 * that closes them all when the server shuts down.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { Client } from '../client/client.js';
import { HandshakeError } from '../errors.js';
import { reportHandshake } from '../observability/diagnostics.js';
import { headerLines, type HeaderValues } from '../handshake/custom-headers.js';
import { refuseHandshake } from './refused-handshake.js';
import { isExtendedConnect, negotiateExtendedConnect, streamAnswerHeaders } from '../handshake/extended-connect.js';
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
import { WebSocketSession, connectionOf, type SessionOptions } from '../websocket-session/websocket-session.js';
import { acceptLegacyDraft, legacyDraftOf, type LegacyDraftOptions } from '../legacy-drafts/accept-draft.js';

export interface WebSocketOptions extends SessionOptions, LegacyDraftOptions {
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

  /**
   * Is this request a WebSocket opening handshake: GET with `Upgrade: websocket` and
   * `Connection: upgrade`, or on HTTP/2 an extended CONNECT with `:protocol: websocket` (RFC 8441)?
   */
  static isWebSocket(request: UpgradeRequest): boolean {
    return isWebSocketRequest(request) || isExtendedConnect(request);
  }

  /**
   * On HTTP/1.1, `socket` is the upgraded socket and `head` the bytes read past the request. On
   * HTTP/2 (RFC 8441), `request` is the extended CONNECT (`Http2ServerRequest`, or `{ headers }`
   * of a `'stream'` event) and `socket` its `ServerHttp2Stream`; `head` is not used.
   */
  constructor(
    request: IncomingMessage | UpgradeRequest,
    socket: Duplex,
    head?: Buffer | null,
    protocols?: readonly string[] | string | null,
    options: WebSocketOptions = NO_OPTIONS,
  ) {
    let extraHeaderLines: string;
    let plugins: ExtensionPlugin[];
    let draft: ReturnType<typeof legacyDraftOf>;
    try {
      super('server', options);
      extraHeaderLines = headerLines(options.headers);
      plugins = validatePlugins(options.extensions);
      draft = legacyDraftOf(request, options);
    } catch (error) {
      // A programming error of the caller; the socket must not be left behind.
      socket.destroy();
      throw error;
    }
    this.url = requestUrl(request, socket);
    const policy = { protocols: protocolList(protocols) ?? options.protocols, origins: options.origins };
    if (draft !== null) {
      acceptLegacyDraft(this, draft, { request, socket, head, policy, extraHeaderLines, options });
      return;
    }
    const overStream = isExtendedConnect(request);
    let accepted;
    let negotiated;
    try {
      accepted = overStream ? { accept: '', ...negotiateExtendedConnect(request, policy) } : negotiateServerHandshake(request, policy);
      negotiated = negotiateServer(plugins, headerValue(request.headers['sec-websocket-extensions']), {
        maxLength: options.maxLength ?? DEFAULT_MAX_LENGTH,
      });
    } catch (error) {
      if (!(error instanceof HandshakeError)) throw error;
      refuseHandshake(this, connectionOf(this), socket, error, overStream);
      return;
    }
    this.protocol = accepted.protocol;
    const connection = connectionOf(this);
    connection.useExtensions(negotiated);
    connection.attach(socket);
    if (overStream) {
      const answer = { protocol: accepted.protocol, extensions: negotiated.header, headers: options.headers };
      answerStream(socket as unknown as AnswerableStream, streamAnswerHeaders(answer));
    } else {
      connection.outbox.writeRaw(
        switchingProtocolsResponse({
          accept: accepted.accept,
          protocol: accepted.protocol,
          extensions: negotiated.header,
          extraHeaderLines,
        }),
      );
    }
    reportHandshake('server', this.url, overStream ? 200 : 101);
    // Listeners can still be attached after `new`: `open` fires on the next tick.
    process.nextTick(() => connection.start(head ?? undefined));
  }
}

function protocolList(protocols: readonly string[] | string | null | undefined): readonly string[] | undefined {
  if (protocols === null || protocols === undefined) return undefined;
  return typeof protocols === 'string' ? protocols.split(',').map((p) => p.trim()).filter(Boolean) : protocols;
}

function requestUrl(request: UpgradeRequest & { originalUrl?: string }, socket: Duplex): string {
  const headers = request.headers;
  // HTTP/2 names the scheme and the authority in pseudo-headers (RFC 9113 §8.3.1).
  const secure = headers[':scheme'] !== undefined ? headers[':scheme'] === 'https' : (socket as { encrypted?: boolean }).encrypted === true;
  // Routers rewrite `url` below a mount point; `originalUrl` (Express) keeps what the client asked for.
  const path = request.originalUrl ?? request.url ?? headerValue(headers[':path']) ?? '/';
  return `${secure ? 'wss' : 'ws'}://${headerValue(headers[':authority']) ?? headers.host ?? 'localhost'}${path}`;
}

interface AnswerableStream {
  readonly destroyed: boolean;
  readonly closed: boolean;
  respond(headers: ReturnType<typeof streamAnswerHeaders>): void;
}

/** The 200 that opens the WebSocket on its stream; a stream the client already reset is left to close the session. */
function answerStream(stream: AnswerableStream, headers: ReturnType<typeof streamAnswerHeaders>): void {
  if (!stream.destroyed && !stream.closed) stream.respond(headers);
}

/** Several `Sec-WebSocket-Extensions` lines are one list (RFC 9110 §5.3). */
function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(', ') : value;
}

/** The options of every `new WebSocket(...)` made without any: one object, not a new `{}` per socket it holds. */
const NO_OPTIONS: WebSocketOptions = Object.freeze({});

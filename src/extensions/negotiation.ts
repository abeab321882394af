/**
 * Extension negotiation (RFC 6455 §9.1): the server accepts, in its own order of preference,
 * the first extensions whose offers it can serve and whose RSV bits are still free; the
 * client offers its extensions and checks that the server answered only what it offered. This
 * folder is WebSocket extensions: the `Sec-WebSocket-Extensions` grammar, the plugin contract of
 * `websocket-extensions`, negotiation here, the ordered message pipeline a session runs its
 * messages through, and `permessageDeflate()` (RFC 7692) with its zlib codec and limiter.
 */
import { ArgumentError, HandshakeError } from '../errors.js';
import { RSV1, RSV2, RSV3 } from '../ws-frame-parser/index.js';
import { ExtensionHeaderError, parseExtensions, serializeExtension, type ExtensionParams } from './extension-header.js';
import type { ClientExtensionSession, ExtensionContext, ExtensionPlugin, ExtensionSession, ServerExtensionSession } from './extension-plugin.js';

export interface NegotiatedExtensions {
  /** The `Sec-WebSocket-Extensions` value sent back (server) or received (client). */
  header: string;
  /** Sessions in plugin order: outgoing messages run through them in this order, incoming in reverse. */
  sessions: ExtensionSession[];
  /** RSV bits the sessions own, as in the first header byte. */
  rsv: number;
}

export const NO_EXTENSIONS: NegotiatedExtensions = { header: '', sessions: [], rsv: 0 };

/** Checks the plugin objects once, at construction, so a bad one fails loudly and early. */
export function validatePlugins(plugins: readonly unknown[] | undefined): ExtensionPlugin[] {
  if (plugins === undefined) return [];
  const names = new Set<string>();
  return plugins.map((plugin) => {
    const p = plugin as Partial<ExtensionPlugin> | null;
    if (p === null || typeof p !== 'object' || typeof p.name !== 'string' || p.type !== 'permessage') {
      throw new ArgumentError('an extension must be a permessage plugin object with a name', 'ERR_INVALID_EXTENSION');
    }
    if (typeof p.createServerSession !== 'function' || typeof p.createClientSession !== 'function') {
      throw new ArgumentError(`extension ${p.name} lacks createClientSession/createServerSession`, 'ERR_INVALID_EXTENSION');
    }
    if (names.has(p.name)) throw new ArgumentError(`extension ${p.name} is given twice`, 'ERR_INVALID_EXTENSION');
    names.add(p.name);
    return p as ExtensionPlugin;
  });
}

function rsvOf(plugin: ExtensionPlugin): number {
  return (plugin.rsv1 ? RSV1 : 0) | (plugin.rsv2 ? RSV2 : 0) | (plugin.rsv3 ? RSV3 : 0);
}

export function negotiateServer(
  plugins: readonly ExtensionPlugin[],
  header: string | undefined,
  context: ExtensionContext,
): NegotiatedExtensions {
  if (plugins.length === 0) return NO_EXTENSIONS;
  let offers;
  try {
    offers = parseExtensions(header);
  } catch (error) {
    if (error instanceof ExtensionHeaderError) {
      throw new HandshakeError(error.message, 'WS_ERR_HANDSHAKE_EXTENSIONS', 400);
    }
    throw error;
  }
  const accepted: string[] = [];
  const sessions: ExtensionSession[] = [];
  let rsv = 0;
  for (const plugin of plugins) {
    const mine = offers.filter((offer) => offer.name === plugin.name).map((offer) => offer.params);
    const bits = rsvOf(plugin);
    if (mine.length === 0 || (rsv & bits) !== 0) continue;
    let session: ServerExtensionSession | null | undefined | false = null;
    let response: string;
    try {
      session = plugin.createServerSession(mine, context);
      if (!session) continue;
      response = serializeExtension(plugin.name, session.generateResponse());
    } catch {
      // A plugin that cannot make sense of these offers declines them: the handshake goes on
      // without it rather than the error escaping from the constructor (and the upgrade handler).
      if (session) closeQuietly(session);
      continue;
    }
    accepted.push(response);
    sessions.push(session);
    rsv |= bits;
  }
  return { header: accepted.join(', '), sessions, rsv };
}

export interface ClientOffer {
  header: string;
  /** The server's choice (RFC 6455 §4.1 step 5, RFC 7692 §5); a refusal names `status`, 101 or an HTTP/2 answer's. */
  activate(responseHeader: string | undefined, status?: number): NegotiatedExtensions;
}

export function offerClient(plugins: readonly ExtensionPlugin[], context: ExtensionContext): ClientOffer {
  const offered = new Map<string, [ExtensionPlugin, ClientExtensionSession]>();
  const parts: string[] = [];
  for (const plugin of plugins) {
    const session = plugin.createClientSession(context);
    if (!session) continue;
    const offer = session.generateOffer();
    if (offer === null || offer === undefined) continue;
    for (const params of Array.isArray(offer) ? offer : [offer]) parts.push(serializeExtension(plugin.name, params as ExtensionParams));
    offered.set(plugin.name, [plugin, session]);
  }
  return {
    header: parts.join(', '),
    activate(responseHeader, status = 101) {
      if (responseHeader === undefined || responseHeader.trim() === '') return NO_EXTENSIONS;
      const reject = (why: string): never => {
        throw new HandshakeError(why, 'WS_ERR_HANDSHAKE_EXTENSION', status);
      };
      let responses;
      try {
        responses = parseExtensions(responseHeader);
      } catch {
        return reject('the server sent an invalid Sec-WebSocket-Extensions header');
      }
      const chosen: Array<[number, ExtensionSession]> = [];
      const seen = new Set<string>();
      let rsv = 0;
      for (const { name, params } of responses) {
        const entry = offered.get(name);
        if (entry === undefined || seen.has(name)) reject(`the server chose extension ${name}, which was not offered`);
        const [plugin, session] = entry!;
        const bits = rsvOf(plugin);
        if ((rsv & bits) !== 0) reject(`the server chose two extensions using the same RSV bits (${name})`);
        let accepted = false;
        try {
          accepted = session.activate(params) === true;
        } catch {
          // A plugin throwing on the response refuses it, like one returning false.
        }
        if (!accepted) reject(`the server sent unacceptable parameters for ${name}`);
        seen.add(name);
        chosen.push([plugins.indexOf(plugin), session]);
        rsv |= bits;
      }
      // Offered but not accepted: their sessions are not used.
      for (const [name, [, session]] of offered) if (!seen.has(name)) session.close();
      // Outgoing messages run through the extensions in the client's order, whatever order the server answered in.
      const sessions = chosen.sort((a, b) => a[0] - b[0]).map(([, session]) => session);
      return { header: responseHeader, sessions, rsv };
    },
  };
}

function closeQuietly(session: ExtensionSession): void {
  try {
    session.close();
  } catch {
    // Nothing more to release.
  }
}

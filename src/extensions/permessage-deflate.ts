/**
 * `permessageDeflate(options)`: RFC 7692 compression as an extension plugin (the
 * `websocket-extensions` contract), for servers and clients alike.
 */
import * as zlib from 'node:zlib';
import { ArgumentError } from '../errors.js';
import { DeflateCodec, type CodecOptions } from './deflate-codec.js';
import { isWindowBits, readParams, type DeflateParams } from './deflate-params.js';
import type { ExtensionParams } from './extension-header.js';
import type {
  ClientExtensionSession,
  ExtensionContext,
  ExtensionMessage,
  ExtensionPlugin,
  MessageCallback,
  ServerExtensionSession,
} from './extension-plugin.js';
import { shareCompression } from './shared-compression.js';
import { setZlibConcurrency } from './zlib-limiter.js';

export interface PermessageDeflateOptions {
  /** zlib compression level, 0-9. Default `zlib.constants.Z_DEFAULT_COMPRESSION`. */
  level?: number;
  /** zlib memory level, 1-9. Default 8. */
  memLevel?: number;
  /** zlib strategy. Default `Z_DEFAULT_STRATEGY`. */
  strategy?: number;
  /** Messages shorter than this many bytes are sent uncompressed. Default 1024. */
  threshold?: number;
  /** The server compresses each message on its own (server: always; client: asks for it). */
  serverNoContextTakeover?: boolean;
  /** The client compresses each message on its own (client: always; server: asks for it). */
  clientNoContextTakeover?: boolean;
  /** Largest LZ77 window of the server, 8-15 (server: its own; client: asks for it). */
  serverMaxWindowBits?: number;
  /** Largest LZ77 window of the client, 8-15 (client: its own; server: asks for it, declining clients that cannot). */
  clientMaxWindowBits?: number;
  /** Process-wide bound on zlib jobs running at once (the last value given wins). Default 10. */
  concurrency?: number;
}

const NAME = 'permessage-deflate';
const RSV1 = true;

export function permessageDeflate(options: PermessageDeflateOptions = {}): ExtensionPlugin {
  validate(options);
  if (options.concurrency !== undefined) setZlibConcurrency(options.concurrency);
  return {
    name: NAME,
    type: 'permessage',
    rsv1: RSV1,
    rsv2: false,
    rsv3: false,
    createServerSession: (offers, context) => serverSession(offers, options, context),
    createClientSession: (context) => clientSession(options, context),
  };
}

function serverSession(offers: ExtensionParams[], options: PermessageDeflateOptions, context?: ExtensionContext): ServerExtensionSession | null {
  for (const raw of offers) {
    const offer = readParams(raw, 'offer');
    if (offer === null) continue;
    const offeredClientBits = offer.client_max_window_bits;
    // We can only hold the client to a window it said it can honour (RFC 7692 §7.1.2.2).
    if (options.clientMaxWindowBits !== undefined && options.clientMaxWindowBits < 15 && offeredClientBits === undefined) continue;
    const response: DeflateParams = {};
    const serverNoContext = offer.server_no_context_takeover === true || options.serverNoContextTakeover === true;
    const clientNoContext = offer.client_no_context_takeover === true || options.clientNoContextTakeover === true;
    if (serverNoContext) response.server_no_context_takeover = true;
    if (clientNoContext) response.client_no_context_takeover = true;
    let serverBits = options.serverMaxWindowBits ?? 15;
    if (offer.server_max_window_bits !== undefined) {
      serverBits = Math.min(serverBits, offer.server_max_window_bits);
      response.server_max_window_bits = serverBits;
    }
    // A value in the offer is only a hint (RFC 7692 §7.1.2.2): the client is held to a window
    // only by the response, so we inflate with a smaller window only after answering it.
    let clientBits = 15;
    if (offeredClientBits !== undefined && (options.clientMaxWindowBits !== undefined || typeof offeredClientBits === 'number')) {
      clientBits = Math.min(typeof offeredClientBits === 'number' ? offeredClientBits : 15, options.clientMaxWindowBits ?? 15);
      response.client_max_window_bits = clientBits;
    }
    const settings = codecOptions(options, context, serverBits, clientBits, serverNoContext, clientNoContext);
    const session = { ...sessionCore(new DeflateCodec(settings), options), generateResponse: () => response as ExtensionParams };
    if (serverNoContext) {
      const { level, memLevel, strategy } = settings;
      shareCompression(session, { windowBits: serverBits, level, memLevel, strategy, threshold: options.threshold ?? 1024 });
    }
    return session;
  }
  return null;
}

function clientSession(options: PermessageDeflateOptions, context?: ExtensionContext): ClientExtensionSession {
  let codec: DeflateCodec | null = null;
  const core = sessionCore({ compress: (d, cb) => codec!.compress(d, cb), decompress: (d, cb) => codec!.decompress(d, cb), close: () => codec?.close() }, options);
  return {
    ...core,
    generateOffer() {
      const offer: DeflateParams = { client_max_window_bits: options.clientMaxWindowBits ?? true };
      if (options.serverNoContextTakeover === true) offer.server_no_context_takeover = true;
      if (options.clientNoContextTakeover === true) offer.client_no_context_takeover = true;
      if (options.serverMaxWindowBits !== undefined) offer.server_max_window_bits = options.serverMaxWindowBits;
      return offer as ExtensionParams;
    },
    activate(raw) {
      const response = readParams(raw, 'response');
      if (response === null) return false;
      if (options.serverNoContextTakeover === true && response.server_no_context_takeover !== true) return false;
      const askedServerBits = options.serverMaxWindowBits;
      if (askedServerBits !== undefined && (response.server_max_window_bits ?? 15) > askedServerBits) return false;
      const clientBits = response.client_max_window_bits;
      if (typeof clientBits === 'number' && options.clientMaxWindowBits !== undefined && clientBits > options.clientMaxWindowBits) return false;
      const ownBits = typeof clientBits === 'number' ? clientBits : (options.clientMaxWindowBits ?? 15);
      const ownNoContext = response.client_no_context_takeover === true || options.clientNoContextTakeover === true;
      const peerNoContext = response.server_no_context_takeover === true;
      codec = new DeflateCodec(codecOptions(options, context, ownBits, response.server_max_window_bits ?? 15, ownNoContext, peerNoContext));
      return true;
    },
  };
}

interface Codec {
  compress(data: Buffer, callback: (error: Error | null, data?: Buffer) => void): void;
  decompress(data: Buffer, callback: (error: Error | null, data?: Buffer) => void): void;
  close(): void;
}

function sessionCore(codec: Codec, options: PermessageDeflateOptions) {
  const threshold = options.threshold ?? 1024;
  return {
    processIncomingMessage(message: ExtensionMessage, callback: MessageCallback): void {
      if (!message.rsv1) return callback(null, message);
      codec.decompress(message.data, (error, data) => (error ? callback(error) : callback(null, { ...message, rsv1: false, data: data! })));
    },
    processOutgoingMessage(message: ExtensionMessage, callback: MessageCallback): void {
      if (message.data.length < threshold) return callback(null, message);
      codec.compress(message.data, (error, data) => (error ? callback(error) : callback(null, { ...message, rsv1: true, data: data! })));
    },
    close(): void {
      codec.close();
    },
  };
}

/** `ownBits`/`ownNoContext` describe our compressor; `peerBits`/`peerNoContext` the peer's, which we inflate. */
function codecOptions(
  options: PermessageDeflateOptions,
  context: ExtensionContext | undefined,
  ownBits: number,
  peerBits: number,
  ownNoContext: boolean,
  peerNoContext: boolean,
): CodecOptions {
  return {
    deflateWindowBits: ownBits,
    inflateWindowBits: peerBits,
    deflateNoContext: ownNoContext,
    inflateNoContext: peerNoContext,
    level: options.level ?? zlib.constants.Z_DEFAULT_COMPRESSION,
    memLevel: options.memLevel ?? 8,
    strategy: options.strategy ?? zlib.constants.Z_DEFAULT_STRATEGY,
    maxLength: context?.maxLength ?? 2 ** 26 - 1,
  };
}

function validate(options: PermessageDeflateOptions): void {
  const fail = (what: string): never => {
    throw new ArgumentError(`permessageDeflate: ${what}`, 'ERR_INVALID_OPTION');
  };
  for (const key of ['serverMaxWindowBits', 'clientMaxWindowBits'] as const) {
    if (options[key] !== undefined && !isWindowBits(options[key])) fail(`${key} must be a whole number from 8 to 15`);
  }
  if (options.level !== undefined && !(Number.isInteger(options.level) && options.level >= -1 && options.level <= 9)) fail('level must be -1 to 9');
  if (options.memLevel !== undefined && !(Number.isInteger(options.memLevel) && options.memLevel >= 1 && options.memLevel <= 9)) fail('memLevel must be 1 to 9');
  if (options.threshold !== undefined && !(options.threshold >= 0)) fail('threshold must be >= 0');
}

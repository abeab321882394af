/**
 * The raw side's half of permessage-deflate (RFC 7692) for the conformance endpoints of either
 * role, written on node:zlib directly and sharing no code with the library under test: a
 * message is compressed with a sync flush and loses its trailing `00 00 ff ff` (§7.2.1); a
 * received one gets it back and is inflated (§7.2.2), with the window and context mode that the
 * handshake agreed.
 */
import * as zlib from 'node:zlib';
import { fragmentMessage, type FrameSpec, type Payload, toBuffer } from './frame-encoder';
import type { RawEndpoint } from './shared/raw-endpoint';
import { isValidUtf8 } from './shared/utf8';
import { describeEvent, firstDifference, type MessageKind } from './shared/wire-event';

export const TRAILER = Buffer.from([0x00, 0x00, 0xff, 0xff]);
/** RSV1 as FrameSpec.rsv counts it. */
export const RSV1 = 4;

/** What a permessage-deflate response means for each direction (absent window = 15). */
export interface DeflateAgreement {
  serverNoContextTakeover: boolean;
  clientNoContextTakeover: boolean;
  serverMaxWindowBits: number;
  clientMaxWindowBits: number;
  /** The response's parameters as sent, in order, for exact checks. */
  params: Array<[string, string | true]>;
}

/**
 * The permessage-deflate element of a `Sec-WebSocket-Extensions` response, or null when there
 * is none. Deliberately simple (a response from a server under test is short and well formed;
 * the tests check it against exact strings too).
 */
export function parseDeflateResponse(header: string | undefined): DeflateAgreement | null {
  if (header === undefined) return null;
  for (const element of header.split(',')) {
    const [name, ...rest] = element.split(';').map((part) => part.trim());
    if (name !== 'permessage-deflate') continue;
    const params: Array<[string, string | true]> = rest.map((part) => {
      const eq = part.indexOf('=');
      return eq < 0 ? [part, true] : [part.slice(0, eq).trim(), part.slice(eq + 1).trim().replace(/^"(.*)"$/, '$1')];
    });
    const get = (key: string): string | true | undefined => params.find(([k]) => k === key)?.[1];
    const bits = (key: string): number => {
      const value = get(key);
      return typeof value === 'string' ? Number(value) : 15;
    };
    return {
      serverNoContextTakeover: get('server_no_context_takeover') === true,
      clientNoContextTakeover: get('client_no_context_takeover') === true,
      serverMaxWindowBits: bits('server_max_window_bits'),
      clientMaxWindowBits: bits('client_max_window_bits'),
      params,
    };
  }
  return null;
}

function stripTrailer(out: Buffer): Buffer {
  return out.length >= 4 && out.subarray(out.length - 4).equals(TRAILER) ? out.subarray(0, out.length - 4) : out;
}

/** zlib refuses a raw deflate window of 8 bits; 9 keeps every distance within 256 bytes anyway. */
function deflateBits(bits: number): number {
  return Math.max(9, bits);
}

/** One message compressed on its own (no context takeover), trailer stripped. */
export function deflateMessage(data: Payload, windowBits = 15, level: number = zlib.constants.Z_DEFAULT_COMPRESSION): Buffer {
  return stripTrailer(zlib.deflateRawSync(toBuffer(data), { windowBits: deflateBits(windowBits), level, finishFlush: zlib.constants.Z_SYNC_FLUSH }));
}

/**
 * zlib checks a back-reference against the window only when it reaches past the output of the
 * current call (a reference within that output is copied from it, whatever the window). With
 * output chunks no bigger than the smallest window (256 bytes), every reference longer than the
 * window goes through it, so a server that used a bigger window than agreed fails with
 * "invalid distance too far back" instead of slipping through.
 */
const STRICT_CHUNK = 256;

/** Below 15 bits the window is a promise to check; at 15 nothing can exceed it, and big chunks are faster. */
function chunkSizeFor(windowBits: number): number {
  return windowBits < 15 ? STRICT_CHUNK : zlib.constants.Z_DEFAULT_CHUNK;
}

/** One message inflated on its own (no context takeover): the trailer appended, then inflated. */
export function inflateMessage(data: Buffer, windowBits = 15): Buffer {
  return zlib.inflateRawSync(Buffer.concat([data, TRAILER]), { windowBits, chunkSize: chunkSizeFor(windowBits), finishFlush: zlib.constants.Z_SYNC_FLUSH });
}

/**
 * A persistent zlib stream for context takeover (RFC 7692 §7.2.1): made on first use, fed one
 * message at a time, in call order, so that one message's output never mixes with the next's.
 */
class ContextStream<S extends zlib.DeflateRaw | zlib.InflateRaw> {
  private stream: S | null = null;
  private tail: Promise<unknown> = Promise.resolve();

  constructor(private readonly create: () => S) {}

  /** Writes `chunks` and resolves with everything the stream puts out up to a flush of kind `flushKind`. */
  process(chunks: Buffer[], flushKind: number): Promise<Buffer> {
    const result = this.tail.then(() => this.flushThrough(chunks, flushKind));
    this.tail = result.catch(() => undefined);
    return result;
  }

  private flushThrough(chunks: Buffer[], flushKind: number): Promise<Buffer> {
    const stream = (this.stream ??= this.create());
    return new Promise<Buffer>((resolve, reject) => {
      const out: Buffer[] = [];
      const onData = (chunk: Buffer): void => void out.push(chunk);
      const onError = (error: Error): void => reject(error);
      stream.on('data', onData);
      stream.once('error', onError);
      for (const chunk of chunks) stream.write(chunk);
      stream.flush(flushKind, () => {
        stream.off('data', onData);
        stream.off('error', onError);
        resolve(Buffer.concat(out));
      });
    });
  }

  close(): void {
    this.stream?.close();
    this.stream = null;
  }
}

/** The sending side: one persistent raw deflate stream with context takeover, else one-shot per message. */
export class MessageDeflater {
  private readonly context: ContextStream<zlib.DeflateRaw>;

  constructor(
    private readonly windowBits = 15,
    private readonly noContextTakeover = false,
    private readonly level: number = zlib.constants.Z_DEFAULT_COMPRESSION,
  ) {
    this.context = new ContextStream(() => zlib.createDeflateRaw({ windowBits: deflateBits(windowBits), level }));
  }

  compress(payload: Payload): Promise<Buffer> {
    const data = toBuffer(payload);
    if (this.noContextTakeover) return new Promise((resolve) => resolve(deflateMessage(data, this.windowBits, this.level)));
    return this.context.process([data], zlib.constants.Z_SYNC_FLUSH).then(stripTrailer);
  }

  close(): void {
    this.context.close();
  }
}

/** The receiving side, the mirror of MessageDeflater; it holds the peer to the agreed window. */
export class MessageInflater {
  private readonly context: ContextStream<zlib.InflateRaw>;

  constructor(
    private readonly windowBits = 15,
    private readonly noContextTakeover = false,
  ) {
    this.context = new ContextStream(() => zlib.createInflateRaw({ windowBits, chunkSize: chunkSizeFor(windowBits) }));
  }

  decompress(data: Buffer): Promise<Buffer> {
    if (this.noContextTakeover) return new Promise((resolve) => resolve(inflateMessage(data, this.windowBits)));
    return this.context.process([data, TRAILER], zlib.constants.Z_FULL_FLUSH);
  }

  close(): void {
    this.context.close();
  }
}

/** Both directions of a client as the agreement says: we deflate with the client's terms, inflate with the server's. */
export function clientCodec(agreement: DeflateAgreement): { deflater: MessageDeflater; inflater: MessageInflater } {
  return {
    deflater: new MessageDeflater(agreement.clientMaxWindowBits, agreement.clientNoContextTakeover),
    inflater: new MessageInflater(agreement.serverMaxWindowBits, agreement.serverNoContextTakeover),
  };
}

/** The frames of one compressed message: RSV1 on the first frame only, fragments of `fragmentSize` bytes (0 = one frame). */
export function compressedFrames(opcode: number, compressed: Buffer, fragmentSize = 0): FrameSpec[] {
  const frames = fragmentMessage(opcode, compressed, fragmentSize > 0 ? fragmentSize : Math.max(1, compressed.length));
  frames[0]!.rsv = RSV1;
  return frames;
}

export interface InflatedExpectation {
  /** true: the message must carry RSV1; false: it must not; undefined: either. */
  compressed?: boolean;
  timeoutMs?: number;
}

/**
 * The next event is a `kind` message that, inflated when it carries RSV1, equals `expected`
 * byte for byte. Returns whether it was compressed.
 */
export async function expectInflatedMessage(
  endpoint: RawEndpoint,
  inflater: MessageInflater,
  kind: MessageKind,
  expected: Payload,
  opts: InflatedExpectation = {},
): Promise<boolean> {
  const want = toBuffer(expected);
  const ev = await endpoint.nextEvent(`${kind} message of ${want.length} bytes`, opts.timeoutMs);
  endpoint.assertNoViolations();
  if (ev.type !== 'message' || ev.kind !== kind) throw new Error(`expected a ${kind} message of ${want.length} bytes, got ${describeEvent(ev)}\nevents:\n${endpoint.history()}`);
  const compressed = (ev.rsv & RSV1) !== 0;
  if (opts.compressed !== undefined && compressed !== opts.compressed) {
    throw new Error(`expected the ${want.length}-byte ${kind} message ${opts.compressed ? 'with' : 'without'} RSV1, got ${describeEvent(ev)}`);
  }
  const data = compressed ? await inflateEcho(inflater, ev.data, want.length, ev.frames) : ev.data;
  if (kind === 'text' && !isValidUtf8(data)) throw new Error(`the ${kind} message is not valid UTF-8 after inflation`);
  if (!data.equals(want)) {
    const how = compressed ? `inflated from ${ev.data.length}` : 'uncompressed';
    throw new Error(`expected ${kind} message of ${want.length} bytes, got ${data.length} bytes (${how}) that differ from byte ${firstDifference(data, want)}`);
  }
  return compressed;
}

/** Inflates a received message, saying which one when it does not inflate (e.g. a window larger than agreed). */
async function inflateEcho(inflater: MessageInflater, data: Buffer, expectedLength: number, frames: number): Promise<Buffer> {
  try {
    return await inflater.decompress(data);
  } catch (error) {
    throw new Error(`the message of ${expectedLength} bytes (${data.length} compressed, ${frames} frame(s)) does not inflate: ${(error as Error).message}`);
  }
}

/**
 * The client's half of permessage-deflate (RFC 7692) for the raw conformance client, written on
 * node:zlib directly and sharing no code with the library under test: a message is compressed
 * with a sync flush and loses its trailing `00 00 ff ff` (§7.2.1); a received one gets it back
 * and is inflated (§7.2.2), with the window and context mode that the handshake agreed.
 */
import * as zlib from 'node:zlib';
import { fragmentMessage, type FrameSpec, type Payload, toBuffer } from './frame-encoder';
import { describeEvent, isValidUtf8, type MessageKind, type RawClient } from './raw-client';

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

/** Runs async jobs one at a time, in call order. */
class Serial {
  private tail: Promise<unknown> = Promise.resolve();
  run<T>(job: () => Promise<T>): Promise<T> {
    const result = this.tail.then(job);
    this.tail = result.catch(() => undefined);
    return result;
  }
}

/** The sending side: one persistent raw deflate stream with context takeover, else one-shot per message. */
export class MessageDeflater {
  private stream: zlib.DeflateRaw | null = null;
  private readonly serial = new Serial();

  constructor(
    private readonly windowBits = 15,
    private readonly noContextTakeover = false,
    private readonly level: number = zlib.constants.Z_DEFAULT_COMPRESSION,
  ) {}

  compress(payload: Payload): Promise<Buffer> {
    const data = toBuffer(payload);
    if (this.noContextTakeover) return new Promise((resolve) => resolve(deflateMessage(data, this.windowBits, this.level)));
    return this.serial.run(
      () =>
        new Promise<Buffer>((resolve, reject) => {
          const stream = (this.stream ??= zlib.createDeflateRaw({ windowBits: deflateBits(this.windowBits), level: this.level }));
          const chunks: Buffer[] = [];
          const onData = (chunk: Buffer): void => void chunks.push(chunk);
          const onError = (error: Error): void => reject(error);
          stream.on('data', onData);
          stream.once('error', onError);
          stream.write(data);
          stream.flush(zlib.constants.Z_SYNC_FLUSH, () => {
            stream.off('data', onData);
            stream.off('error', onError);
            resolve(stripTrailer(Buffer.concat(chunks)));
          });
        }),
    );
  }

  close(): void {
    this.stream?.close();
    this.stream = null;
  }
}

/** The receiving side, the mirror of MessageDeflater; it holds the server to the agreed window. */
export class MessageInflater {
  private stream: zlib.InflateRaw | null = null;
  private readonly serial = new Serial();

  constructor(
    private readonly windowBits = 15,
    private readonly noContextTakeover = false,
  ) {}

  decompress(data: Buffer): Promise<Buffer> {
    if (this.noContextTakeover) return new Promise((resolve) => resolve(inflateMessage(data, this.windowBits)));
    return this.serial.run(
      () =>
        new Promise<Buffer>((resolve, reject) => {
          const stream = (this.stream ??= zlib.createInflateRaw({ windowBits: this.windowBits, chunkSize: chunkSizeFor(this.windowBits) }));
          const chunks: Buffer[] = [];
          const onData = (chunk: Buffer): void => void chunks.push(chunk);
          const onError = (error: Error): void => reject(error);
          stream.on('data', onData);
          stream.once('error', onError);
          stream.write(data);
          stream.write(TRAILER);
          stream.flush(() => {
            stream.off('data', onData);
            stream.off('error', onError);
            resolve(Buffer.concat(chunks));
          });
        }),
    );
  }

  close(): void {
    this.stream?.close();
    this.stream = null;
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
  client: RawClient,
  inflater: MessageInflater,
  kind: MessageKind,
  expected: Payload,
  opts: InflatedExpectation = {},
): Promise<boolean> {
  const want = toBuffer(expected);
  const ev = await client.nextEvent(`${kind} message of ${want.length} bytes`, opts.timeoutMs);
  client.assertNoViolations();
  if (ev.type !== 'message' || ev.kind !== kind) throw new Error(`expected a ${kind} message of ${want.length} bytes, got ${describeEvent(ev)}\nevents:\n${client.history()}`);
  const compressed = (ev.rsv & RSV1) !== 0;
  if (opts.compressed !== undefined && compressed !== opts.compressed) {
    throw new Error(`expected the ${want.length}-byte ${kind} message ${opts.compressed ? 'with' : 'without'} RSV1, got ${describeEvent(ev)}`);
  }
  const data = compressed ? await inflater.decompress(ev.data) : ev.data;
  if (kind === 'text' && !isValidUtf8(data)) throw new Error(`the ${kind} message is not valid UTF-8 after inflation`);
  if (!data.equals(want)) {
    throw new Error(`expected ${kind} message of ${want.length} bytes, got ${data.length} bytes (${compressed ? 'inflated from ' + ev.data.length : 'uncompressed'}) that differ`);
  }
  return compressed;
}

/**
 * fast-check generators for what the peer sends: mostly well-formed traffic (text and binary
 * messages, fragmented at random places with pings and pongs between the fragments, close frames,
 * now and then a message of up to 70 KiB), and, less often, each of the ways RFC 6455 says a frame
 * can be wrong. What the session writes back stays small (pongs of at most 125 bytes, one close
 * frame): it never has 16 KiB of its own waiting, so its flow control (which holds reading while
 * its socket is backed up) does not enter these runs; backpressure-arbitraries.ts is for that.
 */
import fc from 'fast-check';
import { headerLength, Op, type PeerFrame } from './peer-frame.js';
import type { Role } from './scenario.js';

const maskKey = fc.uint8Array({ minLength: 4, maxLength: 4 });

/** RFC 3629: byte sequences that are no prefix of valid UTF-8, and some that are valid only when continued. */
const badUtf8 = fc.constantFrom(
  [0xff], // never appears in UTF-8
  [0x80], // continuation byte without a lead
  [0xc0, 0x80], // overlong encoding of U+0000
  [0xe0, 0x80, 0xaf], // overlong 3-byte
  [0xed, 0xa0, 0x80], // UTF-16 surrogate U+D800
  [0xf4, 0x90, 0x80, 0x80], // above U+10FFFF
  [0xf8, 0x88, 0x80, 0x80, 0x80], // 5-byte form, removed by RFC 3629
  [0xe2, 0x82], // a 3-byte sequence cut short: fine mid-message, invalid at its end
  [0xf0, 0x9f, 0x98], // a 4-byte sequence cut short
);

const validText = fc.string({ unit: 'binary', maxLength: 16 }).map((text) => Buffer.from(text, 'utf8'));

/** Text payload bytes: valid UTF-8 mostly, sometimes with a bad sequence inside. */
const textBytes: fc.Arbitrary<Uint8Array> = fc.oneof(
  { weight: 5, arbitrary: validText },
  { weight: 1, arbitrary: fc.tuple(validText, badUtf8, validText).map(([a, bad, b]) => Buffer.concat([a, Buffer.from(bad), b])) },
);

const binaryBytes = fc.uint8Array({ maxLength: 48 });

function frameOf(role: Role) {
  // §5.1: a client masks every frame, a server none.
  return (fields: { fin: boolean; opcode: number; payload: Uint8Array; maskKey: Uint8Array }): PeerFrame => ({
    rsv: 0,
    masked: role === 'server',
    ...fields,
  });
}

/** A data message cut into fragments (§5.4) at random places, pings and pongs between them; `complete: false` leaves it open. */
function dataMessage(role: Role, noisy: boolean): fc.Arbitrary<PeerFrame[]> {
  const frame = frameOf(role);
  return fc
    .record({
      opcode: fc.constantFrom(Op.TEXT, Op.BINARY),
      text: noisy ? textBytes : validText,
      binary: binaryBytes,
      cuts: fc.array(fc.nat(), { maxLength: 4 }),
      between: fc.array(fc.tuple(fc.nat(), validPingPong(role)), { maxLength: 2 }),
      complete: noisy ? fc.oneof({ weight: 6, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }) : fc.constant(true),
      keys: fc.array(maskKey, { minLength: 6, maxLength: 6 }),
    })
    .map(({ opcode, text, binary, cuts, between, complete, keys }) => {
      const payload = opcode === Op.TEXT ? text : binary;
      // Cut points may repeat or sit at either end: empty fragments are allowed (§5.4).
      const bounds = [0, ...cuts.map((cut) => cut % (payload.length + 1)).sort((a, b) => a - b), payload.length];
      const pieces: PeerFrame[] = [];
      for (let i = 0; i + 1 < bounds.length; i++) {
        pieces.push(
          frame({
            fin: i + 2 === bounds.length && complete,
            opcode: i === 0 ? opcode : Op.CONTINUATION,
            payload: payload.subarray(bounds[i]!, bounds[i + 1]!),
            maskKey: keys[i % keys.length]!,
          }),
        );
      }
      // §5.5: control frames may be injected in the middle of a fragmented message.
      for (const [at, control] of between) pieces.splice(1 + (at % pieces.length), 0, control);
      return pieces;
    });
}

/**
 * A message of 16-70 KiB in one to three fragments: past the parser's 16 KiB threshold for giving a
 * single-frame message its own buffer, and past 64 KiB for the 8-byte length (§5.2). Text is valid
 * UTF-8 of 1- to 4-byte characters, with (noisy peers) one bad sequence somewhere inside.
 */
function largeMessage(role: Role, noisy: boolean): fc.Arbitrary<PeerFrame[]> {
  const frame = frameOf(role);
  return fc
    .record({
      size: fc.integer({ min: 16 * 1024, max: 70 * 1024 }),
      char: fc.constantFrom('a', 'é', '€', '😀'),
      binary: fc.boolean(),
      badAt: noisy ? fc.option(fc.double({ min: 0, max: 1, noNaN: true }), { nil: undefined }) : fc.constant(undefined),
      cuts: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 2 }),
      key: maskKey,
    })
    .map(({ size, char, binary, badAt, cuts, key }) => {
      const payload = binary ? Buffer.alloc(size, 0x5a) : Buffer.from(char.repeat(Math.ceil(size / Buffer.byteLength(char))), 'utf8');
      if (!binary && badAt !== undefined) payload[Math.floor(badAt * (payload.length - 1))] = 0xff;
      const bounds = [0, ...cuts.map((cut) => Math.floor(cut * payload.length)).sort((a, b) => a - b), payload.length];
      return bounds.slice(1).map((end, i) =>
        frame({ fin: i === bounds.length - 2, opcode: i === 0 ? (binary ? Op.BINARY : Op.TEXT) : Op.CONTINUATION, payload: payload.subarray(bounds[i]!, end), maskKey: key }),
      );
    });
}

/** A continuation frame on its own: valid only if a fragmented message is open at that point. */
function continuation(role: Role): fc.Arbitrary<PeerFrame[]> {
  return fc
    .record({ fin: fc.boolean(), payload: fc.oneof(textBytes, binaryBytes), maskKey })
    .map((fields) => [frameOf(role)({ opcode: Op.CONTINUATION, ...fields })]);
}

function validPingPong(role: Role): fc.Arbitrary<PeerFrame> {
  return fc
    .record({
      opcode: fc.constantFrom(Op.PING, Op.PONG),
      payload: fc.oneof({ weight: 5, arbitrary: fc.uint8Array({ maxLength: 16 }) }, { weight: 1, arbitrary: fc.uint8Array({ minLength: 125, maxLength: 125 }) }),
      maskKey,
    })
    .map((fields) => frameOf(role)({ fin: true, ...fields }));
}

/** Close bodies a peer may send (§5.5.1, §7.4): none, or a code a close frame may carry and a UTF-8 reason. */
const validCloseBody: fc.Arbitrary<Uint8Array> = fc.oneof(
  { weight: 1, arbitrary: fc.constant(new Uint8Array(0)) },
  {
    weight: 5,
    arbitrary: fc
      .tuple(fc.oneof(fc.constantFrom(1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014), fc.integer({ min: 3000, max: 4999 })), validText)
      // validText is at most 16 code points, 64 bytes: within the 123 a reason may take.
      .map(([code, reason]) => closeBodyOf(code, reason)),
  },
);

/** Close bodies: valid ones, and each way one can be wrong. */
const closeBody: fc.Arbitrary<Uint8Array> = fc.oneof(
  { weight: 6, arbitrary: validCloseBody },
  { weight: 1, arbitrary: fc.constant(Uint8Array.of(0x03)) }, // a 1-byte body
  {
    weight: 2,
    arbitrary: fc
      .constantFrom(0, 999, 1004, 1005, 1006, 1015, 1016, 2000, 2999, 5000, 65535)
      .map((code) => closeBodyOf(code, new Uint8Array(0))), // codes no close frame may carry
  },
  { weight: 1, arbitrary: badUtf8.map((bad) => closeBodyOf(1000, Buffer.from(bad))) }, // reason not UTF-8
);

function closeBodyOf(code: number, reason: Uint8Array): Uint8Array {
  const body = Buffer.alloc(2 + reason.length);
  body.writeUInt16BE(code, 0);
  body.set(reason, 2);
  return body;
}

export function closeFrame(role: Role): fc.Arbitrary<PeerFrame> {
  return fc.record({ payload: closeBody, maskKey }).map((fields) => frameOf(role)({ fin: true, opcode: Op.CLOSE, ...fields }));
}

export function validCloseFrame(role: Role): fc.Arbitrary<PeerFrame> {
  return fc.record({ payload: validCloseBody, maskKey }).map((fields) => frameOf(role)({ fin: true, opcode: Op.CLOSE, ...fields }));
}

/** One frame broken in one of the ways §5 names, or with every field drawn at random. */
function brokenFrame(role: Role): fc.Arbitrary<PeerFrame> {
  const frame = frameOf(role);
  const anyPayload = fc.uint8Array({ maxLength: 24 });
  return fc.oneof(
    // §5.2: a reserved opcode.
    fc.record({ opcode: fc.constantFrom(3, 4, 5, 6, 7, 0xb, 0xc, 0xd, 0xe, 0xf), payload: anyPayload, maskKey }).map((f) => frame({ fin: true, ...f })),
    // §5.2: RSV bits without an extension.
    fc
      .record({ rsv: fc.integer({ min: 1, max: 7 }), opcode: fc.constantFrom(Op.TEXT, Op.BINARY, Op.PING), payload: fc.constant(new Uint8Array(0)), maskKey })
      .map(({ rsv, ...f }) => ({ ...frame({ fin: true, ...f }), rsv })),
    // §5.1: the MASK bit wrong for the direction.
    fc.record({ opcode: fc.constantFrom(Op.TEXT, Op.BINARY, Op.PING, Op.CLOSE), payload: fc.constant(new Uint8Array(0)), maskKey }).map((f) => ({
      ...frame({ fin: true, ...f }),
      masked: role !== 'server',
    })),
    // §5.5: a fragmented control frame.
    fc.record({ opcode: fc.constantFrom(Op.PING, Op.PONG, Op.CLOSE), payload: fc.uint8Array({ maxLength: 4 }), maskKey }).map((f) => frame({ fin: false, ...f })),
    // §5.5: a control payload over 125 bytes.
    fc.record({ opcode: fc.constantFrom(Op.PING, Op.PONG, Op.CLOSE), payload: fc.uint8Array({ minLength: 126, maxLength: 130 }), maskKey }).map((f) => frame({ fin: true, ...f })),
    // Anything at all.
    fc.record({
      fin: fc.boolean(),
      rsv: fc.oneof({ weight: 3, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: 0, max: 7 }) }),
      opcode: fc.integer({ min: 0, max: 15 }),
      masked: fc.oneof({ weight: 3, arbitrary: fc.constant(role === 'server') }, { weight: 1, arbitrary: fc.boolean() }),
      maskKey,
      payload: anyPayload,
    }),
  );
}

/**
 * The frames of one "thing the peer does". A well-behaved peer sends whole messages and pings or
 * pongs; a noisy one also leaves messages open, sends stray continuations, bad UTF-8, close frames
 * in the middle of things and broken frames.
 */
export function peerItem(role: Role, noisy: boolean): fc.Arbitrary<PeerFrame[]> {
  if (!noisy) {
    return fc.oneof(
      { weight: 12, arbitrary: dataMessage(role, false) },
      { weight: 4, arbitrary: validPingPong(role).map((f) => [f]) },
      { weight: 1, arbitrary: largeMessage(role, false) },
    );
  }
  return fc.oneof(
    { weight: 8, arbitrary: dataMessage(role, true) },
    { weight: 1, arbitrary: largeMessage(role, true) },
    { weight: 3, arbitrary: validPingPong(role).map((f) => [f]) },
    { weight: 2, arbitrary: continuation(role) },
    { weight: 1, arbitrary: closeFrame(role).map((f) => [f]) },
    { weight: 2, arbitrary: brokenFrame(role).map((f) => [f]) },
  );
}

/** Frames whose length field promises more than will ever come (§5.2), sent only as the peer's last bytes. */
function overlongHeader(role: Role): fc.Arbitrary<PeerFrame> {
  return fc
    .record({
      opcode: fc.constantFrom(Op.TEXT, Op.BINARY, Op.CONTINUATION, Op.PING),
      declaredLength: fc.constantFrom(2n ** 63n, 2n ** 64n - 1n, 2n ** 53n, 2n ** 60n, 2n ** 32n, 70000n, 200n),
      maskKey,
    })
    .map((f) => ({ ...frameOf(role)({ fin: true, opcode: f.opcode, payload: new Uint8Array(0), maskKey: f.maskKey }), declaredLength: f.declaredLength }));
}

/** A frame and how many of its bytes arrive before the peer's TCP goes: anything short of all of it. */
export function truncatedFrame(role: Role): fc.Arbitrary<{ frame: PeerFrame; keep: number }> {
  const whole = fc.oneof(peerItem(role, true).map((frames) => frames[0]!), overlongHeader(role));
  return fc.tuple(whole, fc.nat()).map(([frame, k]) => {
    const size = encodedSize(frame);
    // A frame whose length field lies has only its header to send; otherwise stop one byte short at least.
    const limit = frame.declaredLength !== undefined ? size : size - 1;
    return { frame, keep: limit <= 0 ? 0 : k % (limit + 1) };
  });
}

function encodedSize(frame: PeerFrame): number {
  return headerLength(frame) + frame.payload.length;
}

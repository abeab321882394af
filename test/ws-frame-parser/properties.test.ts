/**
 * Property tests: random conversations serialized with encodeFrame / encodeFragments
 * (RFC 6455 §5.2, §5.4), masked with random keys for a server and unmasked for a client,
 * then parsed whole, in random chunkings, and corrupted.
 */
import { isUtf8 } from 'buffer';
import fc from 'fast-check';
import {
  FailureCode,
  Opcode,
  encodeClosePayload,
  encodeFragments,
  encodeFrame,
  frameHeaderLength,
  isUtf8Automaton,
  isValidWireCloseCode,
  writeFrameHeader,
  type FrameParserOptions,
  type MaskSource,
} from '../../src/ws-frame-parser/index';
import { type SinkEvent, byteAtATime, concatAll, cutAt, hex, run, toHex } from './helpers';

type Role = 'server' | 'client';
interface ControlItem {
  kind: 'control';
  opcode: typeof Opcode.PING | typeof Opcode.PONG;
  payload: Uint8Array;
}
interface DataItem {
  kind: 'data';
  opcode: typeof Opcode.TEXT | typeof Opcode.BINARY;
  payload: Uint8Array;
  fragmentSize: number;
  /** Control frames sent between fragments; `after` picks the gap. */
  interleaved: { after: number; frame: ControlItem }[];
}
interface Conversation {
  role: Role;
  items: (ControlItem | DataItem)[];
  close: { code: number; reason: Uint8Array } | null;
  /** Masking keys handed out in turn (RFC 6455 §5.3), for a server-side parser. */
  keys: Uint8Array[];
}

const encoder = new TextEncoder();

const controlArb: fc.Arbitrary<ControlItem> = fc.record({
  kind: fc.constant('control' as const),
  opcode: fc.constantFrom(Opcode.PING, Opcode.PONG),
  payload: fc.uint8Array({ maxLength: 125 }),
});

const payloadArb: fc.Arbitrary<{ opcode: typeof Opcode.TEXT | typeof Opcode.BINARY; payload: Uint8Array }> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ opcode: fc.constant(Opcode.TEXT), payload: fc.string({ unit: 'binary', maxLength: 120 }).map((s) => encoder.encode(s)) }) },
  { weight: 4, arbitrary: fc.record({ opcode: fc.constant(Opcode.BINARY), payload: fc.uint8Array({ maxLength: 300 }) }) },
  // Now and then big enough for 16-bit lengths and for pieces kept by reference.
  { weight: 1, arbitrary: fc.record({ opcode: fc.constant(Opcode.BINARY), payload: fc.integer({ min: 4000, max: 9000 }).map((n) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + (n & 7)) & 0xff)) }) },
  // Now and then long enough (16 KiB+) for a single-frame message to get its own buffer part way.
  { weight: 1, arbitrary: fc.record({ opcode: fc.constant(Opcode.BINARY), payload: fc.integer({ min: 16384, max: 70000 }).map((n) => Uint8Array.from({ length: n }, (_, i) => (i * 13 + (n & 5)) & 0xff)) }) },
  { weight: 1, arbitrary: fc.record({ opcode: fc.constant(Opcode.TEXT), payload: fc.integer({ min: 4000, max: 9000 }).map((n) => encoder.encode('aé€😀'.repeat(n))) }) },
);

const dataArb: fc.Arbitrary<DataItem> = fc
  .tuple(payloadArb, fc.oneof(fc.integer({ min: 1, max: 8 }), fc.integer({ min: 1, max: 5000 }), fc.constant(1 << 20)), fc.array(fc.record({ after: fc.nat(), frame: controlArb }), { maxLength: 3 }))
  .map(([{ opcode, payload }, fragmentSize, interleaved]) => ({ kind: 'data' as const, opcode, payload, fragmentSize, interleaved }));

const conversationArb: fc.Arbitrary<Conversation> = fc.record({
  role: fc.constantFrom<Role>('server', 'client'),
  items: fc.array(fc.oneof({ weight: 3, arbitrary: dataArb }, { weight: 1, arbitrary: controlArb }), { maxLength: 6 }),
  close: fc.option(
    fc.record({
      code: fc.oneof(fc.constantFrom(1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014), fc.integer({ min: 3000, max: 4999 })),
      reason: fc.string({ unit: 'binary', maxLength: 30 }).map((s) => encoder.encode(s)),
    }),
  ),
  keys: fc.array(fc.uint8Array({ minLength: 4, maxLength: 4 }), { minLength: 1, maxLength: 8 }),
});

function keySource(keys: Uint8Array[]): MaskSource {
  let next = 0;
  return (key) => key.set(keys[next++ % keys.length]!);
}

/** The wire bytes and the sink calls they must produce. */
function serialize(c: Conversation): { bytes: Uint8Array; expected: SinkEvent[]; options: FrameParserOptions } {
  const encodeOptions = { mask: c.role === 'server' ? keySource(c.keys) : null };
  const frames: Uint8Array[] = [];
  const expected: SinkEvent[] = [];
  const control = (item: ControlItem): void => {
    frames.push(encodeFrame({ opcode: item.opcode }, item.payload, encodeOptions));
    expected.push({ kind: item.opcode === Opcode.PING ? 'ping' : 'pong', data: toHex(item.payload) });
  };
  for (const item of c.items) {
    if (item.kind === 'control') {
      control(item);
      continue;
    }
    const fragments = encodeFragments({ opcode: item.opcode }, item.payload, item.fragmentSize, encodeOptions);
    fragments.forEach((fragment, i) => {
      frames.push(fragment);
      // RFC 6455 §5.4: control frames MAY be injected in the middle of a fragmented message.
      if (i < fragments.length - 1) {
        for (const { after, frame } of item.interleaved) if (after % (fragments.length - 1) === i) control(frame);
      }
    });
    expected.push({ kind: 'message', data: toHex(item.payload), isText: item.opcode === Opcode.TEXT, rsv: 0 });
  }
  if (c.close !== null) {
    frames.push(encodeFrame({ opcode: Opcode.CLOSE }, encodeClosePayload(c.close.code, c.close.reason), encodeOptions));
    expected.push({ kind: 'close', code: c.close.code, reason: toHex(c.close.reason) });
  }
  return { bytes: concatAll(frames), expected, options: { role: c.role } };
}

/** Random chunkings: cut points (possibly empty pieces), or one byte at a time. */
const chunkingArb = fc.oneof(
  { weight: 5, arbitrary: fc.array(fc.nat(), { maxLength: 12 }).map((cuts) => (bytes: Uint8Array) => cutAt(bytes, cuts.map((c) => c % (bytes.length + 1)))) },
  { weight: 1, arbitrary: fc.constant((bytes: Uint8Array) => byteAtATime(bytes)) },
);

const CLOSE_CODE_OF_FAILURE: Record<string, number> = {
  WS_ERR_INVALID_UTF8: 1007,
  WS_ERR_MESSAGE_TOO_BIG: 1009,
  WS_ERR_TOO_MANY_FRAGMENTS: 1008,
};

/** Whatever the input, the sink sees well-formed calls: at most one end, nothing after it. */
function expectWellFormed(events: SinkEvent[], callsAfterEnd: number): void {
  expect(callsAfterEnd).toBe(0);
  events.forEach((event, i) => {
    const last = i === events.length - 1;
    switch (event.kind) {
      case 'failure':
        expect(last).toBe(true);
        expect(Object.values(FailureCode)).toContain(event.code);
        expect(event.closeCode).toBe(CLOSE_CODE_OF_FAILURE[event.code] ?? 1002);
        break;
      case 'close':
        expect(last).toBe(true);
        expect(event.code === 1005 || isValidWireCloseCode(event.code)).toBe(true);
        expect(isUtf8Automaton(hex(event.reason))).toBe(true);
        break;
      case 'ping':
      case 'pong':
        expect(hex(event.data).length).toBeLessThanOrEqual(125);
        break;
      case 'message':
        expect(event.rsv).toBe(0);
        if (event.isText && !event.data.startsWith('[')) expect(isUtf8Automaton(hex(event.data))).toBe(true);
        break;
    }
  });
}

describe('parse(serialize(conversation))', () => {
  it('gives back exactly the messages, control frames and close, in order', () => {
    fc.assert(
      fc.property(conversationArb, (c) => {
        const { bytes, expected, options } = serialize(c);
        const result = run([bytes], options);
        expect(result.events).toEqual(expected);
        expect(result.sink.changedPayloads()).toEqual([]);
        expect(result.parser.stopped).toBe(c.close !== null);
      }),
      { numRuns: 200 },
    );
  });

  it('gives identical sink calls in any chunking, down to one byte per push', () => {
    fc.assert(
      fc.property(conversationArb, chunkingArb, chunkingArb, (c, chunkA, chunkB) => {
        const { bytes, expected, options } = serialize(c);
        const a = run(chunkA(bytes), options);
        const b = run(chunkB(bytes), options);
        expect(a.events).toEqual(expected);
        expect(b.events).toEqual(expected);
        expect(a.sink.changedPayloads()).toEqual([]);
        expect(b.sink.changedPayloads()).toEqual([]);
      }),
      { numRuns: 200 },
    );
  });

  it('reports the same messages with the native UTF-8 bulk check', () => {
    fc.assert(
      fc.property(conversationArb, chunkingArb, (c, chunk) => {
        const { bytes, expected, options } = serialize(c);
        expect(run(chunk(bytes), { ...options, isUtf8 }).events).toEqual(expected);
      }),
      { numRuns: 100 },
    );
  });
});

type Edit = { kind: 'flip' | 'insert' | 'delete' | 'set'; pos: number; value: number };
const editsArb = fc.array(
  fc.record({ kind: fc.constantFrom<Edit['kind']>('flip', 'insert', 'delete', 'set'), pos: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
  { minLength: 1, maxLength: 4 },
);

function corrupt(bytes: Uint8Array, edits: Edit[]): Uint8Array {
  const out = Array.from(bytes);
  for (const { kind, pos, value } of edits) {
    const at = pos % (out.length + 1);
    if (kind === 'insert') out.splice(at, 0, value);
    else if (at < out.length) {
      if (kind === 'delete') out.splice(at, 1);
      else if (kind === 'flip') out[at] = out[at]! ^ (1 << (value & 7));
      else out[at] = value;
    }
  }
  return Uint8Array.from(out);
}

describe('corrupted input', () => {
  it('never throws; yields well-formed calls, at most one failure or close and nothing after, the same in any chunking', () => {
    let failures = 0;
    fc.assert(
      fc.property(conversationArb, editsArb, chunkingArb, fc.boolean(), (c, edits, chunk, bounded) => {
        const { bytes, options } = serialize(c);
        const damaged = corrupt(bytes, edits);
        const opts: FrameParserOptions = bounded ? { ...options, maxLength: 4096, maxFragments: 64 } : options;
        const whole = run([damaged], opts);
        const pieces = run(chunk(damaged), opts);
        expectWellFormed(whole.events, whole.sink.callsAfterEnd);
        expect(pieces.events).toEqual(whole.events);
        expect(whole.sink.failures.length).toBeLessThanOrEqual(1);
        if (whole.sink.failures.length === 1) failures++;
      }),
      { numRuns: 400 },
    );
    // The corruption generator is strong enough to exercise the failure paths.
    expect(failures).toBeGreaterThan(50);
  });

  it('random bytes never throw and give the same calls in any chunking', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.constantFrom<Role>('server', 'client'), chunkingArb, (bytes, role, chunk) => {
        const whole = run([bytes], { role, maxLength: 1 << 16 });
        expectWellFormed(whole.events, whole.sink.callsAfterEnd);
        expect(run(chunk(bytes), { role, maxLength: 1 << 16 }).events).toEqual(whole.events);
      }),
      { numRuns: 300 },
    );
  });
});

describe('serializer header lengths (RFC 6455 §5.2)', () => {
  const lengthArb = fc.oneof(fc.constantFrom(0, 1, 125, 126, 127, 65535, 65536, 65537), fc.integer({ min: 0, max: 70000 }));

  it('encodeFrame uses frameHeaderLength bytes of header, and the parser reads the length back', () => {
    fc.assert(
      fc.property(lengthArb, fc.boolean(), fc.uint8Array({ minLength: 4, maxLength: 4 }), (n, masked, key) => {
        const payload = new Uint8Array(n).fill(0x42);
        const frame = encodeFrame({ opcode: Opcode.BINARY }, payload, { mask: masked ? (k) => k.set(key) : null });
        const headerLength = frameHeaderLength(n, masked);
        expect(frame.length).toBe(headerLength + n);
        expect(headerLength).toBe(2 + (n < 126 ? 0 : n < 65536 ? 2 : 8) + (masked ? 4 : 0));
        const result = run([frame], { role: masked ? 'server' : 'client' });
        expect(result.events).toHaveLength(1);
        const event = result.events[0]!;
        expect(event.kind === 'message' && event.data).toBe(toHex(payload));
      }),
      { numRuns: 100 },
    );
  });

  it('writeFrameHeader returns frameHeaderLength, for 64-bit lengths beyond 2^32 too', () => {
    for (const n of [0, 125, 126, 65535, 65536, 2 ** 32 - 1, 2 ** 32, 2 ** 32 + 5, 2 ** 53 - 1]) {
      for (const masked of [false, true]) {
        const target = new Uint8Array(20).fill(0xcc);
        const end = writeFrameHeader(target, 3, { opcode: Opcode.BINARY }, n, masked ? Uint8Array.of(1, 2, 3, 4) : null);
        expect(end - 3).toBe(frameHeaderLength(n, masked));
        expect(target[end]).toBe(0xcc); // wrote nothing past the header
        expect(target[2]).toBe(0xcc);
        // Read the announced length back (big-endian, §5.2).
        const b1 = target[4]! & 0x7f;
        const announced =
          b1 < 126 ? b1 : b1 === 126 ? (target[5]! << 8) | target[6]! : Array.from(target.subarray(5, 13)).reduce((v, b) => v * 256 + b, 0);
        expect(announced).toBe(n);
      }
    }
  });

  it('the parser reads 64-bit lengths across the 32-bit boundary exactly (checked against maxLength)', () => {
    for (const n of [2 ** 32 - 1, 2 ** 32, 2 ** 32 + 5, 2 ** 40 + 3]) {
      const header = new Uint8Array(14);
      const end = writeFrameHeader(header, 0, { opcode: Opcode.BINARY }, n, null);
      // Exactly maxLength: waits for the payload. One byte more than maxLength: refused at once.
      expect(run([header.subarray(0, end)], { role: 'client', maxLength: n }).events).toEqual([]);
      expect(run([header.subarray(0, end)], { role: 'client', maxLength: n - 1 }).events).toEqual([
        { kind: 'failure', code: FailureCode.MESSAGE_TOO_BIG, closeCode: 1009 },
      ]);
    }
  });
});

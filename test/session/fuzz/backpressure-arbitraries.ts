/**
 * fast-check generators for sessions under backpressure: a peer that stops and starts reading,
 * sends of up to 64 KiB (several socket high-water marks' worth in a few steps), bursts of pings
 * the session owes pongs for, and well-formed traffic otherwise, so that every outcome these runs
 * judge comes from flow control and not from a protocol error.
 */
import fc from 'fast-check';
import { Op, type PeerFrame } from './peer-frame.js';
import { peerItem, validCloseFrame } from './peer-frame-arbitraries.js';
import type { AppCall, Role, Scenario, SessionFuzzOptions, Step } from './scenario.js';

const maskKey = fc.uint8Array({ minLength: 4, maxLength: 4 });

/** A send of up to 64 KiB, text (one- or two-byte characters) or binary. */
const bigSend: fc.Arbitrary<AppCall> = fc
  .record({ size: fc.integer({ min: 1, max: 65536 }), fill: fc.nat({ max: 255 }), kind: fc.constantFrom('binary', 'ascii', 'two-byte') })
  .map(({ size, fill, kind }): AppCall => {
    if (kind === 'binary') return { call: 'send', data: Buffer.alloc(size, fill) };
    const char = kind === 'ascii' ? String.fromCharCode(0x61 + (fill % 26)) : String.fromCharCode(0xe0 + (fill % 32));
    return { call: 'send', data: char.repeat(kind === 'ascii' ? size : Math.ceil(size / 2)) };
  });

const smallSend: fc.Arbitrary<AppCall> = fc.uint8Array({ maxLength: 32 }).map((data) => ({ call: 'send', data }));

/** Up to 30 pings in one write, each with its own payload, so that every pong can be traced to its ping. */
function pingBurst(role: Role): fc.Arbitrary<Step> {
  return fc.record({ count: fc.integer({ min: 1, max: 30 }), tag: fc.nat({ max: 0xffff }), key: maskKey }).map(({ count, tag, key }) => ({
    kind: 'peer-frames',
    frames: Array.from({ length: count }, (_, i): PeerFrame => ({
      fin: true,
      rsv: 0,
      opcode: Op.PING,
      masked: role === 'server',
      maskKey: key,
      payload: Buffer.from(`ping ${tag}.${i}`),
    })),
    chunkSizes: [],
  }));
}

function step(role: Role): fc.Arbitrary<Step> {
  const app = (call: fc.Arbitrary<AppCall>): fc.Arbitrary<Step> => call.map((c) => ({ kind: 'app', call: c }));
  return fc.oneof(
    { weight: 4, arbitrary: app(bigSend) },
    { weight: 3, arbitrary: app(smallSend) },
    { weight: 4, arbitrary: fc.constant<Step>({ kind: 'peer-stop-reading' }) },
    { weight: 3, arbitrary: fc.constant<Step>({ kind: 'peer-start-reading' }) },
    { weight: 3, arbitrary: pingBurst(role) },
    { weight: 2, arbitrary: peerItem(role, false).map((frames): Step => ({ kind: 'peer-frames', frames, chunkSizes: [] })) },
    { weight: 2, arbitrary: app(fc.uint8Array({ maxLength: 16 }).map((payload) => ({ call: 'ping' as const, payload }))) },
    { weight: 1, arbitrary: app(fc.constant({ call: 'pause' as const })) },
    { weight: 1, arbitrary: app(fc.constant({ call: 'resume' as const })) },
    { weight: 1, arbitrary: app(fc.constant({ call: 'close' as const, code: 1000 })) },
    { weight: 1, arbitrary: fc.constantFrom<Step>({ kind: 'peer-end' }, { kind: 'peer-reset' }, { kind: 'socket-error' }) },
  );
}

function ending(role: Role): fc.Arbitrary<Step> {
  return fc.oneof(
    fc.constant<Step>({ kind: 'app', call: { call: 'close', code: 4000, reason: 'done' } }),
    fc.constant<Step>({ kind: 'app', call: { call: 'terminate' } }),
    validCloseFrame(role).map((frame): Step => ({ kind: 'peer-frames', frames: [frame], chunkSizes: [] })),
    fc.constantFrom<Step>({ kind: 'peer-end' }, { kind: 'peer-reset' }, { kind: 'socket-error' }),
  );
}

export function backpressureScenario(role: Role): fc.Arbitrary<Scenario> {
  return fc
    .record({
      role: fc.constant(role),
      options: fc.constant<SessionFuzzOptions>({ closeTimeout: 0.05 }),
      beforeOpen: fc.array(fc.oneof(bigSend, smallSend), { maxLength: 2 }),
      head: fc.constant<PeerFrame[]>([]),
      steps: fc.tuple(fc.array(step(role), { maxLength: 20 }), ending(role)).map(([middle, end]) => [...middle, end]),
      onMessage: fc.constant<Scenario['onMessage']>([]),
      peer: fc.constantFrom('cooperative' as const, 'echo-only' as const, 'unresponsive' as const),
    });
}

/**
 * fast-check generators for whole scenarios: the application's calls (valid ones mostly, and the
 * argument errors `close()`/`ping()`/`pong()` document), the steps between them, and an ending
 * that makes the session close one way or another: the application closes or terminates, the peer
 * closes, half-closes or resets, the socket fails, or the peer's TCP goes in the middle of a frame.
 */
import fc from 'fast-check';
import { closeFrame, peerItem, truncatedFrame } from './peer-frame-arbitraries.js';
import type { PeerFrame } from './peer-frame.js';
import type { AppCall, Role, Scenario, SessionFuzzOptions, Step } from './scenario.js';

const smallBytes = fc.uint8Array({ maxLength: 64 });

const validCloseCall: fc.Arbitrary<AppCall> = fc.record(
  {
    call: fc.constant('close' as const),
    code: fc.oneof(fc.constant(1000), fc.integer({ min: 3000, max: 4999 })),
    reason: fc.string({ unit: 'binary', maxLength: 30 }),
  },
  { requiredKeys: ['call'] },
);

/** Arguments `close()` must refuse with a CloseArgumentError (WHATWG close(); RFC 6455 §7.4.2, §5.5). */
const refusedCloseCall: fc.Arbitrary<AppCall> = fc.oneof(
  fc.constantFrom(0, 999, 1001, 1004, 1005, 1006, 1015, 2000, 2999, 5000, 3000.5, Number.NaN).map((code) => ({ call: 'close' as const, code })),
  fc.constantFrom('x'.repeat(124), 'é'.repeat(62)).map((reason) => ({ call: 'close' as const, code: 1000, reason })),
);

const controlCall = (payload: fc.Arbitrary<Uint8Array>): fc.Arbitrary<AppCall> =>
  fc.record({ call: fc.constantFrom('ping' as const, 'pong' as const), payload });

export const appCall: fc.Arbitrary<AppCall> = fc.oneof(
  { weight: 6, arbitrary: fc.oneof(fc.string({ unit: 'binary', maxLength: 24 }), smallBytes).map((data) => ({ call: 'send' as const, data })) },
  { weight: 2, arbitrary: validCloseCall },
  { weight: 1, arbitrary: refusedCloseCall },
  { weight: 1, arbitrary: fc.constant({ call: 'terminate' as const }) },
  { weight: 2, arbitrary: controlCall(fc.uint8Array({ maxLength: 125 })) },
  // §5.5: more than 125 bytes is refused with an ArgumentError.
  { weight: 1, arbitrary: controlCall(fc.uint8Array({ minLength: 126, maxLength: 130 })) },
  { weight: 2, arbitrary: fc.constant({ call: 'pause' as const }) },
  { weight: 2, arbitrary: fc.constant({ call: 'resume' as const }) },
);

/**
 * What an application may do from inside its message listener here (see `Scenario.onMessage`):
 * everything but pause/resume, whose effect depends on where the chunk being read ends
 * ("messages already received are still delivered").
 */
const handlerCall: fc.Arbitrary<AppCall> = fc.oneof(
  { weight: 4, arbitrary: fc.oneof(fc.string({ unit: 'binary', maxLength: 24 }), smallBytes).map((data): AppCall => ({ call: 'send', data })) },
  { weight: 2, arbitrary: validCloseCall },
  { weight: 1, arbitrary: refusedCloseCall },
  { weight: 2, arbitrary: controlCall(fc.uint8Array({ maxLength: 125 })) },
  { weight: 1, arbitrary: fc.constant<AppCall>({ call: 'terminate' }) },
);

const chunkSizes: fc.Arbitrary<number[]> = fc.oneof(
  { weight: 3, arbitrary: fc.constant<number[]>([]) }, // all at once
  { weight: 1, arbitrary: fc.constant<number[]>([1]) }, // byte by byte
  { weight: 3, arbitrary: fc.array(fc.integer({ min: 1, max: 20 }), { minLength: 1, maxLength: 4 }) },
  { weight: 1, arbitrary: fc.array(fc.integer({ min: 1, max: 20000 }), { minLength: 1, maxLength: 3 }) },
);

/** Past this many payload bytes a write is cut in chunks of KiB, not bytes: 70 KiB byte by byte takes seconds. */
const LARGE_WRITE = 8 * 1024;

function peerFrames(role: Role, noisy: boolean): fc.Arbitrary<Step> {
  return fc.record({ items: fc.array(peerItem(role, noisy), { minLength: 1, maxLength: 4 }), chunkSizes }).map(({ items, chunkSizes: sizes }): Step => {
    const frames = items.flat();
    const large = frames.reduce((sum, frame) => sum + frame.payload.length, 0) > LARGE_WRITE;
    return { kind: 'peer-frames', frames, chunkSizes: large ? sizes.map((size) => size * 1024) : sizes };
  });
}

function middleStep(role: Role, noisy: boolean): fc.Arbitrary<Step> {
  return fc.oneof(
    { weight: 12, arbitrary: peerFrames(role, noisy) },
    { weight: 10, arbitrary: appCall.map((call) => ({ kind: 'app' as const, call })) },
    { weight: 2, arbitrary: fc.constant({ kind: 'peer-stop-reading' as const }) },
    { weight: 2, arbitrary: fc.constant({ kind: 'peer-start-reading' as const }) },
    { weight: 1, arbitrary: fc.constant({ kind: 'peer-end' as const }) },
    { weight: 1, arbitrary: fc.constant({ kind: 'peer-reset' as const }) },
    { weight: 1, arbitrary: fc.constant({ kind: 'socket-error' as const }) },
  );
}

/** The last steps: whatever came before, something here starts the end of the connection. */
function ending(role: Role): fc.Arbitrary<Step[]> {
  const one = (step: Step): fc.Arbitrary<Step[]> => fc.constant<Step[]>([step]);
  return fc.oneof(
    validCloseCall.map((call): Step[] => [{ kind: 'app', call }]),
    one({ kind: 'app', call: { call: 'close' } }),
    one({ kind: 'app', call: { call: 'terminate' } }),
    closeFrame(role).map((frame): Step[] => [{ kind: 'peer-frames', frames: [frame], chunkSizes: [] }]),
    one({ kind: 'peer-end' }),
    one({ kind: 'peer-reset' }),
    one({ kind: 'socket-error' }),
    fc
      .tuple(truncatedFrame(role), fc.constantFrom('peer-end' as const, 'peer-reset' as const))
      .map(([{ frame, keep }, then]): Step[] => [{ kind: 'peer-truncated', frame, keep }, { kind: then }]),
  );
}

/** An option left out most of the time (so the default applies), otherwise drawn from `value`. */
function rarely<T>(value: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> {
  return fc.oneof({ weight: 4, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: value });
}

const options: fc.Arbitrary<SessionFuzzOptions> = fc.record({
  maxLength: rarely(fc.integer({ min: 0, max: 48 })),
  maxFragments: rarely(fc.integer({ min: 1, max: 4 })),
  // Long enough that the closing timer (at most 1 s) always comes first on the virtual clock.
  ping: rarely(fc.constantFrom(10, 30)),
  closeTimeout: fc.constantFrom(0, 0.05, 1),
});

/** A whole session: half of them with a well-behaved peer, so that they live long enough to do things. */
export function protocolScenario(role: Role): fc.Arbitrary<Scenario> {
  return fc
    .boolean()
    .chain((noisy) =>
      fc.record({
        role: fc.constant(role),
        options,
        beforeOpen: fc.oneof({ weight: 4, arbitrary: fc.constant<AppCall[]>([]) }, { weight: 1, arbitrary: fc.array(appCall, { minLength: 1, maxLength: 3 }) }),
        head: fc.oneof({ weight: 5, arbitrary: fc.constant<PeerFrame[]>([]) }, { weight: 1, arbitrary: peerItem(role, noisy) }),
        steps: fc.tuple(fc.array(middleStep(role, noisy), { maxLength: 14 }), ending(role)).map(([middle, end]) => [...middle, ...end]),
        onMessage: fc.array(fc.record({ message: fc.nat({ max: 5 }), call: handlerCall }), { maxLength: 3 }),
        peer: fc.constantFrom('cooperative' as const, 'echo-only' as const, 'unresponsive' as const),
      }),
    );
}

/**
 * The invariants every fuzzed session must keep, whatever the scenario, listed as violations
 * (an empty list is a pass) so that one failing run shows all it broke at once:
 *
 * - nothing escaped: no uncaught exception or unhandled rejection, and no application call threw
 *   anything but the documented argument errors;
 * - the session closed, with exactly one `close` event, the last event, `readyState` 3 inside it and
 *   after; `open` at most once and before any message;
 * - no timer left live once it closed;
 * - `bufferedAmount` never above its bound (see `buffer-allowance.ts`); once the peer has read
 *   everything, an open session holds nothing (`bufferedAmount` 0) and has emitted `drain` for any
 *   `send()` that returned false;
 * - what it wrote is well-formed for its role: a 101 first (server), then whole frames with FIN set
 *   and no RSV bit (no extension was negotiated, none fragments), masked exactly when it is a client
 *   (§5.1, §5.3), defined opcodes only (§5.2), control payloads of at most 125 bytes (§5.5), at most
 *   one close frame and nothing after it (§5.5.1), whose body is a code a close frame may carry and a
 *   UTF-8 reason (§7.4, §5.5.1).
 */
import type { Observation } from './scenario-player.js';
import { isControlOpcode, isDefinedOpcode, isWireCloseCode, MAX_CONTROL_PAYLOAD, utf8Status } from './rfc6455-rules.js';
import type { Role } from './scenario.js';

/** What the invariants read of a run (a whole `Observation`, or what a timed run records). */
export type InvariantInput = Pick<
  Observation,
  | 'escaped'
  | 'calls'
  | 'hung'
  | 'events'
  | 'opened'
  | 'readyStateInClose'
  | 'readyStateAfterClose'
  | 'liveTimersAfterClose'
  | 'bufferOverruns'
  | 'drainedWhileOpen'
  | 'responseHead'
  | 'wire'
  | 'wireLeftover'
>;

export function invariantViolations(role: Role, observation: InvariantInput): string[] {
  const violations: string[] = [];
  const { events } = observation;
  for (const escaped of observation.escaped) violations.push(`escaped the library: ${escaped}`);
  for (const call of observation.calls) if (call.startsWith('threw')) violations.push(`an application call ${call}`);

  if (observation.hung) violations.push('the session never closed');
  const closes = events.filter((event) => event === 'close').length;
  if (closes !== 1) violations.push(`${closes} close events`);
  if (closes > 0 && events[events.length - 1] !== 'close') violations.push(`events after close: ${events.join(', ')}`);
  if (observation.readyStateInClose !== null && observation.readyStateInClose !== 3) violations.push(`readyState ${observation.readyStateInClose} in the close listener`);
  if (observation.readyStateAfterClose !== 3) violations.push(`readyState ${observation.readyStateAfterClose} after close`);
  const opens = events.filter((event) => event === 'open').length;
  if (opens > 1 || (opens === 1 && events[0] !== 'open')) violations.push(`open out of place: ${events.join(', ')}`);
  if (opens === 0 && events.includes('message')) violations.push('a message without open');

  for (const timer of observation.liveTimersAfterClose) violations.push(`${timer.kind === 'timeout' ? 'a timeout' : 'an interval'} of ${timer.delayMs} ms still live after close`);
  violations.push(...observation.bufferOverruns);
  for (const { when, bufferedAmount, drainMissing } of observation.drainedWhileOpen) {
    if (bufferedAmount !== 0) violations.push(`${when}: bufferedAmount ${bufferedAmount} though the peer had read everything`);
    if (drainMissing) violations.push(`${when}: send() returned false and no drain came, though the peer had read everything`);
  }

  // A server terminated while connecting may write nothing at all; anything it writes starts with the 101.
  const wroteAnything = observation.responseHead !== null || observation.wire.length > 0 || observation.wireLeftover > 0;
  if (role === 'server' && wroteAnything && !(observation.responseHead ?? '').startsWith('HTTP/1.1 101 ')) {
    violations.push(`the response head is not a 101: ${JSON.stringify(observation.responseHead)}`);
  }
  if (role === 'server' && observation.opened && observation.responseHead === null) violations.push('open without a 101 read by the peer');
  if (observation.wireLeftover !== 0) violations.push(`${observation.wireLeftover} bytes written that make no whole frame`);
  violations.push(...wireViolations(role, observation));
  return violations;
}

function wireViolations(role: Role, observation: InvariantInput): string[] {
  const violations: string[] = [];
  let closeAt = -1;
  observation.wire.forEach((frame, index) => {
    const at = `frame ${index} (opcode ${frame.opcode})`;
    if (closeAt !== -1) violations.push(`${at} written after the close frame`);
    if (!frame.fin) violations.push(`${at} has FIN clear`);
    if (frame.rsv !== 0) violations.push(`${at} has RSV bits ${frame.rsv}`);
    if (frame.masked !== (role === 'client')) violations.push(`${at} is ${frame.masked ? '' : 'not '}masked, from a ${role}`);
    if (!isDefinedOpcode(frame.opcode)) violations.push(`${at} has a reserved opcode`);
    if (isControlOpcode(frame.opcode) && frame.payload.length > MAX_CONTROL_PAYLOAD) violations.push(`${at} carries ${frame.payload.length} bytes`);
    if (frame.opcode !== 0x8) return;
    closeAt = index;
    const body = frame.payload;
    if (body.length === 1) violations.push(`${at}: a 1-byte close body`);
    if (body.length >= 2 && !isWireCloseCode(body.readUInt16BE(0))) violations.push(`${at}: close code ${body.readUInt16BE(0)} may not be sent`);
    if (body.length >= 2 && utf8Status(body.subarray(2)) !== 'complete') violations.push(`${at}: the close reason is not UTF-8`);
  });
  return violations;
}

/**
 * What a session under backpressure must still get right, on top of the common invariants. These
 * runs make no prediction of when the session reads (its flow control may hold reading while its
 * socket is backed up), so the checks are the ones that hold whatever it decides:
 *
 * - the data frames the peer reads are the messages the application sent while the session was
 *   connecting or open, in order, none lost in the middle and none added (a prefix of them, and all
 *   of them when the peer read the session's close frame, which follows them);
 * - the same for the application's pings;
 * - every pong answers a ping the peer sent, in the order they were sent, each at most once; some
 *   may go unanswered, since an endpoint may answer only the latest of several (RFC 6455 §5.5.3);
 * - the close code is 1006 or the code of a close frame the peer sent (§7.1.5), never a protocol
 *   error: the peer's traffic is all valid.
 *
 * (That an open session holds nothing once the peer has read everything, and owes no `drain`, is
 * among the common invariants.)
 */
import { Op } from './peer-frame.js';
import type { Observation } from './scenario-player.js';
import type { AppCall, Scenario } from './scenario.js';

const CONNECTING = 0;
const OPEN = 1;

export function backpressureViolations(scenario: Scenario, observation: Observation): string[] {
  const violations: string[] = [];
  const calls = [...scenario.beforeOpen, ...scenario.steps.flatMap((step) => (step.kind === 'app' ? [step.call] : []))];
  const accepted = (kind: AppCall['call'], states: number[]): AppCall[] =>
    calls.filter((call, i) => call.call === kind && states.includes(observation.readyStateBeforeCalls[i]!) && observation.calls[i] === 'returned');
  const readClose = observation.wire.some((frame) => frame.opcode === Op.CLOSE);

  const sent = accepted('send', [CONNECTING, OPEN]).map((call) => (call.call === 'send' ? frameText(call.data) : ''));
  const dataRead = observation.wire.filter((frame) => frame.opcode === Op.TEXT || frame.opcode === Op.BINARY).map((frame) => `${frame.opcode} ${frame.payload.toString('hex')}`);
  violations.push(...prefixViolations('messages', dataRead, sent, readClose));

  const pinged = accepted('ping', [OPEN]).map((call) => (call.call === 'ping' ? `9 ${Buffer.from(call.payload).toString('hex')}` : ''));
  const pingsRead = observation.wire.filter((frame) => frame.opcode === Op.PING).map((frame) => `9 ${frame.payload.toString('hex')}`);
  violations.push(...prefixViolations('pings', pingsRead, pinged, readClose));

  const peerPings = observation.peerWritten.filter((frame) => frame.opcode === Op.PING).map((frame) => Buffer.from(frame.payload).toString('hex'));
  const pongs = observation.wire.filter((frame) => frame.opcode === Op.PONG).map((frame) => frame.payload.toString('hex'));
  if (!isSubsequence(pongs, peerPings)) violations.push(`pongs ${pongs.join(',')} do not answer pings ${peerPings.join(',')} in order`);

  const peerCodes = observation.peerWritten
    .filter((frame) => frame.opcode === Op.CLOSE)
    .map((frame) => (frame.payload.length >= 2 ? (frame.payload[0]! << 8) | frame.payload[1]! : 1005));
  const code = observation.close?.code;
  if (code !== undefined && code !== 1006 && !peerCodes.includes(code)) violations.push(`close code ${code}: neither 1006 nor one the peer sent (${peerCodes.join(', ')})`);
  for (const error of observation.errors) if (error.kind !== 'socket') violations.push(`unexpected error ${JSON.stringify(error)}`);
  return violations;
}

function frameText(data: string | Uint8Array): string {
  return typeof data === 'string' ? `${Op.TEXT} ${Buffer.from(data, 'utf8').toString('hex')}` : `${Op.BINARY} ${Buffer.from(data).toString('hex')}`;
}

/** `read` must be a prefix of `sent`, and all of it when `complete`. */
function prefixViolations(what: string, read: string[], sent: string[], complete: boolean): string[] {
  const isPrefix = read.length <= sent.length && read.every((item, i) => item === sent[i]);
  if (!isPrefix) return [`${what} read are not a prefix of those sent: read ${summary(read)}, sent ${summary(sent)}`];
  if (complete && read.length !== sent.length) return [`${what}: ${read.length} of ${sent.length} read, though the close frame after them was`];
  return [];
}

function summary(items: string[]): string {
  return `[${items.map((item) => (item.length > 24 ? `${item.slice(0, 24)}…(${item.length})` : item)).join(', ')}]`;
}

function isSubsequence(items: string[], of: string[]): boolean {
  let at = 0;
  for (const item of items) {
    while (at < of.length && of[at] !== item) at++;
    if (at === of.length) return false;
    at++;
  }
  return true;
}

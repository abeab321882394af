/**
 * Autobahn category 1: text (1.1.x) and binary (1.2.x) messages at every payload-length
 * encoding boundary of RFC 6455 §5.2 (7-bit, 16-bit, 64-bit), echoed byte for byte, then a
 * clean close.
 */
import type { CaseGroup, SharedCase } from '../shared/autobahn-case';
import { answered, echoOf, opcodeFor, uniformPayload } from '../shared/case-builders';
import type { SendMode } from '../shared/frame-sender';
import type { MessageKind } from '../shared/wire-event';

const LENGTHS = [0, 125, 126, 127, 128, 65535, 65536];

function framingGroup(group: string, kind: MessageKind): CaseGroup {
  const echoed = (id: string, length: number, title: string, mode?: SendMode): SharedCase => {
    const payload = uniformPayload(kind, length);
    return answered(id, title, [{ opcode: opcodeFor(kind), payload }], [echoOf(kind, payload)], mode);
  };
  return {
    title: `${group} ${kind} messages`,
    entries: [
      ...LENGTHS.map((length, i) => echoed(`${group}.${i + 1}`, length, `${kind} payload of ${length} bytes is echoed`)),
      echoed(`${group}.8`, 65536, `${kind} payload of 65536 bytes written in 997-byte chops is echoed`, { chopSize: 997 }),
    ],
  };
}

export const FRAMING_CASES: readonly CaseGroup[] = [framingGroup('1.1', 'text'), framingGroup('1.2', 'binary')];

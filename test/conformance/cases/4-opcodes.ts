/**
 * Autobahn category 4: reserved opcodes (non-control 3-7 in 4.1.x, control 11-15 in 4.2.x,
 * RFC 6455 §5.2) fail the connection with 1002. x.3-x.5 send a good text message first:
 * echoing it before failing is OK, failing without the echo NON-STRICT.
 */
import { Op } from '../frame-encoder';
import type { CaseGroup } from '../shared/autobahn-case';
import { fails, failsAfterOptionalEcho, textEcho } from '../shared/case-builders';
import type { Failure } from '../shared/tester';

const MSG = 'Hello, world!';
const RESERVED_PAYLOAD = 'reserved opcode payload';
const INVALID_OPCODE: Failure = { code: 1002, clientError: 'WS_ERR_INVALID_OPCODE' };

function reservedOpcodes(group: string, kind: string, opcodes: readonly [number, number, number, number, number]): CaseGroup {
  const [empty, withPayload, ...afterMessage] = opcodes;
  return {
    title: `${group} reserved ${kind} opcodes`,
    entries: [
      fails(`${group}.1`, `frame with reserved opcode ${empty} and no payload fails with 1002`, [{ opcode: empty }], INVALID_OPCODE),
      fails(`${group}.2`, `frame with reserved opcode ${withPayload} and a payload fails with 1002`, [{ opcode: withPayload, payload: RESERVED_PAYLOAD }], INVALID_OPCODE),
      ...afterMessage.map((opcode, i) =>
        failsAfterOptionalEcho(
          `${group}.${i + 3}`,
          `text, then reserved opcode ${opcode}, then ping: fails with 1002 (echo first is OK or NON-STRICT)`,
          [
            { opcode: Op.TEXT, payload: MSG },
            { opcode, payload: i === 0 ? '' : RESERVED_PAYLOAD },
            { opcode: Op.PING, payload: MSG },
          ],
          textEcho(MSG),
          INVALID_OPCODE,
        ),
      ),
    ],
  };
}

export const OPCODE_CASES: readonly CaseGroup[] = [reservedOpcodes('4.1', 'non-control', [3, 4, 5, 6, 7]), reservedOpcodes('4.2', 'control', [11, 12, 13, 14, 15])];

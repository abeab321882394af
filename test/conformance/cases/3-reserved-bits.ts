/**
 * Autobahn category 3: RSV1-3 set without a negotiated extension fail the connection with 1002
 * (RFC 6455 §5.2). 3.2-3.4 send a good text message first: echoing it before failing is OK,
 * failing without the echo NON-STRICT.
 */
import { Op, type FrameSpec } from '../frame-encoder';
import type { CaseGroup } from '../shared/autobahn-case';
import { fails, failsAfterOptionalEcho, OCTETS, PER_FRAME, textEcho } from '../shared/case-builders';
import type { SendMode } from '../shared/frame-sender';
import type { Failure } from '../shared/tester';

const MSG = 'Hello, world!';
const UNEXPECTED_RSV: Failure = { code: 1002, clientError: 'WS_ERR_UNEXPECTED_RSV' };

const withFollowers = (rsv: number): FrameSpec[] => [
  { opcode: Op.TEXT, payload: MSG },
  { opcode: Op.TEXT, payload: MSG, rsv },
  { opcode: Op.PING, payload: MSG },
];

const FOLLOWED: Array<[rsv: number, mode: SendMode]> = [
  [2, 'bulk'],
  [3, PER_FRAME],
  [4, OCTETS],
];

export const RESERVED_BITS_CASES: readonly CaseGroup[] = [
  {
    title: '3 reserved bits',
    entries: [
      fails('3.1', 'text frame with rsv=1 fails with 1002', [{ opcode: Op.TEXT, payload: MSG, rsv: 1 }], UNEXPECTED_RSV),
      ...FOLLOWED.map(([rsv, mode], i) =>
        failsAfterOptionalEcho(
          `3.${i + 2}`,
          `text, then text with rsv=${rsv}, then ping: fails with 1002, the ping unanswered (echo of the first is OK or NON-STRICT)`,
          withFollowers(rsv),
          textEcho(MSG),
          UNEXPECTED_RSV,
          mode,
        ),
      ),
      fails('3.5', 'binary frame with rsv=5 fails with 1002', [{ opcode: Op.BINARY, payload: Buffer.from([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]), rsv: 5 }], UNEXPECTED_RSV),
      fails('3.6', 'ping with rsv=6 fails with 1002 (no pong)', [{ opcode: Op.PING, payload: MSG, rsv: 6 }], UNEXPECTED_RSV),
      fails('3.7', 'close with rsv=7 fails with 1002', [{ opcode: Op.CLOSE, payload: Buffer.from([0x03, 0xe8]), rsv: 7 }], UNEXPECTED_RSV),
    ],
  },
];

/**
 * Autobahn category 2: pings are answered with pongs carrying the same payload (RFC 6455
 * §5.5.2, §5.5.3), a ping with more than 125 bytes fails the connection with 1002 (§5.5),
 * unsolicited pongs are ignored (§5.5.3).
 */
import type { CaseGroup } from '../shared/autobahn-case';
import { answered, fails, OCTETS, pingFrame, pongFrame, pongWith } from '../shared/case-builders';
import type { Failure } from '../shared/tester';

const BINARY_PING = Buffer.from([0x00, 0xff, 0xfe, 0xfd, 0xfc, 0xfb, 0x00, 0xff]);
/** The largest control frame payload §5.5 allows. */
const MAX_CONTROL_PAYLOAD = Buffer.alloc(125, 0xfe);
const TEN_PAYLOADS = Array.from({ length: 10 }, (_, i) => `payload-${i}`);

const CONTROL_TOO_LONG: Failure = { code: 1002, clientError: 'WS_ERR_INVALID_CONTROL_PAYLOAD_LENGTH' };

export const PING_PONG_CASES: readonly CaseGroup[] = [
  {
    title: '2 ping / pong',
    entries: [
      answered('2.1', 'ping without payload is answered by an empty pong', [pingFrame('')], [pongWith('')]),
      answered('2.2', 'ping with a small text payload is answered with the same payload', [pingFrame('Hello, world!')], [pongWith('Hello, world!')]),
      answered('2.3', 'ping with a small binary payload is answered with the same payload', [pingFrame(BINARY_PING)], [pongWith(BINARY_PING)]),
      answered('2.4', 'ping with a 125-byte payload (the maximum) is answered', [pingFrame(MAX_CONTROL_PAYLOAD)], [pongWith(MAX_CONTROL_PAYLOAD)]),
      fails('2.5', 'ping with a 126-byte payload fails the connection with 1002', [pingFrame(Buffer.alloc(126, 0xfe))], CONTROL_TOO_LONG),
      answered('2.6', '125-byte ping written byte by byte is answered', [pingFrame(MAX_CONTROL_PAYLOAD)], [pongWith(MAX_CONTROL_PAYLOAD)], OCTETS),
      // No replies expected: the close answer must be the very next event, so any reply to the pong fails the case.
      answered('2.7', 'unsolicited empty pong is ignored', [pongFrame('')], []),
      answered('2.8', 'unsolicited pong with payload is ignored', [pongFrame('unsolicited pong payload')], []),
      answered('2.9', 'unsolicited pong, then ping: only the ping is answered', [pongFrame('unsolicited pong payload'), pingFrame('ping payload')], [pongWith('ping payload')]),
      answered('2.10', 'ten pings in one write get ten pongs in order', TEN_PAYLOADS.map(pingFrame), TEN_PAYLOADS.map(pongWith)),
      answered('2.11', 'ten pings written byte by byte get ten pongs in order', TEN_PAYLOADS.map(pingFrame), TEN_PAYLOADS.map(pongWith), OCTETS),
    ],
  },
];

/**
 * Autobahn category 7 (the closing handshake) against the server: the cases are in
 * ./cases/7-close; the role-specific ones are run here.
 */
import { CLOSE_CASES, CLOSE_INSIDE_FRAGMENTED_MESSAGE } from './cases/7-close';
import { describeCases } from './shared/autobahn-case';
import { serverRole } from './server-role';

describeCases(CLOSE_CASES, serverRole(), {
  async '7.1.5'(t) {
    await t.wire.sendFrames(CLOSE_INSIDE_FRAGMENTED_MESSAGE);
    // A message the server delivered would be echoed before its close, and fail this.
    await t.expectCloseReply(1000);
  },
  // RFC 6455 §5.5.1 only says an endpoint "typically" echoes the code; Autobahn accepts 1000 for an empty close.
  '7.3.1': (t) => t.closeCleanly(null, '', [1000, null]),
});

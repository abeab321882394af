/**
 * Autobahn category 7 (the closing handshake) against the client: the cases are in
 * ../cases/7-close; the role-specific ones are run here.
 */
import { CLOSE_CASES, CLOSE_INSIDE_FRAGMENTED_MESSAGE } from '../cases/7-close';
import { describeCases } from '../shared/autobahn-case';
import { clientRole } from './client-role';

describeCases(CLOSE_CASES, clientRole(), {
  async '7.1.5'(t) {
    await t.wire.sendFrames(CLOSE_INSIDE_FRAGMENTED_MESSAGE);
    await t.expectCloseReply(1000);
    // The echo of a delivered message would be dropped after the close: only the client's log shows it.
    expect(t.client.log).toEqual(['open', 'close']);
  },
  // Our client echoes an empty close as it came, and reports 1005 (§7.1.5).
  '7.3.1': (t) => t.closeCleanly(null, '', [null]),
});

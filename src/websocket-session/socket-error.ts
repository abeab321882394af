/**
 * The error a session reports when its socket fails under it (`WS_ERR_SOCKET`). It is made
 * without a stack of its own: a peer that resets its connection is ordinary on a busy server, a
 * V8 stack capture at this depth costs more than the rest of what the session does for the
 * reset (bench: ~5% of a handshake's CPU), and the place that matters, Node's, stays in `cause`.
 */
import { ConnectionError, ErrorCode } from '../errors.js';

export function socketFailure(error: Error): ConnectionError {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return new ConnectionError(error.message, ErrorCode.SOCKET, { cause: error });
  } finally {
    Error.stackTraceLimit = limit;
  }
}

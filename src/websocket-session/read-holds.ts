/**
 * Why a connection is not reading its socket. Each reason is a bit; the socket is read again once
 * no bit is left, so one reason ending never overrides another still in force.
 */
export const ReadHold = {
  /** The application called `pause()` (or a lagging `for await` loop did). */
  APPLICATION: 1,
  /** Received messages pile up inside the extension pipeline (inflating is slower than reading). */
  EXTENSIONS: 2,
  /** The socket holds more than its high-water mark of our bytes: the peer is not reading them. */
  OUTBOUND: 4,
} as const;

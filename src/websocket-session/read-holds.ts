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

/** The reading state of a session engine, which the functions below keep for it. */
export interface ReadGate {
  /** Why reading is held back (`ReadHold` bits); the socket is read while none is set. */
  holds: number;
  /** Incoming bytes are handed to the parser (from the engine's `start()` on). */
  reading: boolean;
  readonly socket: { pause(): unknown; resume(): unknown } | null;
}

/** Whether the application paused reading (`isPaused`). */
export function pausedByApplication(gate: ReadGate): boolean {
  return (gate.holds & ReadHold.APPLICATION) !== 0;
}

/** Stops reading the socket for `reason`; messages already read are still delivered. */
export function holdReading(gate: ReadGate, reason: number): void {
  gate.holds |= reason;
  gate.socket?.pause();
}

/** `reason` no longer holds reading back; the socket is read again once no other reason does. */
export function releaseReading(gate: ReadGate, reason: number): void {
  gate.holds &= ~reason;
  // Before `start()` no one listens for the bytes yet: resuming then would lose them.
  if (gate.holds === 0 && gate.reading) gate.socket?.resume();
}

/**
 * A WebSocket's `readyState` values. They live apart from the session so that its helpers
 * (the closing handshake, the extension glue) can use them without importing the session.
 */
export const ReadyState = { CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3 } as const;
export type ReadyState = (typeof ReadyState)[keyof typeof ReadyState];

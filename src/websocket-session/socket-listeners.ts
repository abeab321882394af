/**
 * The listeners a session puts on its socket. They are plain functions shared by every
 * connection that find their session on the socket itself, so attaching a socket allocates
 * no closure.
 */
import type { Duplex } from 'node:stream';
import type { ReadGate } from './read-holds.js';

/** What the socket's events are handed to (implemented by `WebSocketSession`). */
export interface SocketOwner {
  onData(chunk: Buffer): void;
  onSocketEnd(): void;
  onSocketError(error: Error): void;
  onSocketDrain(): void;
  finish(): void;
}

const kSession = Symbol('session');

export type SessionSocket = Duplex & { [kSession]?: SocketOwner; setNoDelay?(noDelay?: boolean): unknown; setTimeout?(ms: number): unknown };

/** Makes `owner` hear the socket's events (all but `data`: see `startReading`). */
export function bindSocket(socket: Duplex, owner: SocketOwner): SessionSocket {
  const s = socket as SessionSocket;
  s[kSession] = owner;
  s.setTimeout?.(0);
  s.setNoDelay?.(true);
  s.on('error', socketOnError);
  s.on('close', socketOnClose);
  s.on('end', socketOnEnd);
  s.on('drain', socketOnDrain);
  return s;
}

/** Hands the socket's incoming bytes to its owner from now on, unless something holds reading back. */
export function startReading(gate: ReadGate, socket: SessionSocket): void {
  socket.on('data', socketOnData);
  gate.reading = true;
  // A pause() and resume() before now left the stream explicitly paused: a listener alone would not start it.
  if (gate.holds === 0) socket.resume();
}

function socketOnData(this: SessionSocket, chunk: Buffer): void {
  this[kSession]!.onData(chunk);
}
function socketOnEnd(this: SessionSocket): void {
  this[kSession]!.onSocketEnd();
}
function socketOnError(this: SessionSocket, error: Error): void {
  this[kSession]!.onSocketError(error);
}
function socketOnClose(this: SessionSocket): void {
  this[kSession]!.finish();
}
function socketOnDrain(this: SessionSocket): void {
  this[kSession]!.onSocketDrain();
}

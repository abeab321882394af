/**
 * Bookkeeping for the server suite's raw sockets: every socket the raw client or an HTTP
 * exchange opens is tracked here, so one call from afterEach/afterAll destroys whatever a test
 * left open.
 */
import type net from 'node:net';

const openSockets = new Set<net.Socket>();

export function track(socket: net.Socket): net.Socket {
  openSockets.add(socket);
  socket.once('close', () => openSockets.delete(socket));
  return socket;
}

/** Destroy every socket opened by the raw client or httpExchange. */
export function destroyAllClients(): void {
  for (const s of openSockets) s.destroy();
  openSockets.clear();
}

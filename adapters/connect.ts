/** `hatchway/connect`: the middleware and helpers for Connect 3 (and any `(req, res, next)` app). */
export { websocket, type WebSocketHandler, type NextFunction } from '../middleware/websocket.js';
export type { WebSocketMiddlewareOptions } from '../middleware/accept-upgrade.js';
export { eventSource, type EventSourceHandler } from '../middleware/event-source.js';
export { eventSourceSupport } from '../middleware/response-helpers.js';
export { attach, createServer, listen, type AttachOptions, type CreateServerOptions } from './node.js';
export * from '../src/index.js';

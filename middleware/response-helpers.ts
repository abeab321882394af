/**
 * `res.eventSource(options)`: answers the request with an event stream. An attached app gets it on
 * every response (with the stream tracked, so `server.close()` ends it); any other Connect or
 * Express app gets it, with `req.isEventSource`, from `app.use(eventSourceSupport())`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { EventSource, type EventSourceOptions } from '../src/event-source/event-source.js';
import { markRequest } from './request-flags.js';

declare module 'node:http' {
  interface ServerResponse<Request extends IncomingMessage = IncomingMessage> {
    /**
     * Answers this request with a `text/event-stream` and returns the session. Present on every
     * response of an app passed to `attach()`/`listen()`, or after `app.use(eventSourceSupport())`.
     */
    eventSource(options?: EventSourceOptions): EventSource;
  }
}

/** Called with every stream opened through the helpers (the adapter's shutdown registry). */
export type EventSourceTracker = (es: EventSource) => void;

const kTracker = Symbol.for('hatchway.eventSourceTracker');

type TrackedResponse = ServerResponse & { [kTracker]?: EventSourceTracker };

/** Gives `response` its `eventSource()` method (for `response.req`); streams it opens go to `track`. */
export function addResponseHelpers(response: ServerResponse, track?: EventSourceTracker): void {
  if (track !== undefined) (response as TrackedResponse)[kTracker] = track;
  // One shared function rather than a closure per request: this runs for every request of the app.
  response.eventSource = eventSourceMethod;
}

function eventSourceMethod(this: ServerResponse, options?: EventSourceOptions): EventSource {
  return openEventSource(this.req, this, options);
}

/** `new EventSource(request, response, options)`, tracked when the response came through `attach()`. */
export function openEventSource(
  request: IncomingMessage,
  response: ServerResponse,
  options: EventSourceOptions = {},
): EventSource {
  const es = new EventSource(request, response, options);
  (response as TrackedResponse)[kTracker]?.(es);
  return es;
}

/**
 * For apps that are not attached: `app.use(eventSourceSupport())` sets `req.isEventSource` (and
 * `req.isWebSocket = false`) and adds `res.eventSource()`. On an attached app it changes nothing.
 */
export function eventSourceSupport(): (request: IncomingMessage, response: ServerResponse, next: () => void) => void {
  return function eventSourceSupportMiddleware(request, response, next) {
    if (request.isWebSocket === undefined) markRequest(request, false);
    if (typeof (response as Partial<ServerResponse>).eventSource !== 'function') addResponseHelpers(response);
    next();
  };
}

/**
 * `eventSource(handler, options)` for Connect and Express: a request that asks for
 * `text/event-stream` is answered with an event stream handed to `handler(es, req)`; any other
 * request goes on with `next()`. A handler that throws or rejects ends the stream, and its error
 * goes to the framework's error handling.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { EventSource, type EventSourceOptions } from '../src/event-source/event-source.js';
import { openEventSource } from './response-helpers.js';

export type EventSourceHandler<Request extends IncomingMessage = IncomingMessage> = (
  es: EventSource,
  request: Request,
) => unknown;

export function eventSource<Request extends IncomingMessage = IncomingMessage>(
  handler: EventSourceHandler<Request>,
  options: EventSourceOptions = {},
): (request: Request, response: ServerResponse, next: (error?: unknown) => void) => void {
  return function eventSourceMiddleware(request, response, next) {
    if (!EventSource.isEventSource(request)) return next();
    let es: EventSource;
    try {
      es = openEventSource(request, response, options);
    } catch (error) {
      // Bad options: nothing was written, so the framework can still answer 500.
      return next(error);
    }
    const fail = (error: unknown): void => {
      es.close();
      next(error);
    };
    try {
      const result = handler(es, request);
      if (typeof (result as PromiseLike<unknown> | null)?.then === 'function') {
        (result as PromiseLike<unknown>).then(undefined, fail);
      }
    } catch (error) {
      fail(error);
    }
  };
}

export type { EventSourceOptions };

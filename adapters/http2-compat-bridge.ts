/**
 * Express on HTTP/2. Express replaces the prototype of every request and response with its own,
 * which inherit from `http.IncomingMessage` and `http.ServerResponse`; an HTTP/2 compat request
 * then loses the accessors and methods it is made of (its headers, its stream) and the first read
 * throws. Copying those of `Http2ServerRequest`/`Http2ServerResponse` onto the objects themselves
 * keeps them whatever prototype Express gives them, and Express's own helpers (`req.get`,
 * `res.send`, static files, routing) run on top. HTTP/1.1 requests are left as they are.
 */
import { Http2ServerRequest, Http2ServerResponse } from 'node:http2';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestListener } from './upgrade-dispatch.js';

/** An Express application: a listener that re-prototypes what it is handed (`app.request`, `app.response`). */
function isExpressApp(listener: RequestListener): boolean {
  const app = listener as unknown as { request?: unknown; response?: unknown; handle?: unknown };
  return typeof app.handle === 'function' && typeof app.request === 'object' && typeof app.response === 'object';
}

const requestMembers = ownMembers(Http2ServerRequest.prototype);
const responseMembers = ownMembers(Http2ServerResponse.prototype);

function ownMembers(prototype: object): PropertyDescriptorMap {
  const { constructor: _constructor, ...members } = Object.getOwnPropertyDescriptors(prototype) as PropertyDescriptorMap;
  return members;
}

/** For an Express app, what keeps an HTTP/2 request and its response whole through it; null for any other listener. */
export function http2CompatBridge(listener: RequestListener): ((request: IncomingMessage, response: ServerResponse) => void) | null {
  return isExpressApp(listener) ? keepHttp2Members : null;
}

function keepHttp2Members(request: IncomingMessage, response: ServerResponse): void {
  if (!(request instanceof Http2ServerRequest)) return;
  Object.defineProperties(request, requestMembers);
  Object.defineProperties(response, responseMembers);
}

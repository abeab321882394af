/**
 * What `attach()` adds on a `node:http2` server: the extended CONNECT setting, advertised only on
 * a server that will then take WebSockets (browsers read it as a promise that it does, RFC 8441
 * §3), and each WebSocket's CONNECT stream routed through the app.
 */
import { Http2ServerRequest, type Http2SecureServer, type Http2Server, type Http2ServerResponse } from 'node:http2';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { isExtendedConnect } from '../src/handshake/extended-connect.js';
import type { SessionRegistry } from '../src/server/session-registry.js';
import { http2CompatBridge } from './http2-compat-bridge.js';
import { dispatchExtendedConnect, refuseOtherConnect } from './stream-dispatch.js';
import type { RequestListener } from './upgrade-dispatch.js';

type AnyHttp2Server = Http2Server | Http2SecureServer;

export interface Http2Attachment {
  /** Run on every ordinary request before the app: keeps HTTP/2 requests whole through Express. */
  readonly prepare: ((request: IncomingMessage, response: ServerResponse) => void) | null;
  /** Stops taking WebSocket streams (the server is closing). */
  stop(): void;
}

/** Only `node:http2` servers can change the settings they send (`http.Server` and `https.Server` cannot). */
export function isHttp2Server(server: object): server is AnyHttp2Server {
  return typeof (server as { updateSettings?: unknown }).updateSettings === 'function';
}

export function attachHttp2(server: AnyHttp2Server, listener: RequestListener, registry: SessionRegistry): Http2Attachment {
  server.updateSettings({ enableConnectProtocol: true });
  const prepare = http2CompatBridge(listener);
  // HTTP/2 streams arrive as (request, response); an HTTP/1.1 CONNECT of `allowHTTP1` as (request, socket, head).
  const onConnect = (request: IncomingMessage | Http2ServerRequest, response: Http2ServerResponse | Duplex): void => {
    const alone = server.listenerCount('connect') === 1;
    if (!(request instanceof Http2ServerRequest)) {
      // Node destroys such a socket when no one listens for CONNECT: it still does.
      if (alone) (response as Duplex).destroy();
      return;
    }
    const http2Response = response as Http2ServerResponse;
    if (!isExtendedConnect(request)) {
      if (alone) refuseOtherConnect(http2Response);
      return;
    }
    prepare?.(request as unknown as IncomingMessage, http2Response as unknown as ServerResponse);
    dispatchExtendedConnect(request, http2Response, listener, registry);
  };
  server.on('connect', onConnect);
  return { prepare, stop: () => server.removeListener('connect', onConnect) };
}

/**
 * An independent WebSocket client over HTTP/2 for the server tests: Node's own http2 client sends
 * the extended CONNECT (RFC 8441 §4), and `ws` speaks the frames on the stream it opens (its
 * `setSocket`, which `ws` uses itself once an HTTP/1.1 upgrade is done), in the client's role.
 */
import * as http2 from 'node:http2';
import WebSocket from 'ws';

export interface StreamAnswer {
  status: number;
  headers: http2.IncomingHttpHeaders & http2.IncomingHttpStatusHeader;
  /** The body of a refusal (anything but 2xx). */
  body: string;
}

export interface OpenedWebSocket {
  ws: WebSocket;
  stream: http2.ClientHttp2Stream;
  answer: StreamAnswer;
}

/** An HTTP/2 session that has received the server's SETTINGS (where extended CONNECT is or is not advertised). */
export async function connectSession(origin: string, options: http2.SecureClientSessionOptions = {}): Promise<http2.ClientHttp2Session> {
  const session = http2.connect(origin, options);
  await new Promise<void>((resolve, reject) => {
    session.once('remoteSettings', () => resolve());
    session.once('error', reject);
  });
  return session;
}

/** Sends the extended CONNECT; resolves with the response, and a `ws` client on the stream when it is a 2xx. */
export function extendedConnect(
  session: http2.ClientHttp2Session,
  path: string,
  headers: http2.OutgoingHttpHeaders = {},
): Promise<OpenedWebSocket | StreamAnswer> {
  const stream = session.request({
    ':method': 'CONNECT',
    ':protocol': 'websocket',
    ':scheme': session.encrypted ? 'https' : 'http',
    ':path': path,
    'sec-websocket-version': '13',
    ...headers,
  });
  return new Promise((resolve, reject) => {
    stream.once('error', reject);
    stream.once('response', (responseHeaders) => {
      const status = Number(responseHeaders[':status']);
      if (status < 200 || status >= 300) {
        let body = '';
        stream.setEncoding('utf8');
        stream.on('data', (chunk: string) => (body += chunk));
        stream.once('end', () => resolve({ status, headers: responseHeaders, body }));
        return;
      }
      stream.removeListener('error', reject);
      resolve({ ws: wsOnStream(stream), stream, answer: { status, headers: responseHeaders, body: '' } });
    });
  });
}

export function isOpened(result: OpenedWebSocket | StreamAnswer): result is OpenedWebSocket {
  return 'ws' in result;
}

/** Opens and insists it opened. */
export async function openWebSocket(session: http2.ClientHttp2Session, path: string, headers?: http2.OutgoingHttpHeaders): Promise<OpenedWebSocket> {
  const result = await extendedConnect(session, path, headers);
  if (!isOpened(result)) throw new Error(`the server answered ${result.status}: ${result.body}`);
  return result;
}

function wsOnStream(stream: http2.ClientHttp2Stream): WebSocket {
  // `ws` calls these on a TCP socket; a stream has no Nagle to turn off.
  const socket = stream as unknown as { setNoDelay?: () => void };
  socket.setNoDelay ??= () => {};
  const ws = new (WebSocket as unknown as new (address: null, protocols: undefined, options: object) => WebSocket)(null, undefined, { autoPong: true, closeTimeout: 10_000 }) as WebSocket & {
    _isServer: boolean;
    setSocket(socket: unknown, head: Buffer, options: { maxPayload: number; allowSynchronousEvents: boolean }): void;
  };
  ws._isServer = false;
  ws.setSocket(stream, Buffer.alloc(0), { maxPayload: 0, allowSynchronousEvents: true });
  return ws;
}

export function nextMessage(ws: WebSocket): Promise<{ data: Buffer; isBinary: boolean }> {
  return new Promise((resolve) => ws.once('message', (data: Buffer, isBinary: boolean) => resolve({ data, isBinary })));
}

export function closed(ws: WebSocket): Promise<{ code: number; reason: string }> {
  return new Promise((resolve) => ws.once('close', (code: number, reason: Buffer) => resolve({ code, reason: reason.toString() })));
}

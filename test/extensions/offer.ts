/**
 * A raw opening handshake with crafted `Sec-WebSocket-Extensions` lines, read up to the end of
 * the response head: what the server answered (status and headers), nothing else.
 */
import { httpExchange, type HttpExchangeResult } from '../conformance/raw-client';

export function upgradeRequest(port: number, extensionLines: readonly string[]): string {
  const lines = [
    'GET / HTTP/1.1',
    `Host: 127.0.0.1:${port}`,
    'Upgrade: websocket',
    'Connection: Upgrade',
    'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
    'Sec-WebSocket-Version: 13',
    ...extensionLines.map((value) => `Sec-WebSocket-Extensions: ${value}`),
  ];
  return lines.join('\r\n') + '\r\n\r\n';
}

/** Sends the handshake with one `Sec-WebSocket-Extensions` line per entry; resolves at the response head. */
export function offer(port: number, ...extensionLines: string[]): Promise<HttpExchangeResult> {
  return httpExchange(port, upgradeRequest(port, extensionLines), { stopAtHead: true, timeoutMs: 5000 });
}

/** The status and the extensions the server chose ('' for none): the two facts every negotiation test checks. */
export async function answer(port: number, ...extensionLines: string[]): Promise<[number | null, string | undefined]> {
  const result = await offer(port, ...extensionLines);
  return [result.statusCode, result.headers['sec-websocket-extensions']];
}

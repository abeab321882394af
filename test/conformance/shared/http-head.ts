/** Reading HTTP/1.1 heads by hand (RFC 9112 §2.1, RFC 9110 §5.3, §5.6.1), for the raw handshakes of both roles. */
import type { Socket } from 'node:net';

/** Lower-cased names; a repeated header's values joined with ", " as §5.3 allows. */
export function parseHeaderLines(lines: string[]): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
  }
  return headers;
}

/** The tokens of a comma-separated header value, lower-cased (e.g. Connection: keep-alive, Upgrade). */
export function tokenList(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((t) => t.trim().toLowerCase())
    .filter((t) => t.length > 0);
}

/**
 * Reads `socket` up to the end of an HTTP head (the blank line), then pauses it, so that no byte
 * after the head is lost before a frame reader takes over, and resolves with the head (latin1,
 * without the blank line) and the bytes that came after it in the same reads.
 */
export function readHead(socket: Socket): Promise<{ head: string; rest: Buffer }> {
  return new Promise((resolve, reject) => {
    let buffered = Buffer.alloc(0);
    const stop = (): void => {
      socket.off('data', onData);
      socket.off('error', onError);
      socket.off('close', onClose);
    };
    const onData = (chunk: Buffer): void => {
      buffered = Buffer.concat([buffered, chunk]);
      const end = buffered.indexOf('\r\n\r\n');
      if (end < 0) return;
      stop();
      socket.pause();
      resolve({ head: buffered.subarray(0, end).toString('latin1'), rest: buffered.subarray(end + 4) });
    };
    const onError = (err: Error): void => {
      stop();
      reject(new Error(`socket error before the end of the HTTP head: ${err.message}`));
    };
    const onClose = (): void => {
      stop();
      reject(new Error(`connection closed before the end of the HTTP head; got ${JSON.stringify(buffered.toString('latin1'))}`));
    };
    socket.on('data', onData);
    socket.on('error', onError);
    socket.on('close', onClose);
  });
}

/**
 * A draft-75 / draft-76 client on a raw TCP socket, written from the drafts' text and independent
 * of the code under test: it sends the handshake (the body when and as the test asks), reads the
 * response, and decodes the server's frames (0x00 text 0xFF, and 0xFF 0x00) by hand.
 *
 * Every socket opened here is destroyed by `destroyDraftClients()` (call it from afterEach).
 */
import { createHash } from 'node:crypto';
import * as net from 'node:net';

export const WAIT_MS = 5000;

/** The example of draft-76 §1.3 (also hybi-00): its keys, body and the answer it gives. */
export const DRAFT76_EXAMPLE = {
  key1: '4 @1  46546xW%0l 1 5',
  key2: '12998 5 Y3 1  .P00',
  body: Buffer.from('^n:ds[4U', 'latin1'),
  answer: Buffer.from("8jKS'y:G*Co,Wxa-", 'latin1'),
};

const sockets = new Set<net.Socket>();

export function destroyDraftClients(): void {
  for (const socket of sockets) socket.destroy();
  sockets.clear();
}

export function within<T>(promise: Promise<T>, what: string, ms = WAIT_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** What the server said, as it arrives. */
export class DraftClient {
  /** Every byte received, the response included. */
  received = Buffer.alloc(0);
  readonly closed: Promise<void>;
  /** Set when the server ended its side (FIN). */
  ended = false;
  private waiters: Array<() => void> = [];

  constructor(readonly socket: net.Socket) {
    sockets.add(socket);
    socket.on('error', () => {});
    socket.on('data', (chunk: Buffer) => {
      this.received = Buffer.concat([this.received, chunk]);
      this.wake();
    });
    socket.on('end', () => {
      this.ended = true;
      this.wake();
    });
    this.closed = new Promise((resolve) => socket.once('close', () => {
      this.wake();
      resolve();
    }));
  }

  private wake(): void {
    for (const waiter of this.waiters.splice(0)) waiter();
  }

  /** Resolves once `test` holds of what was received, bounded. */
  until(test: () => boolean, what: string, ms = WAIT_MS): Promise<void> {
    return within(
      new Promise<void>((resolve) => {
        const check = (): void => (test() ? resolve() : void this.waiters.push(check));
        check();
      }),
      what,
      ms,
    );
  }

  /** The response's header block (without the blank line), once it is complete. */
  async head(): Promise<string> {
    await this.until(() => this.received.includes('\r\n\r\n') || this.socket.destroyed, 'the response head');
    const end = this.received.indexOf('\r\n\r\n');
    if (end === -1) throw new Error(`no response head; got ${JSON.stringify(this.received.toString('latin1'))}`);
    return this.received.subarray(0, end).toString('latin1');
  }

  /** The bytes after the header block. */
  get afterHead(): Buffer {
    const end = this.received.indexOf('\r\n\r\n');
    return end === -1 ? Buffer.alloc(0) : this.received.subarray(end + 4);
  }

  /** The frames after the head and `skip` bytes (draft-76's answer): texts, and 'CLOSE' for 0xFF 0x00. */
  frames(skip = 0): string[] {
    return decodeFrames(this.afterHead.subarray(skip));
  }

  write(bytes: Buffer | string): void {
    this.socket.write(typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : bytes);
  }
}

export function decodeFrames(bytes: Buffer): string[] {
  const out: string[] = [];
  let pos = 0;
  while (pos < bytes.length) {
    if (bytes[pos] === 0x00) {
      const end = bytes.indexOf(0xff, pos + 1);
      if (end === -1) break;
      out.push(bytes.subarray(pos + 1, end).toString('utf8'));
      pos = end + 1;
    } else if (bytes[pos] === 0xff && bytes[pos + 1] === 0x00) {
      out.push('CLOSE');
      pos += 2;
    } else {
      out.push(`?${bytes[pos]!.toString(16)}`);
      pos++;
    }
  }
  return out;
}

export function textFrame(text: string): Buffer {
  return Buffer.concat([Buffer.from([0x00]), Buffer.from(text), Buffer.from([0xff])]);
}

export const CLOSING = Buffer.from([0xff, 0x00]);

export interface HandshakeOptions {
  version: 'hixie-75' | 'hixie-76';
  path?: string;
  host?: string;
  origin?: string | null;
  protocol?: string;
  headers?: Record<string, string>;
  /** Draft-76: false holds the body back (send it with `client.write(DRAFT76_EXAMPLE.body)`). */
  body?: boolean;
  key1?: string;
  key2?: string;
}

/** Connects and sends the handshake (the body too, unless held back). */
export async function connectDraft(port: number, options: HandshakeOptions): Promise<DraftClient> {
  const socket = net.connect({ host: '127.0.0.1', port });
  socket.setNoDelay(true);
  const client = new DraftClient(socket);
  await within(new Promise((resolve) => socket.once('connect', resolve)), 'the TCP connection');
  const lines = [`GET ${options.path ?? '/'} HTTP/1.1`, 'Upgrade: WebSocket', 'Connection: Upgrade', `Host: ${options.host ?? `127.0.0.1:${port}`}`];
  if (options.origin !== null) lines.push(`Origin: ${options.origin ?? 'http://example.com'}`);
  if (options.version === 'hixie-76') {
    lines.push(`Sec-WebSocket-Key1: ${options.key1 ?? DRAFT76_EXAMPLE.key1}`, `Sec-WebSocket-Key2: ${options.key2 ?? DRAFT76_EXAMPLE.key2}`);
    if (options.protocol !== undefined) lines.push(`Sec-WebSocket-Protocol: ${options.protocol}`);
  } else if (options.protocol !== undefined) lines.push(`WebSocket-Protocol: ${options.protocol}`);
  for (const [name, value] of Object.entries(options.headers ?? {})) lines.push(`${name}: ${value}`);
  const request = Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1');
  const withBody = options.version === 'hixie-76' && options.body !== false;
  client.write(withBody ? Buffer.concat([request, DRAFT76_EXAMPLE.body]) : request);
  return client;
}

/** The draft-76 answer to the given keys and body, computed here from the draft's own steps. */
export function expectedAnswer(key1: string, key2: string, body: Buffer): Buffer {
  const part = (key: string): number => Number(key.replace(/[^0-9]/g, '')) / (key.split(' ').length - 1);
  const challenge = Buffer.alloc(16);
  challenge.writeUInt32BE(part(key1), 0);
  challenge.writeUInt32BE(part(key2), 4);
  body.copy(challenge, 8);
  return createHash('md5').update(challenge).digest();
}

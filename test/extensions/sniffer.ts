/**
 * A loopback TCP relay that watches WebSocket frames go by: each direction's bytes are passed on
 * untouched, and after the HTTP head every frame header is read (payload skipped), so a test can
 * see which messages really carried RSV1 on the wire between two libraries.
 */
import * as net from 'node:net';
import type { AddressInfo } from 'node:net';

export interface WireFrame {
  fin: boolean;
  /** RSV bits as a 3-bit number: 4 = RSV1. */
  rsv: number;
  opcode: number;
  length: number;
}

export interface WireMessage {
  opcode: number;
  /** RSV bits of the first frame. */
  rsv: number;
  frames: number;
  /** Payload bytes on the wire (compressed size when RSV1 is set). */
  wireLength: number;
}

/** Reads frame headers out of one direction of a connection. */
class FrameWatcher {
  readonly frames: WireFrame[] = [];
  private head = true;
  private headTail = '';
  private pending: Buffer = Buffer.alloc(0);
  /** Payload bytes of the current frame still to skip. */
  private skip = 0;

  push(chunk: Buffer): void {
    let data = chunk;
    if (this.head) {
      const text = this.headTail + data.toString('latin1');
      const end = text.indexOf('\r\n\r\n');
      if (end < 0) {
        this.headTail = text.slice(-3);
        return;
      }
      this.head = false;
      data = data.subarray(end + 4 - this.headTail.length);
    }
    if (this.skip > 0) {
      const n = Math.min(this.skip, data.length);
      this.skip -= n;
      data = data.subarray(n);
    }
    this.pending = this.pending.length === 0 ? data : Buffer.concat([this.pending, data]);
    for (;;) {
      const p = this.pending;
      if (p.length < 2) return;
      const len7 = p[1]! & 0x7f;
      const masked = (p[1]! & 0x80) !== 0;
      const hlen = 2 + (len7 === 126 ? 2 : len7 === 127 ? 8 : 0) + (masked ? 4 : 0);
      if (p.length < hlen) return;
      const length = len7 === 126 ? p.readUInt16BE(2) : len7 === 127 ? Number(p.readBigUInt64BE(2)) : len7;
      this.frames.push({ fin: (p[0]! & 0x80) !== 0, rsv: (p[0]! >> 4) & 7, opcode: p[0]! & 0x0f, length });
      const available = p.length - hlen;
      if (available >= length) {
        this.pending = p.subarray(hlen + length);
      } else {
        this.skip = length - available;
        this.pending = Buffer.alloc(0);
        return;
      }
    }
  }

  /** Data messages (frames grouped from a text/binary frame to the final continuation). */
  messages(): WireMessage[] {
    const out: WireMessage[] = [];
    let current: WireMessage | null = null;
    for (const f of this.frames) {
      if (f.opcode >= 8) continue;
      if (f.opcode !== 0) current = { opcode: f.opcode, rsv: f.rsv, frames: 0, wireLength: 0 };
      if (current === null) continue;
      current.frames++;
      current.wireLength += f.length;
      if (f.fin) {
        out.push(current);
        current = null;
      }
    }
    return out;
  }
}

export interface SniffedConnection {
  /** Client to server. */
  readonly up: FrameWatcher;
  /** Server to client. */
  readonly down: FrameWatcher;
}

export class Sniffer {
  readonly connections: SniffedConnection[] = [];
  private readonly sockets = new Set<net.Socket>();

  private constructor(
    private readonly server: net.Server,
    readonly port: number,
  ) {}

  get url(): string {
    return `ws://127.0.0.1:${this.port}`;
  }

  static async start(targetPort: number): Promise<Sniffer> {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const sniffer = new Sniffer(server, (server.address() as AddressInfo).port);
    server.on('connection', (client) => sniffer.relay(client, targetPort));
    return sniffer;
  }

  private relay(client: net.Socket, targetPort: number): void {
    const upstream = net.connect({ host: '127.0.0.1', port: targetPort });
    const connection: SniffedConnection = { up: new FrameWatcher(), down: new FrameWatcher() };
    this.connections.push(connection);
    for (const s of [client, upstream]) {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
      s.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.on('data', (chunk: Buffer) => {
      connection.up.push(chunk);
      if (!upstream.write(chunk)) client.pause();
    });
    upstream.on('drain', () => client.resume());
    upstream.on('data', (chunk: Buffer) => {
      connection.down.push(chunk);
      if (!client.write(chunk)) upstream.pause();
    });
    client.on('drain', () => upstream.resume());
    client.on('end', () => upstream.end());
    upstream.on('end', () => client.end());
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  }

  close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/**
 * What a raw conformance endpoint observed from its peer, one event per message, control frame
 * or end of TCP, in arrival order, and how each is shown in failure messages.
 */
import { isValidUtf8 } from './utf8';

export type MessageKind = 'text' | 'binary';

/** Who sent the frames an endpoint reads: it names the culprit in violation messages. */
export type PeerName = 'server' | 'client';

export type WireEvent =
  /** `rsv` is the RSV bits of the message's first frame (4 = RSV1: compressed with permessage-deflate). */
  | { type: 'message'; kind: MessageKind; data: Buffer; frames: number; rsv: number }
  | { type: 'ping'; data: Buffer }
  | { type: 'pong'; data: Buffer }
  /** `code` is null when the close frame had an empty body. */
  | { type: 'close'; code: number | null; reason: Buffer }
  /** The TCP connection ended: FIN from the peer, a reset, or a local close after an error. */
  | { type: 'tcp-closed'; how: 'fin' | 'reset' | 'close'; error?: string };

/** At most 40 bytes of `data`: quoted when it is readable text, else in hex; the length always. */
export function preview(data: Buffer, kind: MessageKind = 'binary'): string {
  const max = 40;
  const head = data.subarray(0, max);
  const shown = kind === 'text' && isValidUtf8(data) ? JSON.stringify(head.toString('utf8')) : `0x${head.toString('hex')}`;
  return data.length > max ? `${shown}... (${data.length} bytes)` : `${shown} (${data.length} bytes)`;
}

export function describeEvent(ev: WireEvent): string {
  switch (ev.type) {
    case 'message':
      return `${ev.kind} message ${preview(ev.data, ev.rsv === 0 ? ev.kind : 'binary')} in ${ev.frames} frame(s)${ev.rsv !== 0 ? ` with RSV ${ev.rsv}` : ''}`;
    case 'ping':
    case 'pong':
      return `${ev.type} ${preview(ev.data)}`;
    case 'close':
      return `close frame code=${ev.code === null ? '(none)' : ev.code} reason=${preview(ev.reason, 'text')}`;
    case 'tcp-closed':
      return `TCP closed (${ev.how}${ev.error ? `: ${ev.error}` : ''})`;
  }
}

/** Index of the first byte where `a` and `b` differ (the shorter length when one is a prefix). */
export function firstDifference(a: Buffer, b: Buffer): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return n;
}

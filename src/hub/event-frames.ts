/**
 * The bytes of one published event, made once however many subscribers it goes to: the WebSocket
 * frame of its data (a server's frame is unmasked, RFC 6455 §5.1, so every server socket can be
 * written the same bytes), the frame of its JSON envelope (for subscribers that asked for ids), and
 * its `text/event-stream` block (WHATWG HTML §9.2.6). Each is made on first use.
 */
import { Opcode, RSV1, frameHeaderLength, writeFrameHeader } from '../ws-frame-parser/index.js';
import type { SharedCompressor } from '../extensions/shared-compression.js';
import { formatEvent } from '../event-source/event-format.js';
import type { HubEvent } from './broker.js';

/** How a WebSocket that asked for envelopes gets each event: JSON text, binary data base64-encoded. */
export function envelopeOf(event: HubEvent): string {
  const binary = typeof event.data !== 'string';
  return JSON.stringify({
    topic: event.topic,
    id: event.id,
    ...(event.event === undefined ? {} : { event: event.event }),
    data: binary ? (event.data as Buffer).toString('base64') : event.data,
    ...(binary ? { encoding: 'base64' } : {}),
  });
}

/** What a reset subscriber is told: events it missed are gone; it resumes from `latest`. */
export function resetEnvelope(topic: string, latest: string): string {
  return JSON.stringify({ topic, id: latest, reset: true });
}

export class EventFrames {
  private data: Buffer | null = null;
  private envelopeJson: string | null = null;
  private envelope: Buffer | null = null;
  private stream: Buffer | null = null;
  /** Compressed frames, per shared compressor: [data frame, envelope frame]. */
  private deflated: Map<SharedCompressor, [Buffer | null, Buffer | null]> | null = null;

  constructor(readonly event: HubEvent) {}

  /** The JSON envelope, for a subscriber written through its own `send()`. */
  get envelopeText(): string {
    return (this.envelopeJson ??= envelopeOf(this.event));
  }

  /** The event's data as one unmasked WebSocket frame, text or binary. */
  get dataFrame(): Buffer {
    const data = this.event.data;
    return (this.data ??= typeof data === 'string' ? frame(Opcode.TEXT, Buffer.from(data)) : frame(Opcode.BINARY, data));
  }

  /** The event's JSON envelope as one unmasked text frame. */
  get envelopeFrame(): Buffer {
    return (this.envelope ??= frame(Opcode.TEXT, Buffer.from(this.envelopeText)));
  }

  /**
   * The data (or envelope) frame compressed by `compressor`, for every permessage-deflate session
   * that shares it: compressed once (RSV1 set, RFC 7692 §6), or the plain frame when it is too short to compress.
   */
  deflatedFrame(compressor: SharedCompressor, envelope: boolean): Buffer {
    this.deflated ??= new Map();
    let frames = this.deflated.get(compressor);
    if (frames === undefined) this.deflated.set(compressor, (frames = [null, null]));
    const index = envelope ? 1 : 0;
    const made = frames[index];
    if (made !== null) return made;
    const data = this.event.data;
    const text = envelope || typeof data === 'string';
    const payload = envelope ? Buffer.from(this.envelopeText) : typeof data === 'string' ? Buffer.from(data) : data;
    const compressed = compressor.compress(payload);
    const out = compressed === null ? (envelope ? this.envelopeFrame : this.dataFrame) : frame(text ? Opcode.TEXT : Opcode.BINARY, compressed, RSV1);
    frames[index] = out;
    return out;
  }

  /** The event as an event-stream block, with its id (so a reconnect resumes after it). */
  get streamBlock(): Buffer {
    const { data, event, id, retry } = this.event;
    const text = typeof data === 'string' ? data : data.toString('base64');
    return (this.stream ??= Buffer.from(formatEvent(text, { event, id, retry })));
  }
}

function frame(opcode: number, payload: Buffer, rsv = 0): Buffer {
  const headerLength = frameHeaderLength(payload.length, false);
  const out = Buffer.allocUnsafe(headerLength + payload.length);
  writeFrameHeader(out, 0, { opcode, fin: true, rsv }, payload.length, null);
  payload.copy(out, headerLength);
  return out;
}

/**
 * How an event travels through Redis: one JSON text with its data (base64 when binary), its name and
 * its `retry`, the same in the stream entry and in the Pub/Sub message, which prefixes it with the
 * epoch and the sequence number the publish script gave it. A topic's event id is `<epoch>:<seq>`:
 * the sequence orders the topic's events, and the epoch changes when Redis lost the topic (its data
 * was flushed, lost in a restart without persistence, evicted or expired), so that an id from before
 * is known to be stale rather than taken for a position in the new sequence.
 */
import type { BrokerMessage, HubEvent } from '../hub/broker.js';

interface Encoded {
  d: string;
  b?: 1;
  e?: string;
  r?: number;
}

export function encodeEvent(message: BrokerMessage): string {
  const { data, event, retry } = message;
  const encoded: Encoded = typeof data === 'string' ? { d: data } : { d: data.toString('base64'), b: 1 };
  if (event !== undefined) encoded.e = event;
  if (retry !== undefined) encoded.r = retry;
  return JSON.stringify(encoded);
}

/** The event back from its JSON; null for a payload that is not one of ours (someone else wrote to our keys). */
export function decodeEvent(topic: string, id: string, payload: string): HubEvent | null {
  let encoded: Encoded;
  try {
    encoded = JSON.parse(payload) as Encoded;
  } catch {
    return null;
  }
  if (encoded === null || typeof encoded !== 'object' || typeof encoded.d !== 'string') return null;
  const data = encoded.b === 1 ? Buffer.from(encoded.d, 'base64') : encoded.d;
  const event: { topic: string; id: string; data: string | Buffer; event?: string; retry?: number } = { topic, id, data };
  if (typeof encoded.e === 'string') event.event = encoded.e;
  if (typeof encoded.r === 'number') event.retry = encoded.r;
  return event;
}

export function eventId(epoch: string, seq: number): string {
  return `${epoch}:${seq}`;
}

/** A position in a topic: its epoch and the sequence number of an event (0 for before the first). */
export interface Position {
  readonly epoch: string;
  readonly seq: number;
}

/** `<epoch>:<seq>` read back; null for an id this broker did not give. */
export function parseEventId(id: string): Position | null {
  const colon = id.lastIndexOf(':');
  if (colon <= 0) return null;
  const digits = id.slice(colon + 1);
  if (!/^(0|[1-9][0-9]{0,15})$/.test(digits)) return null;
  return { epoch: id.slice(0, colon), seq: Number(digits) };
}

/** A Pub/Sub message, `<epoch>:<seq>:<payload>`, split; null when it is not one of ours. */
export function parseLiveMessage(message: string): { epoch: string; seq: number; payload: string } | null {
  const first = message.indexOf(':');
  const second = first < 0 ? -1 : message.indexOf(':', first + 1);
  if (second < 0) return null;
  const seq = Number(message.slice(first + 1, second));
  if (!Number.isSafeInteger(seq) || seq < 1) return null;
  return { epoch: message.slice(0, first), seq, payload: message.slice(second + 1) };
}

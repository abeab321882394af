/**
 * The broker behind a `Hub`: where a topic's events are ordered, numbered, kept for replay and fanned
 * out to every process that listens. The default keeps everything in this process
 * (`memory-broker.ts`); a remote one (Redis) implements the same contract, every step of which may
 * be asynchronous: a publish is acknowledged once the broker has the event, events reach listeners in
 * batches, and history is read from the broker. The Hub's API is the same whichever broker it has.
 */

/** One event of a topic, as every subscriber of that topic sees it, in the one order of the topic. */
export interface HubEvent {
  readonly topic: string;
  /** Given by the broker (or the publisher); the ids of a topic's events increase. */
  readonly id: string;
  /** The event's name for event streams (`event:`), and in a WebSocket envelope. */
  readonly event?: string;
  /** Text, or binary (for event streams, which carry text only, it is sent base64-encoded). */
  readonly data: string | Buffer;
  /** Event streams only: seconds the browser waits before reconnecting (`retry:`). */
  readonly retry?: number;
}

/** What a publisher hands the broker. */
export interface BrokerMessage {
  readonly data: string | Buffer;
  readonly event?: string;
  /** An id of the publisher's own instead of the broker's next one. */
  readonly id?: string;
  readonly retry?: number;
}

/** What a subscriber that comes back after `since` has missed. */
export interface HistoryResult {
  /** The kept events after `since`, oldest first. */
  readonly events: readonly HubEvent[];
  /** False when events after `since` are no longer kept (trimmed, expired, lost): the subscriber is told to reset. */
  readonly complete: boolean;
  /** The id of the topic's newest event ('' before the first), from which a reset subscriber resumes. */
  readonly latest: string;
}

/** Events of a topic that a broker lost (a remote broker that lost its data, or could no longer read them back). */
export interface LostEvents {
  /** The id to resume from: subscribers are told to reset to it before the batch that comes with it. */
  readonly resetTo: string;
}

/** Receives a topic's events, in order, one batch at a time; `lost` when events before the batch are gone. */
export type BrokerListener = (events: readonly HubEvent[], lost?: LostEvents) => void;

export interface Broker {
  /** Orders, numbers and keeps `message` on `topic`, then fans it out; resolves with its id once accepted, rejects when it was not. */
  publish(topic: string, message: BrokerMessage): Promise<string>;
  /**
   * From now on `listener` gets every event published on `topic`, in order (a remote broker may
   * deliver in batches); a returned promise resolves once that holds, and rejects when it cannot.
   */
  subscribe(topic: string, listener: BrokerListener): void | Promise<void>;
  unsubscribe(topic: string, listener: BrokerListener): void | Promise<void>;
  /** The kept events of `topic` after the one with id `since`. */
  history(topic: string, since: string): HistoryResult | Promise<HistoryResult>;
  close(): void | Promise<void>;
  /**
   * True when the event `id` comes at or before the event `last` of the same topic. With it the Hub
   * skips live events a returning subscriber already got from `history()`: a remote broker's live
   * feed in one process may lag behind the history it reads. Ids from different runs of the
   * numbering (another epoch) are never at or before each other.
   */
  notAfter?(id: string, last: string): boolean;
}

/**
 * One subscriber on one topic. It writes each event the way that subscriber takes it: the frame
 * made once for all on an open server WebSocket without extensions, the frame compressed once for
 * all on one whose only extension is permessage-deflate without server context takeover, its own
 * `send()` on a client (whose frames are masked one by one) or on a socket whose messages go
 * through other extensions, the block made once on an event stream. A slow subscriber is bounded by its session's `maxBuffered`,
 * which drops it, and never holds back the others. While the events a returning subscriber missed
 * are being read, live events wait behind them.
 */
import { EventSource, writeFrame } from '../event-source/event-source.js';
import { formatEvent } from '../event-source/event-format.js';
import { engineOf, type WebSocketSession } from '../websocket-session/websocket-session.js';
import type { SessionEngine } from '../websocket-session/session-engine.js';
import { ReadyState } from '../websocket-session/ready-state.js';
import type { HistoryResult } from './broker.js';
import { EventFrames, resetEnvelope } from './event-frames.js';

export type Subscriber = WebSocketSession | EventSource;

/** True when the event `id` comes at or before the event `last` in their topic (`Broker.notAfter`). */
export type NotAfter = (id: string, last: string) => boolean;

export class Subscription {
  /** Live events that came while the missed ones were read; null once the subscription is live. */
  private held: EventFrames[] | null = null;
  /**
   * After a replay, the newest id the subscriber has: live events up to it are ones it has (a
   * process's live feed can lag behind the read that answered it), and are skipped until one is newer.
   */
  private floor: string | null = null;
  /** A WebSocket subscriber's connection, looked up once rather than for every event; null for an event stream. */
  private readonly connection: SessionEngine | null;

  constructor(
    readonly subscriber: Subscriber,
    readonly topic: string,
    /** A WebSocket that gets each event as a JSON envelope (with its id). */
    private readonly envelope: boolean,
    /** The event an event stream is sent when what it missed is gone; null for none. */
    private readonly resetEvent: string | null,
    /** The broker's order of ids, when it has one. */
    private readonly notAfter: NotAfter | undefined,
  ) {
    this.connection = subscriber instanceof EventSource ? null : engineOf(subscriber);
  }

  /** Live events wait until `replay()`. */
  holdLive(): void {
    this.held = [];
  }

  deliver(frames: EventFrames): void {
    if (this.held !== null) this.held.push(frames);
    else if (!this.behindFloor(frames.event.id)) this.write(frames);
  }

  /** Writes what the subscriber missed (or the reset), then the live events held meanwhile, none twice. */
  replay(result: HistoryResult): void {
    const held = this.held ?? [];
    this.held = null;
    const replayed = new Set<string>();
    if (!result.complete) this.reset(result.latest);
    for (const event of result.complete ? result.events : []) {
      replayed.add(event.id);
      this.write(new EventFrames(event));
    }
    // Whatever the subscriber now has ends at `latest`, replayed or reset to.
    if (this.notAfter !== undefined && result.latest !== '') this.floor = result.latest;
    for (const frames of held) if (!replayed.has(frames.event.id) && !this.behindFloor(frames.event.id)) this.write(frames);
  }

  private behindFloor(id: string): boolean {
    if (this.floor === null) return false;
    if (this.notAfter!(id, this.floor)) return true;
    // Live events come in order: from the first newer one on, none is behind.
    this.floor = null;
    return false;
  }

  private write(frames: EventFrames): void {
    const { subscriber, connection } = this;
    if (connection === null) {
      const block = frames.streamBlock;
      writeFrame(subscriber as EventSource, block, block.length);
      return;
    }
    if (connection.readyState === ReadyState.OPEN) {
      if (connection.takesPrepared) return void connection.sendPrepared(this.envelope ? frames.envelopeFrame : frames.dataFrame);
      // permessage-deflate without context takeover: one compression for every session alike.
      const compressor = connection.sharedCompressor;
      if (compressor !== null) return void connection.sendPrepared(frames.deflatedFrame(compressor, this.envelope));
    }
    // A text-only session (a legacy draft) cannot carry a binary event as it is; in an envelope it travels as base64.
    if (!this.envelope && !connection.carriesBinary && typeof frames.event.data !== 'string') return;
    // Before open the send is queued, and goes out first once the socket opens.
    (subscriber as WebSocketSession).send(this.envelope ? frames.envelopeText : frames.event.data);
  }

  /** Tells the subscriber that events before `latest` are gone (an event stream resumes from `latest`). */
  reset(latest: string): void {
    const subscriber = this.subscriber;
    if (subscriber instanceof EventSource) {
      // The reset carries the newest id, so that the client's next reconnect resumes from now.
      if (this.resetEvent !== null) writeFrame(subscriber, formatEvent('', { event: this.resetEvent, id: latest }));
    } else if (this.envelope) {
      subscriber.send(resetEnvelope(this.topic, latest));
    }
  }
}

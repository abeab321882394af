/**
 * One compression of a message for many permessage-deflate sessions. A server session that
 * promised `server_no_context_takeover` compresses every message on its own (RFC 7692 §7.1.1.1):
 * its output depends only on the message and the compressor's settings, so every such session with
 * the same settings can be written the same compressed bytes. A published event is then deflated
 * once per setting, not once per subscriber; its frame is still written through each session's
 * outgoing queue, behind the messages it was sent before.
 */
import * as zlib from 'node:zlib';
import type { ExtensionSession } from './extension-plugin.js';

/** RFC 7692 §7.2.1: the 4 octets a sync flush ends with, removed on the wire. */
const TRAILER = Buffer.from([0x00, 0x00, 0xff, 0xff]);

export interface CompressorSettings {
  readonly windowBits: number;
  readonly level: number;
  readonly memLevel: number;
  readonly strategy: number;
  /** Messages shorter than this go uncompressed. */
  readonly threshold: number;
}

export class SharedCompressor {
  constructor(readonly settings: CompressorSettings) {}

  /** The message's compressed payload (RSV1 set on its frame), or null when it goes uncompressed. */
  compress(data: Buffer): Buffer | null {
    const { windowBits, level, memLevel, strategy, threshold } = this.settings;
    if (data.length < threshold) return null;
    // zlib refuses a raw window of 8 bits; 9 is what it uses for 8 anyway (madler/zlib#171).
    const out = zlib.deflateRawSync(data, { windowBits: Math.max(9, windowBits), level, memLevel, strategy, finishFlush: zlib.constants.Z_SYNC_FLUSH });
    return out.length >= 4 && out.subarray(out.length - 4).equals(TRAILER) ? out.subarray(0, out.length - 4) : out;
  }
}

/** One compressor per distinct settings, so that sessions alike find the same one. */
const bySettings = new Map<string, SharedCompressor>();
const bySession = new WeakMap<ExtensionSession, SharedCompressor>();

/** Marks `session` as one whose compressed messages are those of `settings`. */
export function shareCompression(session: ExtensionSession, settings: CompressorSettings): void {
  const key = `${settings.windowBits}/${settings.level}/${settings.memLevel}/${settings.strategy}/${settings.threshold}`;
  let compressor = bySettings.get(key);
  if (compressor === undefined) bySettings.set(key, (compressor = new SharedCompressor(settings)));
  bySession.set(session, compressor);
}

/** The shared compressor of a session's only extension, when it has one. */
export function sharedCompressorOf(sessions: readonly ExtensionSession[]): SharedCompressor | null {
  return sessions.length === 1 ? (bySession.get(sessions[0]!) ?? null) : null;
}

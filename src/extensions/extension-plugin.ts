/**
 * The extension plugin contract of `websocket-extensions` (the faye family), which hatchway's
 * own `permessageDeflate()` follows too, so that existing plugins work unchanged.
 */
import type { ExtensionParams } from './extension-header.js';

/** A data message as extensions see it; the RSV bits are those of its first frame. */
export interface ExtensionMessage {
  rsv1: boolean;
  rsv2: boolean;
  rsv3: boolean;
  opcode: number;
  data: Buffer;
}

export type MessageCallback = (error: Error | null, message?: ExtensionMessage) => void;

export interface ExtensionSession {
  processIncomingMessage(message: ExtensionMessage, callback: MessageCallback): void;
  processOutgoingMessage(message: ExtensionMessage, callback: MessageCallback): void;
  close(): void;
}

export interface ClientExtensionSession extends ExtensionSession {
  generateOffer(): ExtensionParams | ExtensionParams[] | null | undefined;
  /** Must return exactly `true` to accept the server's response. */
  activate(params: ExtensionParams): boolean;
}

export interface ServerExtensionSession extends ExtensionSession {
  generateResponse(): ExtensionParams;
}

/** What hatchway passes to sessions: the limit that inflation must respect. */
export interface ExtensionContext {
  maxLength: number;
}

export interface ExtensionPlugin {
  name: string;
  type: 'permessage';
  rsv1: boolean;
  rsv2: boolean;
  rsv3: boolean;
  createClientSession(context?: ExtensionContext): ClientExtensionSession | null | undefined | false;
  createServerSession(offers: ExtensionParams[], context?: ExtensionContext): ServerExtensionSession | null | undefined | false;
}

export { WebSocket, type WebSocketOptions } from './server/websocket.js';
export { Client, type ClientOptions } from './client/client.js';
export { ProxyError, type ProxyOptions } from './client/proxy.js';
export type { ClientTlsOptions, ClientNetOptions } from './client/transport.js';
export {
  WebSocketSession,
  ReadyState,
  type SessionOptions,
  type BinaryType,
  type Role,
} from './websocket-session/websocket-session.js';
export {
  WebSocketEvent,
  MessageEvent,
  CloseEvent,
  ErrorEvent,
  ControlEvent,
  type MessageData,
  type WebSocketEventMap,
} from './websocket-session/events.js';
export {
  HatchwayError,
  ProtocolError,
  HandshakeError,
  ConnectionError,
  ArgumentError,
  CloseArgumentError,
  ErrorCode,
} from './errors.js';
export { createWebSocketStream, type WebSocketStreamOptions } from './websocket-session/websocket-stream.js';
export type { SendData } from './websocket-session/send-data.js';
export type { OriginPolicy, UpgradeRequest } from './handshake/server-handshake.js';
export type { HeaderValues } from './handshake/custom-headers.js';
export { CloseCode, FailureCode } from './ws-frame-parser/index.js';
export { permessageDeflate, type PermessageDeflateOptions } from './extensions/permessage-deflate.js';
export { setZlibConcurrency } from './extensions/zlib-limiter.js';
export type {
  ExtensionPlugin,
  ExtensionMessage,
  ExtensionSession,
  ClientExtensionSession,
  ServerExtensionSession,
} from './extensions/extension-plugin.js';
export type { ExtensionParams } from './extensions/extension-header.js';
export { ExtensionError } from './errors.js';
export {
  EventSource,
  EventSourceState,
  type EventSourceOptions,
  type EventFields,
  type EventSourceRequest,
  type EventSourceResponse,
} from './event-source/event-source.js';
export { EventSourceClient, type EventSourceClientOptions } from './event-source-client/event-source-client.js';
export { EventSourceMessageEvent, type EventSourceClientEventMap } from './event-source-client/events.js';
export { EventSourceCloseEvent, type EventSourceCloseReason, type EventSourceEventMap } from './event-source/events.js';
export { Channel, type ChannelOptions, type ReplayResult } from './event-source/channel.js';
export { Hub, type HubOptions, type SubscribeOptions, type PublishFields } from './hub/hub.js';
export { MemoryBroker, type MemoryBrokerOptions } from './hub/memory-broker.js';
export type { Broker, BrokerMessage, BrokerListener, HistoryResult, HubEvent } from './hub/broker.js';
export type {
  WebSocketOpenMessage,
  WebSocketCloseMessage,
  WebSocketErrorMessage,
  EventSourceOpenMessage,
  EventSourceCloseMessage,
  HubPublishMessage,
} from './observability/diagnostics.js';

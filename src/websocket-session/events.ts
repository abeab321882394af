/**
 * Event objects handed to listeners, shaped like the browser's (WHATWG WebSocket §events)
 * so that code written for `addEventListener` and for `on()` reads the same.
 */
export type MessageData = string | Buffer | ArrayBuffer;

export class WebSocketEvent<T extends string = string> {
  constructor(
    readonly type: T,
    readonly target: unknown,
  ) {}
}

export class MessageEvent extends WebSocketEvent<'message'> {
  constructor(
    target: unknown,
    readonly data: MessageData,
  ) {
    super('message', target);
  }
}

export class CloseEvent extends WebSocketEvent<'close'> {
  constructor(
    target: unknown,
    readonly code: number,
    readonly reason: string,
    readonly wasClean: boolean,
  ) {
    super('close', target);
  }
}

export class ErrorEvent extends WebSocketEvent<'error'> {
  readonly message: string;
  constructor(
    target: unknown,
    readonly error: Error,
  ) {
    super('error', target);
    this.message = error.message;
  }
}

/** `ping` and `pong`: `data` is the control frame's payload. */
export class ControlEvent<T extends 'ping' | 'pong'> extends WebSocketEvent<T> {
  constructor(
    type: T,
    target: unknown,
    readonly data: Buffer,
  ) {
    super(type, target);
  }
}

export interface WebSocketEventMap {
  open: WebSocketEvent<'open'>;
  message: MessageEvent;
  error: ErrorEvent;
  close: CloseEvent;
  ping: ControlEvent<'ping'>;
  pong: ControlEvent<'pong'>;
  drain: WebSocketEvent<'drain'>;
}

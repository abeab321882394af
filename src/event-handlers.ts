/**
 * Browser-style listener forms on top of Node's EventEmitter: `onmessage = fn` and
 * `addEventListener(type, fn, { once })`, sharing one listener list with `on()` so that
 * listeners run in the order they were added, whatever form added them.
 */
import { EventEmitter } from 'node:events';

type Listener = (event: never) => void;
type ListenerObject = { handleEvent(event: never): void };

const kHandlers = Symbol('handlers');
const kWrapped = Symbol('wrapped');

interface Wrapped {
  (event: unknown): void;
  [kWrapped]?: Listener | ListenerObject;
}

let getHandlerOf: (target: EventHandlers, type: string) => Listener | null;
let setHandlerOf: (target: EventHandlers, type: string, handler: Listener | null) => void;

/** The listener set through an `on<type>` property, or null. */
export function getHandler(target: EventHandlers, type: string): Listener | null {
  return getHandlerOf(target, type);
}

/** Sets (or, with null, removes) the `on<type>` listener, keeping its place among the others. */
export function setHandler(target: EventHandlers, type: string, handler: Listener | null): void {
  setHandlerOf(target, type, handler);
}

/**
 * Gives a class's prototype the `on<type>` property of each of `types` (a getter and setter over
 * the handler table); the class declares their types in its interface.
 */
export function defineHandlerProperties(prototype: EventHandlers, types: readonly string[]): void {
  for (const type of types) {
    Object.defineProperty(prototype, `on${type}`, {
      get(this: EventHandlers) {
        return getHandler(this, type);
      },
      set(this: EventHandlers, handler: Listener | null) {
        setHandler(this, type, handler);
      },
      enumerable: true,
      configurable: true,
    });
  }
}

/**
 * The table EventEmitter keeps its listeners in (`_events`). Node makes it `{ __proto__: null }`,
 * an object literal that V8 keeps in dictionary mode (hash table, ~340 B per idle connection
 * more); an instance of a class whose prototype is null has no inherited keys either, and stays a
 * fast object while its few event types are added.
 */
const ListenerTable = function ListenerTable() {} as unknown as new () => object;
ListenerTable.prototype = Object.create(null) as object;

export class EventHandlers extends EventEmitter {
  private [kHandlers]: Map<string, Wrapped> | undefined;

  constructor() {
    super();
    (this as unknown as { _events: object })._events = new ListenerTable();
  }

  static {
    // The `on*` properties of the subclasses reach the handler table through these, unpublished.
    getHandlerOf = (target, type) => (target[kHandlers]?.get(type)?.[kWrapped] as Listener | undefined) ?? null;
    setHandlerOf = (target, type, handler) => target.#setHandler(type, handler);
  }

  #setHandler(type: string, handler: Listener | null): void {
    const handlers = (this[kHandlers] ??= new Map());
    const previous = handlers.get(type);
    if (previous !== undefined) {
      this.removeListener(type, previous);
      handlers.delete(type);
    }
    if (typeof handler !== 'function') return;
    const wrapped: Wrapped = (event) => (handler as (event: unknown) => void).call(this, event);
    wrapped[kWrapped] = handler;
    handlers.set(type, wrapped);
    this.on(type, wrapped);
  }

  addEventListener(type: string, listener: Listener | ListenerObject, options?: { once?: boolean } | boolean): void {
    // As in the DOM, adding the same listener twice is a no-op.
    if (this.findAdded(type, listener) !== undefined) return;
    const wrapped: Wrapped =
      typeof listener === 'function'
        ? (event) => (listener as (event: unknown) => void).call(this, event)
        : (event) => (listener as { handleEvent(event: unknown): void }).handleEvent(event);
    wrapped[kWrapped] = listener;
    if (typeof options === 'object' && options.once === true) this.once(type, wrapped);
    else this.on(type, wrapped);
  }

  removeEventListener(type: string, listener: Listener | ListenerObject): void {
    const found = this.findAdded(type, listener);
    if (found !== undefined) this.removeListener(type, found);
  }

  /** The raw listener (possibly a `once` wrapper) that `addEventListener` registered for `listener`. */
  private findAdded(type: string, listener: Listener | ListenerObject): ((event: unknown) => void) | undefined {
    const handler = this[kHandlers]?.get(type);
    for (const raw of this.rawListeners(type) as Array<Wrapped & { listener?: Wrapped }>) {
      const inner = raw.listener ?? raw;
      if (inner !== handler && inner[kWrapped] === listener) return raw;
    }
    return undefined;
  }
}

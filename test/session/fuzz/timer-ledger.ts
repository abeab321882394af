/**
 * Every timer created while a session runs, and whether it is still live, by standing in for
 * `setTimeout`/`setInterval`/`clearTimeout`/`clearInterval` on the global object for the
 * duration of one run.
 *
 * Why not `process.getActiveResourcesInfo()`: it lists only timers that keep the event loop alive,
 * and the session `unref()`s all of its own (the closing timer, the keep-alive interval), so a
 * forgotten one would not show there. The ledger sees them all: after the close event, a timeout
 * must have fired or been cleared, an interval must have been cleared.
 *
 * Two modes. 'virtual': timers never fire on their own; the harness fires the earliest one when it
 * decides time passes (once the scenario's steps are over), so the outcome does not depend on how
 * fast the machine runs the steps. 'real': timers run as usual and are only recorded.
 */

export interface LedgerTimer {
  kind: 'timeout' | 'interval';
  delayMs: number;
  state: 'live' | 'fired' | 'cleared';
  /** Virtual mode: when it is due, on the ledger's own clock. */
  dueAt: number;
  run: () => void;
}

type TimerGlobals = Pick<typeof globalThis, 'setTimeout' | 'setInterval' | 'clearTimeout' | 'clearInterval'>;

export class TimerLedger {
  readonly timers: LedgerTimer[] = [];
  private readonly saved: TimerGlobals;
  private readonly byHandle = new Map<unknown, LedgerTimer>();
  private now = 0;
  private installed = true;

  private constructor(private readonly mode: 'virtual' | 'real') {
    const g = globalThis as TimerGlobals;
    this.saved = { setTimeout: g.setTimeout, setInterval: g.setInterval, clearTimeout: g.clearTimeout, clearInterval: g.clearInterval };
    const create = (kind: LedgerTimer['kind']) =>
      ((callback: (...args: unknown[]) => void, delay?: number, ...args: unknown[]) =>
        this.create(kind, () => callback(...args), delay ?? 0)) as unknown;
    const clear = ((handle: unknown) => this.clear(handle)) as unknown;
    g.setTimeout = create('timeout') as typeof setTimeout;
    g.setInterval = create('interval') as typeof setInterval;
    g.clearTimeout = clear as typeof clearTimeout;
    g.clearInterval = clear as typeof clearInterval;
  }

  static install(mode: 'virtual' | 'real'): TimerLedger {
    return new TimerLedger(mode);
  }

  /** Puts the real timer functions back; safe to call twice. */
  uninstall(): void {
    if (!this.installed) return;
    this.installed = false;
    Object.assign(globalThis, this.saved);
  }

  live(): LedgerTimer[] {
    return this.timers.filter((timer) => timer.state === 'live');
  }

  /** Virtual mode: lets time pass up to the earliest live timer and runs it. False when none is left. */
  fireNext(): boolean {
    const next = this.live().sort((a, b) => a.dueAt - b.dueAt)[0];
    if (next === undefined) return false;
    this.now = Math.max(this.now, next.dueAt);
    if (next.kind === 'timeout') next.state = 'fired';
    else next.dueAt = this.now + Math.max(1, next.delayMs);
    next.run();
    return true;
  }

  private create(kind: LedgerTimer['kind'], run: () => void, delayMs: number): unknown {
    const timer: LedgerTimer = { kind, delayMs, state: 'live', dueAt: this.now + delayMs, run };
    this.timers.push(timer);
    let handle: unknown;
    if (this.mode === 'real') {
      const fire = (): void => {
        if (kind === 'timeout') timer.state = 'fired';
        run();
      };
      handle = kind === 'timeout' ? this.saved.setTimeout(fire, delayMs) : this.saved.setInterval(fire, delayMs);
    } else {
      handle = virtualHandle(() => this.clear(handle));
    }
    this.byHandle.set(handle, timer);
    return handle;
  }

  private clear(handle: unknown): void {
    const timer = this.byHandle.get(handle);
    if (timer === undefined) {
      // Not one of ours (made before the ledger was installed): the real function deals with it.
      this.saved.clearTimeout(handle as NodeJS.Timeout);
      return;
    }
    if (timer.state === 'live') timer.state = 'cleared';
    if (this.mode === 'real') this.saved.clearTimeout(handle as NodeJS.Timeout);
  }
}

/** What `NodeJS.Timeout` offers, for a timer that only the ledger runs. */
function virtualHandle(close: () => void): object {
  const handle = {
    ref: () => handle,
    unref: () => handle,
    hasRef: () => false,
    refresh: () => handle,
    close: () => {
      close();
      return handle;
    },
    [Symbol.toPrimitive]: () => 0,
  };
  return handle;
}

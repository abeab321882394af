/**
 * Catches uncaught exceptions and unhandled rejections while one fuzzed session runs, so that a
 * run which lets one escape fails as that run (and fast-check can shrink it) instead of surfacing
 * later as an error of the whole test file.
 *
 * Jest runs a test file in a VM context whose `process` is a copy: listeners added to it never
 * hear the real process's 'uncaughtException'. `runInThisContext('process')` evaluates in Node's
 * main context, which gives the real one. Jest keeps its own listeners and still reports the error
 * too; ours only makes sure the property sees it.
 */
import { runInThisContext } from 'node:vm';

const realProcess = runInThisContext('process') as NodeJS.Process;

export class ProcessGuards {
  readonly escaped: unknown[] = [];
  private readonly onError = (error: unknown): void => {
    this.escaped.push(error);
  };

  static install(): ProcessGuards {
    const guards = new ProcessGuards();
    realProcess.on('uncaughtException', guards.onError);
    realProcess.on('unhandledRejection', guards.onError);
    return guards;
  }

  uninstall(): void {
    realProcess.off('uncaughtException', this.onError);
    realProcess.off('unhandledRejection', this.onError);
  }
}

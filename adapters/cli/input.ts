/**
 * Lines from stdin for `hatchway connect`: with a terminal, an interactive `> ` prompt (node:readline)
 * that incoming messages are printed above; otherwise plain lines, scriptable, with no prompt.
 * Ctrl-C (SIGINT, or the terminal's ^C) and SIGTERM call `onInterrupt`; end of input calls `onEnd`.
 */
import * as readline from 'node:readline';

export interface InputHandlers {
  onLine(line: string): void;
  onEnd(): void;
  onInterrupt(): void;
}

export interface Input {
  readonly interactive: boolean;
  /** Shows the prompt (interactive only). */
  start(): void;
  /** Prints a line on stdout, above the prompt when there is one. */
  print(line: string): void;
  /** Stops reading stdin and waits for no more lines (also before a status line). */
  stop(): void;
  /** Stops reading stdin until `target` emits `event` (such as a socket's `drain`). */
  pauseUntil(target: { once(event: 'drain', listener: () => void): unknown }, event: 'drain'): void;
}

export function openInput(handlers: InputHandlers): Input {
  const interactive = process.stdin.isTTY === true;
  // The prompt goes where the terminal is: stdout, or stderr when stdout is redirected to a file or pipe.
  const output = interactive ? (process.stdout.isTTY === true ? process.stdout : process.stderr) : undefined;
  const rl = readline.createInterface({ input: process.stdin, output, terminal: interactive, prompt: '> ' });
  let started = false;
  let stopped = false;
  let paused = false;
  rl.on('line', (line) => {
    if (!stopped) handlers.onLine(line);
  });
  rl.on('close', () => {
    if (!stopped) handlers.onEnd();
  });
  const interrupt = (): void => {
    if (!stopped) handlers.onInterrupt();
    else process.exit(130);
  };
  rl.on('SIGINT', interrupt);
  process.on('SIGINT', interrupt);
  process.on('SIGTERM', interrupt);
  return {
    interactive,
    start() {
      started = true;
      if (interactive && !stopped) rl.prompt();
    },
    print(line) {
      if (interactive && started && !stopped && output !== undefined) {
        readline.clearLine(output, 0);
        readline.cursorTo(output, 0);
        process.stdout.write(`${line}\n`);
        rl.prompt(true);
      } else {
        process.stdout.write(`${line}\n`);
      }
    },
    stop() {
      if (stopped) return;
      stopped = true;
      if (interactive && started && output !== undefined) {
        readline.clearLine(output, 0);
        readline.cursorTo(output, 0);
      }
      rl.close();
      process.stdin.destroy();
    },
    pauseUntil(target, event) {
      if (paused) return;
      paused = true;
      rl.pause();
      target.once(event, () => {
        paused = false;
        rl.resume();
      });
    },
  };
}

/**
 * Runs the built `hatchway` command (`dist/cjs/adapters/cli/main.js`, from the build `npm test`
 * makes first) as a child process: to completion with some stdin (`run`), or in the background
 * with its output watched (`start`). Every child is killed at cleanup (`closeAll` of the client
 * test helpers), and every wait is bounded.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { PROXY_VARIABLES, WAIT_MS, onCleanup, within } from '../client/helpers.js';

export const MAIN = path.resolve(__dirname, '../../dist/cjs/adapters/cli/main.js');

/** The environment of the children: no proxy variables of this machine. */
export function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = { ...process.env, ...extra };
  for (const name of PROXY_VARIABLES) if (!(name in extra)) delete env[name];
  return env;
}

export interface Running {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves once the output of `stream` matches `pattern`, with the match. */
  waitFor(stream: 'stdout' | 'stderr', pattern: RegExp, what?: string): Promise<RegExpMatchArray>;
  /** Resolves with the exit status (a signal name if killed by one). */
  readonly exited: Promise<number | string>;
}

/** Starts `command args` (by default `node main.js args`) and kills it at cleanup if it is still running. */
export function start(args: string[], options: { env?: NodeJS.ProcessEnv; command?: string } = {}): Running {
  const command = options.command ?? process.execPath;
  const argv = options.command === undefined ? [MAIN, ...args] : args;
  const child = spawn(command, argv, { env: options.env ?? childEnv(), stdio: ['pipe', 'pipe', 'pipe'] });
  const out = { stdout: '', stderr: '' };
  const waiters: Array<() => void> = [];
  for (const stream of ['stdout', 'stderr'] as const) {
    child[stream]!.setEncoding('utf8');
    child[stream]!.on('data', (chunk: string) => {
      out[stream] += chunk;
      for (const wake of waiters.splice(0)) wake();
    });
  }
  child.stdin!.on('error', () => undefined);
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  onCleanup(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  });
  return {
    child,
    stdout: () => out.stdout,
    stderr: () => out.stderr,
    exited,
    waitFor(stream, pattern, what = `${pattern} on ${stream}`) {
      return within(
        new Promise<RegExpMatchArray>((resolve) => {
          const check = (): void => {
            const match = out[stream].match(pattern);
            if (match !== null) resolve(match);
            else waiters.push(check);
          };
          check();
        }),
        `${what} (stdout: ${JSON.stringify(out.stdout)}, stderr: ${JSON.stringify(out.stderr)})`,
      );
    },
  };
}

export interface Result {
  code: number | string;
  stdout: string;
  stderr: string;
}

/** Runs the command with `input` on stdin (then end of input) and resolves once it has exited. */
export async function run(args: string[], input = '', options: { env?: NodeJS.ProcessEnv; ms?: number } = {}): Promise<Result> {
  const running = start(args, options);
  running.child.stdin!.end(input);
  const code = await within(running.exited, `hatchway ${args.join(' ')} to exit (stderr: ${JSON.stringify(running.stderr())})`, options.ms ?? WAIT_MS);
  return { code, stdout: running.stdout(), stderr: running.stderr() };
}

/** Starts `hatchway listen --port 0 ...args` and resolves with it and its port once it listens. */
export async function startListen(args: string[] = []): Promise<Running & { port: number }> {
  const running = start(['listen', '--port', '0', ...args]);
  const match = await running.waitFor('stderr', /listening on ws:\/\/127\.0\.0\.1:(\d+)\//, 'the listening line');
  return { ...running, port: Number(match[1]) };
}

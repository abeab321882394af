/**
 * Starts `flood-server.cjs` in a child process and reads its RSS and counters over IPC, so that
 * a test can bound what a peer makes the server hold without measuring the test runner itself.
 */
import { fork, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import * as readline from 'node:readline';

export interface ServerSample {
  rss: number;
  messages: number;
  pings: number;
  errors: string[];
  closes: number[];
}

export interface ChildServer {
  port: number;
  sample(): Promise<ServerSample>;
  /** With `{ hub: true }`: publishes `count` events of `size` bytes to every subscriber; resolves with those left. */
  publish(count: number, size: number): Promise<{ subscribers: number }>;
  stop(): void;
}

export async function startChildServer(options: Record<string, unknown> = {}): Promise<ChildServer> {
  const child: ChildProcess = fork(path.join(__dirname, 'flood-server.cjs'), [JSON.stringify(options)], {
    execArgv: ['--expose-gc'],
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  });
  const lines = readline.createInterface({ input: child.stdout! });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the flood server exited (${code}) before listening`)));
    lines.once('line', (line) => resolve((JSON.parse(line) as { port: number }).port));
  });
  /** One request to the child and its answer; the exit listener goes with the answer (samples are many). */
  const ask = <T>(request: unknown): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const exited = (): void => reject(new Error('the flood server exited'));
      child.once('exit', exited);
      child.once('message', (message) => {
        child.off('exit', exited);
        resolve(message as T);
      });
      child.send(request as string);
    });
  return {
    port,
    sample: () => ask<ServerSample>('rss'),
    publish: (count, size) => ask<{ subscribers: number }>({ publish: count, size }),
    stop: () => {
      lines.close();
      child.kill('SIGKILL');
    },
  };
}

/**
 * `hatchway connect` with a terminal on stdin: run under a pseudo-terminal by util-linux
 * `script -qfec CMD /dev/null`, which copies our pipe to the terminal and the terminal to its
 * stdout and passes on the exit status. Skipped, saying so, where `script` is missing.
 */
import { execFileSync } from 'node:child_process';
import { closeAll, within } from '../client/helpers.js';
import { MAIN, start, startListen } from './cli-helpers.js';

afterEach(closeAll);

function hasScript(): boolean {
  try {
    execFileSync('script', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const withTerminal = hasScript() ? test : test.skip;
if (!hasScript()) console.warn('test/cli/interactive: util-linux `script` is not installed; the interactive tests are skipped');

function underTerminal(args: string[]): ReturnType<typeof start> {
  const command = [process.execPath, MAIN, ...args].map((word) => `'${word}'`).join(' ');
  return start(['-qfec', command, '/dev/null'], { command: 'script' });
}

withTerminal('a terminal gets a "> " prompt, replies printed above it, and Ctrl-D closes cleanly (exit 0)', async () => {
  const echo = await startListen();
  const session = underTerminal(['connect', `ws://127.0.0.1:${echo.port}/`]);
  await session.waitFor('stdout', /connected to ws:\/\/127\.0\.0\.1:\d+\/\r\n[^]*> /, 'the prompt');
  session.child.stdin!.write('hello\r');
  await echo.waitFor('stdout', /^hello\n/);
  // The typed line is echoed by the terminal; the reply comes after it, on a cleared line, followed by a new prompt.
  await session.waitFor('stdout', /> [^]*hello\r\r?\n[^]*\x1b\[2K[^]*hello\r\n[^]*> /, 'the reply above a new prompt');
  session.child.stdin!.write('\x04');
  expect(await within(session.exited, 'the session to end')).toBe(0);
  expect(session.stdout()).toMatch(/closed 1000\r\n$/);
});

withTerminal('Ctrl-C in a terminal closes with 1000 and exits 0; a refused port still exits 1 with one line', async () => {
  const echo = await startListen();
  const session = underTerminal(['connect', `ws://127.0.0.1:${echo.port}/`]);
  await session.waitFor('stdout', /> /, 'the prompt');
  session.child.stdin!.write('\x03');
  expect(await within(session.exited, 'the session to end')).toBe(0);
  await echo.waitFor('stderr', /closed 1000/);
  const refused = underTerminal(['connect', 'ws://127.0.0.1:1/']);
  expect(await within(refused.exited, 'the failed session to end')).toBe(1);
  expect(refused.stdout()).toBe('hatchway: network error: ws://127.0.0.1:1/: connect ECONNREFUSED 127.0.0.1:1\r\n');
});

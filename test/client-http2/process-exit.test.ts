/**
 * Nothing of the HTTP/2 client holds the process once its WebSockets have closed: a child
 * process running the built package (as `npx hatchway connect` and applications do) exits by
 * itself after its clients closed, whether they shared a session that opened or a session that
 * refused them. A session left open would keep it running past the bound.
 */
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { closeAll, onCleanup, within } from '../client/helpers.js';
import { childEnv } from '../cli/cli-helpers.js';
import { startFixture } from './h2-fixture.js';

afterEach(closeAll);

function runChild(url: string, count: number): Promise<{ code: number | string; stdout: string }> {
  const child = spawn(process.execPath, [path.join(__dirname, 'exit-child.cjs'), url, String(count)], { env: childEnv(), stdio: ['ignore', 'pipe', 'inherit'] });
  let stdout = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  const exited = new Promise<{ code: number | string; stdout: string }>((resolve) => child.once('exit', (code, signal) => resolve({ code: code ?? signal ?? -1, stdout })));
  onCleanup(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  });
  return within(exited, 'the child process to exit by itself');
}

test('three clients sharing a session: the process exits once they have closed', async () => {
  const fixture = await startFixture();
  const result = await runChild(`${fixture.origin}/`, 3);
  expect(result).toEqual({ code: 0, stdout: 'close 1000\nclose 1000\nclose 1000\nall closed\n' });
  expect(fixture.connections()).toBe(1);
  await fixture.connectionsClosed(1);
});

test('clients refused by a server without extended CONNECT: the process exits too', async () => {
  const fixture = await startFixture({ extendedConnect: false });
  const result = await runChild(`${fixture.origin}/`, 2);
  expect(result).toEqual({ code: 0, stdout: 'error WS_ERR_HTTP2_NO_EXTENDED_CONNECT\nclose 1006\n'.repeat(2) + 'all closed\n' });
});

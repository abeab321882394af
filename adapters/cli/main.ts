#!/usr/bin/env node
/**
 * The `hatchway` command (`npx hatchway`): `connect`, `listen` and `sse`, each with `--help`. A
 * failure prints one line, `hatchway: <error>`, on stderr; the exit status is 0 for success, 1 for
 * a failure, 2 for a usage error (and 130 after a second Ctrl-C).
 */
import { CliError, exit, oneLine } from './common.js';
import { CONNECT_HELP, connect } from './connect.js';
import { LISTEN_HELP, listen } from './listen.js';
import { SSE_HELP, sse } from './sse.js';
import { MAIN_HELP } from './help.js';

const COMMANDS: Record<string, [(args: string[]) => Promise<number>, string]> = {
  connect: [connect, CONNECT_HELP],
  listen: [listen, LISTEN_HELP],
  sse: [sse, SSE_HELP],
};

async function main(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    const topic = name === 'help' && args[0] !== undefined ? COMMANDS[args[0]] : undefined;
    // Without a command the usage is an error: on stderr, exit status 2.
    (name === undefined ? process.stderr : process.stdout).write(topic?.[1] ?? MAIN_HELP);
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS[name];
  if (command === undefined) throw new CliError(`unknown command ${JSON.stringify(name)} (see hatchway --help)`, 2);
  return command[0](args);
}

// A reader that went away (`| head`) is not an error of ours.
process.stdout.on('error', (error: NodeJS.ErrnoException) => process.exit(error.code === 'EPIPE' ? 0 : 1));

main(process.argv.slice(2)).then(exit, (error: unknown) => {
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`hatchway: ${oneLine(message)}\n`);
  exit(error instanceof CliError ? error.status : 1);
});

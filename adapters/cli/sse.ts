/**
 * `hatchway sse <url>`: prints the data of each event of an event stream, one event per line (or as
 * JSON with `--json`), and reconnects as EventSource does, with `Last-Event-ID`. Built on the
 * library's `EventSourceClient`; a stream that fails for good (not 200 text/event-stream) exits 1.
 */
import { EventSourceClient, type EventSourceClientOptions, type EventSourceMessageEvent } from '../../src/index.js';
import { PEER_HELP, PEER_OPTIONS, CliError, oneLine, parse, peerOptions, status } from './common.js';

export const SSE_HELP = `Usage: hatchway sse [options] <url>

Reads the event stream at <url> (http: or https:) and prints the data of each event on stdout,
one per line (an event whose data has several lines prints them all). When the connection drops it
reconnects after the server's retry delay, sending Last-Event-ID; status lines go to stderr.
Ctrl-C stops it (exit 0); a response that is not a 200 event stream ends it with exit status 1.

Options:
  -e, --event TYPE            also print events of this type (repeatable; 'message' always)
      --json                  print each event as JSON: {"type","data","lastEventId"}
      --retry SECONDS         the wait before reconnecting until the stream sets one (default 3)
${PEER_HELP}
  -h, --help                  show this help
`;

const OPTIONS = {
  ...PEER_OPTIONS,
  event: { type: 'string', short: 'e', multiple: true },
  json: { type: 'boolean' },
  retry: { type: 'string' },
} as const;

export function sse(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, OPTIONS);
  if (values.help === true) {
    process.stdout.write(SSE_HELP);
    return Promise.resolve(0);
  }
  if (positionals.length !== 1) throw new CliError('sse takes one http: or https: URL (see hatchway sse --help)', 2);
  const retry = Number(values.retry ?? 3);
  if (!(retry >= 0 && Number.isFinite(retry))) throw new CliError(`--retry takes seconds >= 0, not ${JSON.stringify(values.retry)}`, 2);
  const options: EventSourceClientOptions = { ...peerOptions(values), retry };
  let source: EventSourceClient;
  try {
    source = new EventSourceClient(positionals[0]!, options);
  } catch (error) {
    throw new CliError(oneLine((error as Error).message), 2);
  }
  const quiet = values.quiet;
  return new Promise((resolve, reject) => {
    const print = (event: EventSourceMessageEvent): void => {
      const { type, data, lastEventId } = event;
      process.stdout.write(`${values.json === true ? JSON.stringify({ type, data, lastEventId }) : data}\n`);
    };
    source.onopen = () => {
      status(quiet, `connected to ${source.url}${source.lastEventId !== '' ? ` (Last-Event-ID ${source.lastEventId})` : ''}`);
    };
    source.onmessage = print;
    for (const type of new Set(values.event ?? [])) if (type !== 'message') source.addEventListener(type, print);
    source.onerror = (event) => {
      const cause = oneLine(event.error.message);
      // CONNECTING: the client waits and reconnects by itself; CLOSED: it gave up for good.
      if (source.readyState === source.CONNECTING) return status(quiet, `reconnecting (${cause})`);
      stop();
      reject(new CliError(cause));
    };
    const stop = (): void => {
      process.off('SIGINT', interrupt);
      process.off('SIGTERM', interrupt);
      source.close();
    };
    const interrupt = (): void => {
      stop();
      status(quiet, 'closed');
      resolve(0);
    };
    process.on('SIGINT', interrupt);
    process.on('SIGTERM', interrupt);
  });
}

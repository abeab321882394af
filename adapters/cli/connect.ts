/**
 * `hatchway connect <ws-url>`: each line of stdin goes out as a text message, each message comes out
 * on stdout on a line of its own (binary as hex or base64); status lines go to stderr. End of input
 * (after --wait seconds with no message) or Ctrl-C closes with 1000 and waits for the closing handshake: exit 0 after a clean close,
 * 1 with one line `hatchway: <error>` after a failure or another close code, 2 for a usage error.
 */
import { Client, ReadyState, permessageDeflate, type ClientOptions } from '../../src/index.js';
import { PEER_HELP, PEER_OPTIONS, CliError, binaryFormat, messageLine, oneLine, parse, peerOptions, status } from './common.js';
import { openInput } from './input.js';

export const CONNECT_HELP = `Usage: hatchway connect [options] <ws-url>

Opens a WebSocket to <ws-url> (ws:, wss:, or http:/https: for the same). Each line of stdin is sent
as a text message; each message received is printed on stdout, one per line (binary messages in hex
or base64). Status lines (connected, closed) go to stderr. With a terminal, it shows a '> ' prompt.
At the end of input (Ctrl-D), once no message has come for --wait seconds, or at Ctrl-C, it
closes with 1000 and waits for the server's close.

Options:
  -p, --protocol NAME         offer a subprotocol (repeatable, in order of preference)
      --deflate               offer permessage-deflate
      --http2                 connect over HTTP/2 (RFC 8441): ALPN h2 for wss:, h2c for ws:
  -b, --binary hex|base64     how binary messages are printed (default hex)
  -w, --wait SECONDS          after the end of input, wait for replies until none has come for
                              SECONDS, then close (default 0.5; 0 closes at once)
${PEER_HELP}
  -h, --help                  show this help

Exit status: 0 after a clean close (1000), 1 after a failure (no connection, refused handshake,
another close code), 2 for a usage error (such as a bad URL).
`;

const OPTIONS = {
  ...PEER_OPTIONS,
  protocol: { type: 'string', short: 'p', multiple: true },
  deflate: { type: 'boolean' },
  http2: { type: 'boolean' },
  binary: { type: 'string', short: 'b' },
  wait: { type: 'string', short: 'w' },
} as const;

export function connect(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, OPTIONS);
  if (values.help === true) {
    process.stdout.write(CONNECT_HELP);
    return Promise.resolve(0);
  }
  if (positionals.length !== 1) throw new CliError('connect takes one ws: or wss: URL (see hatchway connect --help)', 2);
  const format = binaryFormat(values.binary);
  const wait = Number(values.wait ?? 0.5);
  if (!(wait >= 0 && Number.isFinite(wait))) throw new CliError(`--wait takes seconds >= 0, not ${JSON.stringify(values.wait)}`, 2);
  const extensions = values.deflate === true ? [permessageDeflate()] : [];
  const options: ClientOptions = { ...peerOptions(values), extensions, http2: values.http2 === true };
  let ws: Client;
  try {
    ws = new Client(positionals[0]!, values.protocol ?? null, options);
  } catch (error) {
    throw new CliError(oneLine((error as Error).message), 2);
  }
  return session(ws, format, wait * 1000, values.quiet);
}

function session(ws: Client, format: 'hex' | 'base64', waitMs: number, quiet: boolean | undefined): Promise<number> {
  return new Promise((resolve, reject) => {
    let failure: string | null = null;
    let interrupted = 0;
    let lingering: NodeJS.Timeout | undefined;
    let ended = false;
    const whenOpen = (then: () => void): void => {
      if (ws.readyState === ReadyState.OPEN) then();
      else if (ws.readyState === ReadyState.CONNECTING) ws.once('open', then);
    };
    const closeWhenOpen = (): void => whenOpen(() => ws.close(1000));
    // Replies to the last lines may still be on their way: close once none has come for `waitMs`.
    const linger = (): void => {
      clearTimeout(lingering);
      lingering = setTimeout(() => ws.close(1000), waitMs);
    };
    const input = openInput({
      onLine(line) {
        // Lines read while connecting are queued; once open, a full socket pauses stdin until `drain`.
        if (!ws.send(line) && ws.readyState === ReadyState.OPEN) input.pauseUntil(ws, 'drain');
      },
      onEnd() {
        ended = true;
        whenOpen(linger);
      },
      onInterrupt() {
        // The first Ctrl-C closes politely; a second one drops the connection.
        if (++interrupted > 1 || ws.readyState === ReadyState.CONNECTING) ws.terminate();
        else closeWhenOpen();
      },
    });
    ws.on('open', () => {
      const agreed = [ws.protocol !== '' ? `protocol ${ws.protocol}` : '', ws.extensions !== '' ? `extensions ${ws.extensions}` : ''];
      status(quiet, `connected to ${ws.url}${agreed.filter(Boolean).map((a) => ` (${a})`).join('')}`);
      input.start();
    });
    ws.on('message', (event) => {
      input.print(messageLine(event.data as string | Buffer, format));
      if (ended && ws.readyState === ReadyState.OPEN) linger();
    });
    ws.on('error', (event) => {
      failure ??= oneLine(event.error.message);
    });
    ws.on('close', (event) => {
      clearTimeout(lingering);
      input.stop();
      const reason = event.reason !== '' ? ` ${event.reason}` : '';
      if (event.code !== 1006) status(quiet, `closed ${event.code}${reason}`);
      if (interrupted > 1) return resolve(130);
      if (failure !== null) return reject(new CliError(failure));
      if (event.wasClean && (event.code === 1000 || event.code === 1005)) return resolve(0);
      if (event.code === 1006) return reject(new CliError('the connection closed abnormally (1006)'));
      reject(new CliError(`the server closed the connection with ${event.code}${reason}`));
    });
  });
}

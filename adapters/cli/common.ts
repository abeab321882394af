/**
 * What the `hatchway` commands share: argument parsing with `node:util` `parseArgs` (an error is a
 * usage error), the one-line failure, the options that reach a server (headers, CA, no verify,
 * proxy), status lines on stderr, and how a message is printed (binary as hex or base64).
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { ClientOptions } from '../../src/index.js';

/** A failure the command reports as `hatchway: <message>` and exits with `status` (1, or 2 for usage). */
export class CliError extends Error {
  constructor(
    message: string,
    readonly status = 1,
  ) {
    super(message);
  }
}

export type Options = NonNullable<ParseArgsConfig['options']>;

const HELP = { help: { type: 'boolean', short: 'h' } } as const;
type Config<O extends Options> = { args: string[]; options: O & typeof HELP; allowPositionals: true; strict: true };
export type Parsed<O extends Options> = ReturnType<typeof parseArgs<Config<O>>>;

/** `parseArgs` with positionals, strict: an unknown option or a missing value is a usage error. */
export function parse<O extends Options>(args: string[], options: O): Parsed<O> {
  try {
    return parseArgs<Config<O>>({ args, options: { ...options, ...HELP }, allowPositionals: true, strict: true });
  } catch (error) {
    throw new CliError(oneLine((error as Error).message), 2);
  }
}

/** The options every command that connects to a server takes (`connect`, `sse`). */
export const PEER_OPTIONS = {
  header: { type: 'string', short: 'H', multiple: true },
  ca: { type: 'string' },
  insecure: { type: 'boolean', short: 'k' },
  proxy: { type: 'string' },
  quiet: { type: 'boolean', short: 'q' },
} as const satisfies Options;

export const PEER_HELP = `  -H, --header 'NAME: VALUE'  an extra request header (repeatable)
      --ca FILE               trust the PEM certificate(s) in FILE instead of the system's roots
  -k, --insecure              do not verify the server's TLS certificate
      --proxy URL             an HTTP CONNECT proxy (default: HTTPS_PROXY / HTTP_PROXY, minus NO_PROXY)
  -q, --quiet                 no status lines on stderr`;

interface PeerValues {
  header?: string[] | undefined;
  ca?: string | undefined;
  insecure?: boolean | undefined;
  proxy?: string | undefined;
}

/** `headers`, `tls` and `proxy`, as the WebSocket client (and the EventSource client) take them. */
export function peerOptions(values: PeerValues): Pick<ClientOptions, 'headers' | 'tls' | 'proxy'> {
  const headers: Record<string, string[]> = {};
  for (const line of values.header ?? []) {
    const colon = line.indexOf(':');
    if (colon <= 0) throw new CliError(`--header ${JSON.stringify(line)} is not 'NAME: VALUE'`, 2);
    const name = line.slice(0, colon).trim();
    // The same name in another case is the same header: its values are sent together.
    const key = Object.keys(headers).find((known) => known.toLowerCase() === name.toLowerCase()) ?? name;
    (headers[key] ??= []).push(line.slice(colon + 1).trim());
  }
  const tls = { ...(values.ca !== undefined ? { rootCertFile: values.ca } : {}), ...(values.insecure === true ? { verifyPeer: false } : {}) };
  return {
    ...(values.header !== undefined ? { headers } : {}),
    ...(Object.keys(tls).length > 0 ? { tls } : {}),
    ...(values.proxy !== undefined ? { proxy: { origin: values.proxy } } : {}),
  };
}

/** `--binary hex|base64`: how binary messages are printed. */
export function binaryFormat(value: string | undefined): 'hex' | 'base64' {
  if (value === undefined || value === 'hex' || value === 'base64') return value ?? 'hex';
  throw new CliError(`--binary must be hex or base64, not ${JSON.stringify(value)}`, 2);
}

/** A message as one line: text as is, binary in `format`. */
export function messageLine(data: string | Buffer | ArrayBuffer | Buffer[], format: 'hex' | 'base64'): string {
  if (typeof data === 'string') return data;
  const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
  return bytes.toString(format);
}

export function oneLine(text: string): string {
  return text.replace(/\s*[\r\n]+\s*/g, ' ').trim();
}

/** A status line on stderr (unless `--quiet`). */
export function status(quiet: boolean | undefined, text: string): void {
  if (quiet !== true) process.stderr.write(`${text}\n`);
}

/** Writes what is pending on stdout and stderr, then exits with `code`. */
export function exit(code: number): void {
  process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
}

/**
 * `hatchway listen`: a WebSocket echo server on every path (`--broadcast`: each message goes to every
 * open peer instead, the sender included), optionally with an event stream at `--sse PATH` fed by the
 * messages. Received messages are printed on stdout; status lines go to stderr. SIGINT/SIGTERM close
 * the peers with 1001 and the streams, then the process exits 0.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Channel, permessageDeflate, type WebSocket } from '../../src/index.js';
import { websocket } from '../../middleware/websocket.js';
import { createServer } from '../node.js';
import { CliError, binaryFormat, messageLine, parse, status } from './common.js';

export const LISTEN_HELP = `Usage: hatchway listen [options]

Runs a WebSocket echo server: every message received is sent back to its sender (or, with
--broadcast, to every open peer, the sender included) and printed on stdout, one per line. Status
lines go to stderr, the first being 'listening on ws://HOST:PORT/'. Ctrl-C (SIGINT) or SIGTERM
closes every peer with 1001 and exits 0.

Options:
      --port N                the port (default 8080; 0 picks a free one, see the status line)
      --host HOST             the address to listen on (default 127.0.0.1; 0.0.0.0 or :: for all)
      --broadcast             relay each message to every open peer instead of echoing it
      --sse PATH              also serve an event stream at PATH (GET): each message becomes an event
                              (binary ones as base64 with 'event: binary'); Last-Event-ID replays
      --protocol NAME         a subprotocol the server accepts (repeatable)
      --deflate               accept permessage-deflate
  -b, --binary hex|base64     how binary messages are printed (default hex)
  -q, --quiet                 no status lines on stderr
  -h, --help                  show this help
`;

const OPTIONS = {
  port: { type: 'string' },
  host: { type: 'string' },
  broadcast: { type: 'boolean' },
  sse: { type: 'string' },
  protocol: { type: 'string', multiple: true },
  deflate: { type: 'boolean' },
  binary: { type: 'string', short: 'b' },
  quiet: { type: 'boolean', short: 'q' },
} as const;

export function listen(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, OPTIONS);
  if (values.help === true) {
    process.stdout.write(LISTEN_HELP);
    return Promise.resolve(0);
  }
  if (positionals.length > 0) throw new CliError(`listen takes no arguments, got ${JSON.stringify(positionals[0])}`, 2);
  const port = Number(values.port ?? 8080);
  if (!/^\d+$/.test(values.port ?? '8080') || port > 65535) throw new CliError(`--port must be 0-65535, not ${JSON.stringify(values.port)}`, 2);
  const ssePath = values.sse;
  if (ssePath !== undefined && !ssePath.startsWith('/')) throw new CliError(`--sse takes a path such as /events, not ${JSON.stringify(ssePath)}`, 2);
  const format = binaryFormat(values.binary);
  const quiet = values.quiet;
  const peers = new Set<WebSocket>();
  const channel = new Channel({ history: 1000 });

  const onSocket = (ws: WebSocket, request: IncomingMessage): void => {
    const peer = `${request.socket.remoteAddress}:${request.socket.remotePort}`;
    ws.on('open', () => {
      peers.add(ws);
      status(quiet, `connection from ${peer} to ${request.url}${ws.protocol !== '' ? ` (protocol ${ws.protocol})` : ''}`);
    });
    ws.on('message', (event) => {
      const data = event.data as string | Buffer;
      process.stdout.write(`${messageLine(data, format)}\n`);
      for (const target of values.broadcast === true ? peers : [ws]) if (target.readyState === target.OPEN) target.send(data);
      if (typeof data === 'string') channel.send(data);
      else channel.send(data.toString('base64'), { event: 'binary' });
    });
    ws.on('error', () => undefined);
    ws.on('close', (event) => {
      peers.delete(ws);
      status(quiet, `${peer} closed ${event.code}${event.reason !== '' ? ` ${event.reason}` : ''}`);
    });
  };
  const extensions = values.deflate === true ? [permessageDeflate()] : [];
  const sockets = websocket(onSocket, { protocols: values.protocol ?? [], extensions });
  const app = (request: IncomingMessage, response: ServerResponse): void => {
    sockets(request, response, () => {
      const path = new URL(request.url ?? '/', 'http://host').pathname;
      if (ssePath !== undefined && path === ssePath && request.method === 'GET') return void channel.add(response.eventSource());
      response.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' });
      response.end(`Not found: this is a WebSocket server${ssePath !== undefined ? ` (event stream at ${ssePath})` : ''}\n`);
    });
  };
  const server = createServer(app, { shutdownTimeout: 2 });
  return new Promise((resolve, reject) => {
    server.once('error', (error) => reject(new CliError(error.message)));
    server.listen(port, values.host ?? '127.0.0.1', () => {
      const address = server.address() as { address: string; port: number; family: string };
      const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
      const stream = ssePath !== undefined ? ` (event stream at http://${host}:${address.port}${ssePath})` : '';
      status(quiet, `listening on ws://${host}:${address.port}/${stream}`);
    });
    let stopping = false;
    const stop = (): void => {
      if (stopping) process.exit(130);
      stopping = true;
      status(quiet, 'shutting down');
      channel.closeAll();
      server.close(() => resolve(0));
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

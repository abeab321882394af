/**
 * permessage-deflate between libraries on real loopback sockets: the `ws` client with
 * `perMessageDeflate` in several variants against hatchway's server with `permessageDeflate()`
 * in several variants, text and binary from 0 B to 1 MiB, every echo compared byte for byte,
 * and a relay in between reading the frame headers, so that RSV1 is seen on the wire exactly
 * where each side's rules say a message is compressed. Then faye's `permessage-deflate`
 * package, used unchanged as an `extensions` entry.
 */
import WS from 'ws';
import { permessageDeflate, type ExtensionPlugin, type PermessageDeflateOptions } from '../../src/index.js';
import { startEchoServer, type EchoServer } from '../helpers/echo-server.js';
import { binaryOf, textOf } from './payloads';
import { Sniffer } from './sniffer';

// faye's plugin, exactly as published (CommonJS, no types).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const fayeDeflate = require('permessage-deflate') as ExtensionPlugin & { configure(options: Record<string, unknown>): ExtensionPlugin };

type WsDeflate = NonNullable<WS.ClientOptions['perMessageDeflate']>;
type Message = string | Buffer;

const KIB = 1024;
const SIZES = [0, 1, 125, 126, 1023, 1024, 1025, 65535, 65536, 1024 * KIB];

/** Text and binary of every size, interleaved. */
function messageSet(): Message[] {
  return SIZES.flatMap((size, i) => [textOf(size, i + 1), binaryOf(size, i + 100)]);
}

function byteLength(message: Message): number {
  return typeof message === 'string' ? Buffer.byteLength(message) : message.length;
}

interface Session {
  client: WS;
  sniffer: Sniffer;
  server: EchoServer;
}

const open: Session[] = [];

afterEach(async () => {
  for (const { client, sniffer, server } of open.splice(0)) {
    client.terminate();
    await sniffer.close();
    await server.close();
  }
});

async function connect(extensions: readonly ExtensionPlugin[], perMessageDeflate: WsDeflate): Promise<Session> {
  const server = await startEchoServer({ extensions });
  const sniffer = await Sniffer.start(server.port);
  const client = new WS(sniffer.url, { perMessageDeflate });
  const session = { client, sniffer, server };
  open.push(session);
  await new Promise<void>((resolve, reject) => {
    client.once('open', () => resolve());
    client.once('error', reject);
  });
  return session;
}

/** Sends every message at once and collects the echoes, in order. */
function echoAll(client: WS, messages: readonly Message[]): Promise<Message[]> {
  return new Promise((resolve, reject) => {
    const got: Message[] = [];
    const onMessage = (data: WS.RawData, isBinary: boolean): void => {
      const buffer = data as Buffer;
      got.push(isBinary ? buffer : buffer.toString('utf8'));
      if (got.length === messages.length) {
        client.off('message', onMessage);
        resolve(got);
      }
    };
    client.on('message', onMessage);
    client.once('close', (code) => reject(new Error(`closed with ${code} after ${got.length} echoes`)));
    for (const message of messages) client.send(message);
  });
}

async function closeCleanly(client: WS): Promise<void> {
  const closed = new Promise<[number, boolean]>((resolve) => client.once('close', (code) => resolve([code, true])));
  client.close(1000);
  expect(await closed).toEqual([1000, true]);
}

/** RSV bits of the data messages each way, as seen on the wire. */
function wireRsv(sniffer: Sniffer): { up: number[]; down: number[] } {
  const [connection] = sniffer.connections;
  return { up: connection!.up.messages().map((m) => m.rsv), down: connection!.down.messages().map((m) => m.rsv) };
}

function compressedIf(messages: readonly Message[], rule: (size: number) => boolean): number[] {
  return messages.map((m) => (rule(byteLength(m)) ? 4 : 0));
}

interface WsVariant {
  name: string;
  options: WsDeflate;
  /** ws compresses everything unless its own no-context-takeover is agreed; then only from `threshold` up. */
  threshold: number;
  offersClientNoContext: boolean;
}

const wsVariants: WsVariant[] = [
  { name: 'default (true)', options: true, threshold: 1024, offersClientNoContext: false },
  { name: 'serverNoContextTakeover', options: { serverNoContextTakeover: true }, threshold: 1024, offersClientNoContext: false },
  { name: 'clientNoContextTakeover', options: { clientNoContextTakeover: true }, threshold: 1024, offersClientNoContext: true },
  { name: 'serverMaxWindowBits: 10', options: { serverMaxWindowBits: 10 }, threshold: 1024, offersClientNoContext: false },
  { name: 'clientMaxWindowBits: 9', options: { clientMaxWindowBits: 9 }, threshold: 1024, offersClientNoContext: false },
  { name: 'threshold: 0', options: { threshold: 0 }, threshold: 0, offersClientNoContext: false },
];

interface ServerVariant {
  name: string;
  options: PermessageDeflateOptions;
  /** Responses to each ws variant's offer, in wsVariants order. */
  responses: string[];
}

const P = 'permessage-deflate';
const defaultResponses = [
  P,
  `${P}; server_no_context_takeover`,
  `${P}; client_no_context_takeover`,
  `${P}; server_max_window_bits=10`,
  `${P}; client_max_window_bits=9`,
  P,
];
const bothNoContext = `${P}; server_no_context_takeover; client_no_context_takeover`;

const serverVariants: ServerVariant[] = [
  { name: 'permessageDeflate()', options: {}, responses: defaultResponses },
  { name: 'threshold: 0', options: { threshold: 0 }, responses: defaultResponses },
  {
    name: 'both no-context-takeover, threshold: 100',
    options: { serverNoContextTakeover: true, clientNoContextTakeover: true, threshold: 100 },
    responses: [bothNoContext, bothNoContext, bothNoContext, `${bothNoContext}; server_max_window_bits=10`, `${bothNoContext}; client_max_window_bits=9`, bothNoContext],
  },
  {
    name: 'both windows 9 bits, level 1, memLevel 1',
    options: { serverMaxWindowBits: 9, clientMaxWindowBits: 9, level: 1, memLevel: 1 },
    responses: [
      `${P}; client_max_window_bits=9`,
      `${P}; server_no_context_takeover; client_max_window_bits=9`,
      `${P}; client_no_context_takeover; client_max_window_bits=9`,
      `${P}; server_max_window_bits=9; client_max_window_bits=9`,
      `${P}; client_max_window_bits=9`,
      `${P}; client_max_window_bits=9`,
    ],
  },
];

const matrix = serverVariants.flatMap((server) => wsVariants.map((ws, i) => ({ server, ws, response: server.responses[i]! })));

describe('ws client (perMessageDeflate) against the hatchway server (permessageDeflate)', () => {
  test.each(matrix)('server $server.name × ws $ws.name: $response', async ({ server: sv, ws: wv, response }) => {
    const { client, sniffer, server } = await connect([permessageDeflate(sv.options)], wv.options);
    expect(client.extensions).toBe(P);
    expect([...server.sessions].map((s) => s.extensions)).toEqual([response]);

    const messages = messageSet();
    const echoes = await echoAll(client, messages);
    // One by one, so that a mismatch names the message rather than dumping megabytes.
    expect(echoes.length).toBe(messages.length);
    echoes.forEach((echo, i) => {
      const sent = messages[i]!;
      expect([typeof echo, byteLength(echo)]).toEqual([typeof sent, byteLength(sent)]);
      expect(typeof echo === 'string' ? echo === sent : (echo as Buffer).equals(sent as Buffer)).toBe(true);
    });

    const clientNoContext = response.includes('client_no_context_takeover');
    const wsThreshold = clientNoContext ? wv.threshold : 0;
    const ourThreshold = sv.options.threshold ?? 1024;
    expect(wireRsv(sniffer)).toEqual({
      up: compressedIf(messages, (size) => size >= wsThreshold),
      down: compressedIf(messages, (size) => size >= ourThreshold),
    });
    await closeCleanly(client);
  });
});

describe('compressed and uncompressed messages mixed on one connection', () => {
  test("ws's threshold (with its no-context-takeover) and hatchway's threshold each decide per message", async () => {
    const { client, sniffer, server } = await connect([permessageDeflate({ threshold: 1000 })], { clientNoContextTakeover: true, threshold: 100 });
    expect([...server.sessions].map((s) => s.extensions)).toEqual([`${P}; client_no_context_takeover`]);
    const sizes = [10, 200, 50, 5000, 99, 100, 999, 1000, 0, 70000];
    const messages: Message[] = sizes.map((size, i) => (i % 2 === 0 ? textOf(size, i) : binaryOf(size, i)));
    expect(await echoAll(client, messages)).toEqual(messages);
    expect(wireRsv(sniffer)).toEqual({
      up: [0, 4, 0, 4, 0, 4, 4, 4, 0, 4],
      down: [0, 0, 0, 4, 0, 0, 0, 4, 0, 4],
    });
    // Compressed really means smaller here: the repetitive 5000-byte text crossed in far fewer bytes.
    const up = sniffer.connections[0]!.up.messages();
    expect(up[3]!.wireLength).toBeLessThan(5000 / 2);
    expect(up[1]!.wireLength).not.toBe(200);
    expect(up[0]!.wireLength).toBe(10);
    await closeCleanly(client);
  });

  test('ws sending with compress: false between compressed messages (context takeover kept across them)', async () => {
    const { client, sniffer } = await connect([permessageDeflate({ threshold: 0 })], true);
    const messages = [textOf(3000, 1), textOf(3000, 2), textOf(3000, 1), binaryOf(4000, 3), textOf(3000, 1)];
    const echoes = new Promise<Message[]>((resolve) => {
      const got: Message[] = [];
      client.on('message', (data: WS.RawData, isBinary) => {
        got.push(isBinary ? (data as Buffer) : (data as Buffer).toString('utf8'));
        if (got.length === messages.length) resolve(got);
      });
    });
    messages.forEach((m, i) => client.send(m, { compress: i % 2 === 0 }));
    expect(await echoes).toEqual(messages);
    expect(wireRsv(sniffer)).toEqual({ up: [4, 0, 4, 0, 4], down: [4, 4, 4, 4, 4] });
    await closeCleanly(client);
  });

  test('messages sent right before the close are all delivered and echoed before the close (RFC 7692 §6)', async () => {
    const { client, server, sniffer } = await connect([permessageDeflate({ threshold: 0 })], { threshold: 0 });
    const received: number[] = [];
    for (const session of server.sessions) session.on('message', (e) => received.push(byteLength(e.data as Message)));
    const messages = [1, 2, 3, 4, 5, 6, 7, 8].map((n) => textOf(n * 20000, n));
    const echoed: Message[] = [];
    client.on('message', (data: WS.RawData) => echoed.push((data as Buffer).toString('utf8')));
    for (const m of messages) client.send(m);
    const closed = new Promise<number>((resolve) => client.once('close', resolve));
    client.close(1000);
    expect(await closed).toBe(1000);
    expect(received).toEqual(messages.map(byteLength));
    // ws stops delivering once it has sent its close frame, so the echoes are checked on the wire:
    // eight compressed data frames, then the close frame, nothing after it.
    const down = sniffer.connections[0]!.down.frames.map((f) => [f.opcode, f.rsv]);
    expect(down).toEqual([...messages.map(() => [1, 4]), [8, 0]]);
    expect(echoed.length).toBeLessThanOrEqual(messages.length);
  });
});

describe("faye's permessage-deflate package as an extensions entry, unchanged", () => {
  const fayeCases: Array<[string, WsDeflate, string, ExtensionPlugin]> = [
    ['the plugin object', true, P, fayeDeflate],
    ['the plugin object', { serverNoContextTakeover: true }, `${P}; server_no_context_takeover`, fayeDeflate],
    ['the plugin object', { serverMaxWindowBits: 10 }, `${P}; server_max_window_bits=10`, fayeDeflate],
    ['the plugin object', { clientMaxWindowBits: 10 }, `${P}; client_max_window_bits=10`, fayeDeflate],
    ['the plugin object', { clientNoContextTakeover: true, threshold: 0 }, `${P}; client_no_context_takeover`, fayeDeflate],
    [
      'configure({ noContextTakeover, maxWindowBits: 11, level: 9 })',
      true,
      `${P}; server_no_context_takeover`,
      fayeDeflate.configure({ noContextTakeover: true, maxWindowBits: 11, level: 9 }),
    ],
  ];

  test.each(fayeCases)('%s against ws %j: %s', async (_what, wsOptions, response, plugin) => {
    const { client, sniffer, server } = await connect([plugin], wsOptions);
    expect(client.extensions).toBe(P);
    expect([...server.sessions].map((s) => s.extensions)).toEqual([response]);
    const messages = messageSet();
    const echoes = await echoAll(client, messages);
    expect(echoes.length).toBe(messages.length);
    echoes.forEach((echo, i) => expect(typeof echo === 'string' ? echo === messages[i] : (echo as Buffer).equals(messages[i] as Buffer)).toBe(true));
    // faye compresses every message it sends.
    expect(wireRsv(sniffer).down).toEqual(messages.map(() => 4));
    await closeCleanly(client);
  });
});

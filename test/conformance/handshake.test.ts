/**
 * The opening handshake, sent as raw bytes (RFC 6455 §4.1, §4.2, §4.4): bad requests get a
 * complete HTTP error response and the server then closes TCP; good ones get 101 with the right
 * accept key; subprotocols are chosen in the client's order; oversized and slow request heads
 * are cut off in bounded time by the HTTP server's own limits.
 */
import { randomBytes } from 'node:crypto';
import { startEchoServer, type EchoServer } from './target';
import { acceptFor, destroyAllClients, httpExchange, type HttpExchangeResult } from './raw-client';

/** Bound for an error response plus the server's TCP close. */
const REJECT_TIMEOUT_MS = 3000;

let plain: EchoServer;
let withProtocols: EchoServer;
let withTimeouts: EchoServer;

beforeAll(async () => {
  plain = await startEchoServer();
  withProtocols = await startEchoServer({ protocols: ['chat', 'superchat'] });
  withTimeouts = await startEchoServer({ headersTimeout: 1000, requestTimeout: 1500 });
});

afterEach(() => destroyAllClients());

afterAll(async () => {
  destroyAllClients();
  await Promise.all([plain?.close(), withProtocols?.close(), withTimeouts?.close()]);
});

interface RequestSpec {
  method?: string;
  httpVersion?: string;
  /** Overrides of the default headers; null removes one. Arrays send the header repeatedly. */
  headers?: Record<string, string | string[] | null>;
}

function buildRequest(port: number, spec: RequestSpec = {}): { text: string; key: string | null } {
  const headers: Record<string, string | string[] | null> = {
    Host: `127.0.0.1:${port}`,
    Upgrade: 'websocket',
    Connection: 'Upgrade',
    'Sec-WebSocket-Key': randomBytes(16).toString('base64'),
    'Sec-WebSocket-Version': '13',
    ...spec.headers,
  };
  let text = `${spec.method ?? 'GET'} /chat ${spec.httpVersion ?? 'HTTP/1.1'}\r\n`;
  for (const [name, value] of Object.entries(headers)) {
    if (value === null) continue;
    for (const v of Array.isArray(value) ? value : [value]) text += `${name}: ${v}\r\n`;
  }
  const key = headers['Sec-WebSocket-Key'];
  return { text: text + '\r\n', key: typeof key === 'string' ? key : null };
}

function summary(res: HttpExchangeResult): string {
  const raw = res.raw.toString('latin1');
  return (
    `status=${res.statusCode} complete=${res.complete} closedBy=${res.closedBy} timedOut=${res.timedOut} ` +
    `elapsed=${res.elapsedMs}ms\n--- response (${res.raw.length} bytes) ---\n${raw.slice(0, 600)}`
  );
}

/** A complete error response with one of `statuses`, after which the server closed TCP in time. */
function assertRejected(res: HttpExchangeResult, statuses: number[]): void {
  const problems: string[] = [];
  if (res.statusCode === null || !statuses.includes(res.statusCode)) problems.push(`status should be ${statuses.join(' or ')}`);
  if (!res.complete) problems.push('the response is not a complete HTTP response');
  if (res.closedBy === null) problems.push(`the server did not close TCP within ${REJECT_TIMEOUT_MS} ms`);
  if (problems.length > 0) throw new Error(`${problems.join('; ')}\n${summary(res)}`);
}

function assertSwitched(res: HttpExchangeResult, key: string): void {
  const problems: string[] = [];
  if (res.statusCode !== 101) problems.push('status should be 101');
  if ((res.headers['upgrade'] ?? '').toLowerCase() !== 'websocket') problems.push('Upgrade should be websocket');
  if (!/(^|,)\s*upgrade\s*(,|$)/i.test(res.headers['connection'] ?? '')) problems.push('Connection should list upgrade');
  if (res.headers['sec-websocket-accept'] !== acceptFor(key)) problems.push(`Sec-WebSocket-Accept should be ${acceptFor(key)}`);
  if (problems.length > 0) throw new Error(`${problems.join('; ')}\n${summary(res)}`);
}

async function exchange(server: EchoServer, spec: RequestSpec, stopAtHead = false): Promise<{ res: HttpExchangeResult; key: string | null }> {
  const { text, key } = buildRequest(server.port, spec);
  const res = await httpExchange(server.port, text, { stopAtHead, timeoutMs: REJECT_TIMEOUT_MS });
  return { res, key };
}

describe('handshake: accepted requests', () => {
  test('H.1 a well-formed request gets 101 with the correct Sec-WebSocket-Accept', async () => {
    const { res, key } = await exchange(plain, {}, true);
    assertSwitched(res, key!);
    expect(res.headers['sec-websocket-protocol']).toBeUndefined();
    expect(res.headers['sec-websocket-extensions']).toBeUndefined();
  });

  test('H.2 Connection: "keep-alive, Upgrade" (a token list) is accepted', async () => {
    const { res, key } = await exchange(plain, { headers: { Connection: 'keep-alive, Upgrade' } }, true);
    assertSwitched(res, key!);
  });

  test('H.3 header names and the websocket/upgrade tokens are case-insensitive', async () => {
    const { text, key } = buildRequest(plain.port, {
      headers: { Upgrade: null, Connection: null, 'Sec-WebSocket-Key': null, 'Sec-WebSocket-Version': null },
    });
    const k = randomBytes(16).toString('base64');
    const req = text.replace('\r\n\r\n', `\r\nupgrade: WebSocket\r\nCONNECTION: UPGRADE\r\nsec-websocket-key: ${k}\r\nsec-websocket-version: 13\r\n\r\n`);
    expect(key).toBeNull();
    const res = await httpExchange(plain.port, req, { stopAtHead: true, timeoutMs: REJECT_TIMEOUT_MS });
    assertSwitched(res, k);
  });

  test.each(['13', '8', '7'])('H.4 Sec-WebSocket-Version %s is accepted', async (version) => {
    const { res, key } = await exchange(plain, { headers: { 'Sec-WebSocket-Version': version } }, true);
    assertSwitched(res, key!);
  });
});

describe('handshake: rejected requests (complete error response, then the server closes TCP)', () => {
  test('H.5 POST instead of GET gets 400 (or 405)', async () => {
    const { res } = await exchange(plain, { method: 'POST', headers: { 'Content-Length': '0' } });
    assertRejected(res, [400, 405]);
  });

  test('H.6 HTTP/1.0 gets 400', async () => {
    const { res } = await exchange(plain, { httpVersion: 'HTTP/1.0' });
    assertRejected(res, [400]);
  });

  test('H.7 missing Upgrade header gets 400 (or 426)', async () => {
    const { res } = await exchange(plain, { headers: { Upgrade: null } });
    assertRejected(res, [400, 426]);
  });

  test('H.8 Upgrade: h2c (not websocket) gets 400 (or 426)', async () => {
    const { res } = await exchange(plain, { headers: { Upgrade: 'h2c' } });
    assertRejected(res, [400, 426]);
  });

  test('H.9 Connection header without the upgrade token gets 400 (or 426)', async () => {
    const { res } = await exchange(plain, { headers: { Connection: 'keep-alive' } });
    assertRejected(res, [400, 426]);
  });

  test('H.10 missing Sec-WebSocket-Key gets 400', async () => {
    const { res } = await exchange(plain, { headers: { 'Sec-WebSocket-Key': null } });
    assertRejected(res, [400]);
  });

  test.each([
    ['not base64', 'not-a-valid-key!'],
    ['base64 of 15 bytes', randomBytes(15).toString('base64')],
    ['base64 of 17 bytes', randomBytes(17).toString('base64')],
    ['16 bytes without the padding', randomBytes(16).toString('base64').replace(/=+$/, '')],
    ['empty', ''],
  ])('H.11 Sec-WebSocket-Key that is %s gets 400', async (_what, key) => {
    const { res } = await exchange(plain, { headers: { 'Sec-WebSocket-Key': key } });
    assertRejected(res, [400]);
  });

  test.each([
    ['12', '12'],
    ['missing', null],
    ['not a number', 'abc'],
  ])('H.12 Sec-WebSocket-Version %s gets 426 with "Sec-WebSocket-Version: 13"', async (_what, version) => {
    const { res } = await exchange(plain, { headers: { 'Sec-WebSocket-Version': version } });
    assertRejected(res, [426]);
    const advertised = (res.headers['sec-websocket-version'] ?? '').split(',').map((v) => v.trim());
    if (!advertised.includes('13')) throw new Error(`426 response should advertise Sec-WebSocket-Version: 13\n${summary(res)}`);
  });
});

describe('handshake: subprotocol negotiation (server speaks chat, superchat)', () => {
  test.each([
    ['superchat, chat', 'superchat'],
    ['chat, superchat', 'chat'],
    ['chat', 'chat'],
    ['foo, superchat', 'superchat'],
  ])('H.13 client offers "%s": the server selects "%s" (first in the client\'s order)', async (offer, selected) => {
    const { res, key } = await exchange(withProtocols, { headers: { 'Sec-WebSocket-Protocol': offer } }, true);
    assertSwitched(res, key!);
    expect(res.headers['sec-websocket-protocol']).toBe(selected);
  });

  test('H.14 offers spread over two header lines are combined', async () => {
    const { res, key } = await exchange(withProtocols, { headers: { 'Sec-WebSocket-Protocol': ['foo', 'chat'] } }, true);
    assertSwitched(res, key!);
    expect(res.headers['sec-websocket-protocol']).toBe('chat');
  });

  test('H.15 no overlap: 101 without a Sec-WebSocket-Protocol header', async () => {
    const { res, key } = await exchange(withProtocols, { headers: { 'Sec-WebSocket-Protocol': 'foo, bar' } }, true);
    assertSwitched(res, key!);
    expect(res.headers['sec-websocket-protocol']).toBeUndefined();
  });

  test('H.16 no offer: 101 without a Sec-WebSocket-Protocol header', async () => {
    const { res, key } = await exchange(withProtocols, {}, true);
    assertSwitched(res, key!);
    expect(res.headers['sec-websocket-protocol']).toBeUndefined();
  });
});

describe('handshake: abusive request heads are cut off in bounded time', () => {
  test('H.17 100 KiB of headers gets 431 and the connection is closed', async () => {
    const { text } = buildRequest(plain.port);
    const filler = Array.from({ length: 102 }, (_, i) => `X-Filler-${i}: ${'a'.repeat(1000)}\r\n`).join('');
    const req = text.replace('\r\n\r\n', `\r\n${filler}\r\n`);
    expect(req.length).toBeGreaterThan(100 * 1024);
    const res = await httpExchange(plain.port, req, { timeoutMs: REJECT_TIMEOUT_MS });
    assertRejected(res, [431]);
  });

  test('H.18 a request head written one byte every 50 ms is cut off (headersTimeout 1000 ms) within 3 s', async () => {
    const { text } = buildRequest(withTimeouts.port);
    // Written in full this would take about 8 s.
    expect(text.length * 50).toBeGreaterThan(6000);
    const res = await httpExchange(withTimeouts.port, text, { chopSize: 1, pauseMs: 50, timeoutMs: 3000 });
    if (res.closedBy === null) throw new Error(`the server did not end the connection within 3000 ms\n${summary(res)}`);
    // Node answers an expired head with 408; a bare close is also bounded. Never a 101.
    if (res.raw.length > 0) assertRejected(res, [408]);
    expect(res.elapsedMs).toBeGreaterThanOrEqual(900);
  });
});

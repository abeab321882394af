/**
 * The legacy drafts through every host's `websocket()` middleware, on raw loopback sockets: the
 * upgrade runs through the app's own middleware first (a 401 stays a 401), `legacyDrafts: true`
 * reaches the server socket, and the draft-76 example, a body 300 ms late with sends buffered,
 * draft-75, closing, every limit and the refusal without the option behave as on plain node.
 */
import { ErrorCode, FailureCode } from '../../src/index.js';
import { CLOSING, DRAFT76_EXAMPLE, connectDraft, destroyDraftClients, textFrame, within, type DraftClient } from './draft-client';
import { DRAFT_HOSTS, type RunningDraftHost } from './draft-hosts';

async function frames(client: DraftClient, count: number, skip = 0): Promise<string[]> {
  await client.until(() => client.frames(skip).length >= count, `${count} frames`);
  return client.frames(skip);
}

function statusOf(head: string): string {
  return head.split('\r\n')[0]!;
}

describe.each(DRAFT_HOSTS)('$name', (host) => {
  let running: RunningDraftHost;
  beforeEach(async () => {
    running = await host.start();
  });
  afterEach(async () => {
    destroyDraftClients();
    await running.close();
  });

  test('draft-76, the example of the draft: the answer, the greeting sent before it, an echo, the Location of the mounted path', async () => {
    const client = await connectDraft(running.port, { version: 'hixie-76', path: '/legacy', protocol: 'sample' });
    const session = await running.accept();
    const head = await client.head();
    expect(statusOf(head)).toBe('HTTP/1.1 101 WebSocket Protocol Handshake');
    expect(head).toContain(`\r\nSec-WebSocket-Location: ws://127.0.0.1:${running.port}/legacy\r\n`);
    expect(head).toContain('\r\nSec-WebSocket-Protocol: sample');
    await client.until(() => client.afterHead.length >= 16, 'the answer');
    expect(client.afterHead.subarray(0, 16)).toEqual(DRAFT76_EXAMPLE.answer);
    client.write(textFrame('hi'));
    expect(await frames(client, 2, 16)).toEqual(['hello', 'echo hi']);
    expect(session.ws.version).toBe('hixie-76');
  });

  test('draft-76 with the body 300 ms late: the handler has the socket at once and its send waits for the answer', async () => {
    const client = await connectDraft(running.port, { version: 'hixie-76', path: '/legacy', body: false });
    const session = await running.accept();
    expect(session.ws.readyState).toBe(session.ws.CONNECTING);
    expect(session.ws.bufferedAmount).toBe(5);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(client.received).toHaveLength(0);
    client.write(DRAFT76_EXAMPLE.body);
    expect(await frames(client, 1, 16)).toEqual(['hello']);
    expect(client.afterHead.subarray(0, 16)).toEqual(DRAFT76_EXAMPLE.answer);
    expect(session.log).toEqual(['open']);
  });

  test('draft-75: the 101, the greeting and an echo', async () => {
    const client = await connectDraft(running.port, { version: 'hixie-75', path: '/legacy' });
    const session = await running.accept();
    expect(statusOf(await client.head())).toBe('HTTP/1.1 101 Web Socket Protocol Handshake');
    client.write(textFrame('yo'));
    expect(await frames(client, 2)).toEqual(['hello', 'echo yo']);
    client.socket.end();
    expect(await within(session.closed, 'the close')).toEqual(['open', 'message yo', 'close 1000 true']);
  });

  test('closing: the client\'s 0xFF 0x00 is answered, 1000 clean; a throwing handler closes with the closing frame', async () => {
    const client = await connectDraft(running.port, { version: 'hixie-76', path: '/legacy' });
    const session = await running.accept();
    await frames(client, 1, 16);
    client.write(CLOSING);
    expect(await frames(client, 2, 16)).toEqual(['hello', 'CLOSE']);
    expect(await within(session.closed, 'the close')).toEqual(['open', 'close 1000 true']);

    const failing = await connectDraft(running.port, { version: 'hixie-76', path: '/throw' });
    expect(await frames(failing, 1, 16)).toEqual(['CLOSE']);
    failing.write(CLOSING);
    await within(failing.closed, 'the failed socket to close');
    expect(running.errors).toEqual([expect.objectContaining({ message: 'handler failed' })]);
  });

  test.each([
    ['maxLength', Buffer.concat([Buffer.from([0x00]), Buffer.alloc(65, 0x61)]), FailureCode.MESSAGE_TOO_BIG, 1009],
    ['invalid UTF-8', Buffer.from([0x00, 0xed, 0xa0, 0x80, 0xff]), FailureCode.INVALID_UTF8, 1007],
    ['maxBuffered', textFrame('flood'), ErrorCode.BUFFER_OVERFLOW, 1008],
  ])('the limit %s fails the connection as on plain node', async (_name, bytes, code, closeCode) => {
    const client = await connectDraft(running.port, { version: 'hixie-76', path: '/legacy' });
    const session = await running.accept();
    await frames(client, 1, 16);
    client.write(bytes);
    const log = await within(session.closed, 'the close');
    // The flood is a message the handler answers; the others never become one.
    expect(log.filter((line) => line !== 'message flood')).toEqual(['open', `error ${code}`, `close ${closeCode} false`]);
    await within(client.closed, 'the TCP close');
  });

  test('a body that never comes is cut by handshakeTimeout', async () => {
    const client = await connectDraft(running.port, { version: 'hixie-76', path: '/legacy', body: false });
    const session = await running.accept();
    expect(await within(session.closed, 'the close')).toEqual([`error ${ErrorCode.HANDSHAKE_TIMEOUT}`, 'close 1006 false']);
    await within(client.closed, 'the TCP close');
    expect(client.received).toHaveLength(0);
  });

  test('a malformed draft-76 key gets a 400 and is closed; the app\'s own 401 comes before any of it', async () => {
    const malformed = await connectDraft(running.port, { version: 'hixie-76', path: '/legacy', key1: '1 2 3' });
    expect(statusOf(await malformed.head())).toBe('HTTP/1.1 400 Bad Request');
    await within(malformed.closed, 'the refused socket to close');
    const denied = await connectDraft(running.port, { version: 'hixie-76', path: '/legacy', headers: { 'X-Deny': '1' } });
    expect(statusOf(await denied.head())).toBe('HTTP/1.1 401 Unauthorized');
    await within(denied.closed, 'the denied socket to close');
  });

  test.each(['hixie-76', 'hixie-75'] as const)('without the option, a %s request is refused with 426', async (version) => {
    const client = await connectDraft(running.port, { version, path: '/modern' });
    const head = await client.head();
    expect(statusOf(head)).toBe('HTTP/1.1 426 Upgrade Required');
    expect(head).toContain('\r\nSec-WebSocket-Version: 13');
    await within(client.closed, 'the refused socket to close');
  });
});

/**
 * The legacy drafts' handshake as pure functions: which draft a request speaks (never one with a
 * header of RFC 6455's), the draft-76 keys and the challenge's answer (the example of draft-76
 * §1.3), /key_3/ however it is cut, and the response's bytes.
 */
import { challengeAnswer, keyQuotient, Key3Collector } from '../../src/legacy-drafts/draft-challenge';
import { draftVersionOf, negotiateDraftHandshake } from '../../src/legacy-drafts/draft-request';
import { draftResponse } from '../../src/legacy-drafts/draft-response';
import { ErrorCode, HandshakeError } from '../../src/errors';
import { WebSocket } from '../../src/index';
import { DRAFT76_EXAMPLE, expectedAnswer } from './draft-client';

const base = { method: 'GET', url: '/demo', httpVersionMajor: 1, httpVersionMinor: 1 };
const upgrade = { upgrade: 'WebSocket', connection: 'Upgrade', host: 'example.com', origin: 'http://example.com' };
const keys = { 'sec-websocket-key1': DRAFT76_EXAMPLE.key1, 'sec-websocket-key2': DRAFT76_EXAMPLE.key2 };

describe('which draft a request speaks', () => {
  test.each([
    ['Key1 and Key2', { ...upgrade, ...keys }, 'hixie-76'],
    ['Key1 alone (then refused for the missing Key2)', { ...upgrade, 'sec-websocket-key1': DRAFT76_EXAMPLE.key1 }, 'hixie-76'],
    ['a plain Upgrade: WebSocket', upgrade, 'hixie-75'],
    ['Sec-WebSocket-Version, even with Key1 and Key2', { ...upgrade, ...keys, 'sec-websocket-version': '13' }, null],
    ['Sec-WebSocket-Version of a draft', { ...upgrade, 'sec-websocket-version': '76' }, null],
    ['Sec-WebSocket-Key without a version', { ...upgrade, 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==' }, null],
    ['no Connection: Upgrade', { upgrade: 'WebSocket' }, null],
  ])('%s', (_name, headers, version) => {
    expect(draftVersionOf({ ...base, headers })).toBe(version);
  });

  test('a POST is no WebSocket request at all', () => {
    expect(draftVersionOf({ ...base, method: 'POST', headers: upgrade })).toBeNull();
  });

  test('WebSocket.isWebSocket() is true for both drafts: the middleware claims them, and refuses them without the option', () => {
    expect(WebSocket.isWebSocket({ ...base, headers: { ...upgrade, ...keys } })).toBe(true);
    expect(WebSocket.isWebSocket({ ...base, headers: upgrade })).toBe(true);
  });
});

describe('draft-76 keys (§5.2)', () => {
  test('the example of the draft: its quotients and its answer', () => {
    expect(keyQuotient(DRAFT76_EXAMPLE.key1, 'Key1')).toBe(4146546015 / 5);
    expect(keyQuotient(DRAFT76_EXAMPLE.key2, 'Key2')).toBe(1299853100 / 5);
    const answer = challengeAnswer(keyQuotient(DRAFT76_EXAMPLE.key1, 'K'), keyQuotient(DRAFT76_EXAMPLE.key2, 'K'), DRAFT76_EXAMPLE.body);
    expect(answer.toString('latin1')).toBe("8jKS'y:G*Co,Wxa-");
    expect(answer).toEqual(expectedAnswer(DRAFT76_EXAMPLE.key1, DRAFT76_EXAMPLE.key2, DRAFT76_EXAMPLE.body));
  });

  test('the largest key a client can make: 2^32 - 1 with one space', () => {
    expect(keyQuotient('429496 7295', 'K')).toBe(0xffffffff);
    expect(challengeAnswer(0xffffffff, 0, Buffer.alloc(8))).toHaveLength(16);
  });

  test.each([
    ['no spaces', '12345', 'no spaces'],
    ['a quotient that is not an integer', '1 2 3', 'not a multiple'],
    ['a number over 2^32 - 1', '4294967 296', 'over 2^32'],
    ['a number of many digits', `1 ${'9'.repeat(400)}`, 'over 2^32'],
  ])('%s: a HandshakeError with 400', (_name, key, message) => {
    let thrown: unknown;
    try {
      keyQuotient(key, 'Sec-WebSocket-Key1');
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(HandshakeError);
    expect(thrown).toMatchObject({ code: ErrorCode.HANDSHAKE_KEY, statusCode: 400 });
    expect((thrown as Error).message).toContain(message);
  });

  test('a missing key is refused the same way', () => {
    expect(() => negotiateDraftHandshake({ ...base, headers: { ...upgrade, 'sec-websocket-key1': DRAFT76_EXAMPLE.key1 } }, 'hixie-76', {})).toThrow(
      expect.objectContaining({ code: ErrorCode.HANDSHAKE_KEY, statusCode: 400 }),
    );
  });

  test('/key_3/ is gathered from chunks cut anywhere; the bytes after it are handed back', () => {
    const stream = Buffer.concat([DRAFT76_EXAMPLE.body, Buffer.from([0x00, 0x61, 0xff])]);
    for (let cut = 0; cut <= stream.length; cut++) {
      const collector = new Key3Collector();
      const first = collector.push(stream.subarray(0, cut));
      // Once /key_3/ is whole, what follows is frames: the second chunk goes to the parser as it is.
      const after = first === null ? collector.push(stream.subarray(cut)) : Buffer.concat([first, stream.subarray(cut)]);
      expect({ cut, key3: collector.value, after }).toEqual({ cut, key3: DRAFT76_EXAMPLE.body, after: stream.subarray(8) });
    }
  });
});

describe('negotiation and response', () => {
  test('origins: a policy refuses with 403, as for RFC 6455', () => {
    expect(() => negotiateDraftHandshake({ ...base, headers: upgrade }, 'hixie-75', { origins: ['http://good.example'] })).toThrow(
      expect.objectContaining({ code: ErrorCode.HANDSHAKE_ORIGIN, statusCode: 403 }),
    );
  });

  test('the subprotocol is echoed only when the server speaks it, under each draft\'s header', () => {
    const offer76 = { ...base, headers: { ...upgrade, ...keys, 'sec-websocket-protocol': 'sample' } };
    expect(negotiateDraftHandshake(offer76, 'hixie-76', { protocols: ['sample'] }).protocol).toBe('sample');
    expect(negotiateDraftHandshake(offer76, 'hixie-76', { protocols: ['other'] }).protocol).toBe('');
    const offer75 = { ...base, headers: { ...upgrade, 'websocket-protocol': 'sample' } };
    expect(negotiateDraftHandshake(offer75, 'hixie-75', { protocols: ['sample'] }).protocol).toBe('sample');
  });

  test('HTTP/1.0 is refused with 400', () => {
    expect(() => negotiateDraftHandshake({ ...base, httpVersionMinor: 0, headers: upgrade }, 'hixie-75', {})).toThrow(
      expect.objectContaining({ code: ErrorCode.HANDSHAKE_HTTP_VERSION, statusCode: 400 }),
    );
  });

  test('the draft-76 response of the example, byte for byte', () => {
    const response = draftResponse(
      'hixie-76',
      { origin: 'http://example.com', location: 'ws://example.com/demo', protocol: 'sample', extraHeaderLines: '' },
      DRAFT76_EXAMPLE.answer,
    );
    expect(response.toString('latin1')).toBe(
      'HTTP/1.1 101 WebSocket Protocol Handshake\r\nUpgrade: WebSocket\r\nConnection: Upgrade\r\n' +
        'Sec-WebSocket-Origin: http://example.com\r\nSec-WebSocket-Location: ws://example.com/demo\r\n' +
        "Sec-WebSocket-Protocol: sample\r\n\r\n8jKS'y:G*Co,Wxa-",
    );
  });

  test('the draft-75 response: its own status text and header names, nothing after the head', () => {
    const response = draftResponse('hixie-75', { origin: undefined, location: 'ws://example.com/', protocol: '', extraHeaderLines: 'X-A: b\r\n' }, Buffer.alloc(0));
    expect(response.toString('latin1')).toBe(
      'HTTP/1.1 101 Web Socket Protocol Handshake\r\nUpgrade: WebSocket\r\nConnection: Upgrade\r\n' +
        'WebSocket-Location: ws://example.com/\r\nX-A: b\r\n\r\n',
    );
  });
});

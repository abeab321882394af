/**
 * The hooks every client-over-HTTP/2 test file shares: certificates made once for the file, the
 * proxy variables isolated, every client closed after each test and, where asked, the pool of
 * HTTP/2 sessions left empty (no session outlives its last WebSocket).
 */
import { pooledSessionCount } from '../../src/client/http2-session-pool.js';
import { closeAll, isolateProxyVariables } from '../client/helpers.js';
import { certificatesForFile, type Certificates } from '../client/tls-fixtures.js';

export interface ClientHttp2Suite {
  /** The file's certificates (from `beforeAll` on). */
  readonly certs: Certificates;
}

export function clientHttp2Suite(options: { emptyPoolAfterEach?: boolean } = {}): ClientHttp2Suite {
  const certs = certificatesForFile();
  isolateProxyVariables();
  afterEach(closeAll);
  if (options.emptyPoolAfterEach !== false) afterEach(() => expect(pooledSessionCount()).toBe(0));
  return { certs };
}

/**
 * Every example's `server.js`, loaded in-process with PORT=0 as `npm run example:*` would run it,
 * serves through a server with the timeouts `listen()` sets: a request head must be complete within
 * 20 s, checked every 5 s (Node's own defaults are 60 s and 30 s).
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';

const EXAMPLES = path.resolve(__dirname, '../../examples');
// The cluster example is a node:cluster primary: it serves nothing itself, and its workers run the demo's server.js.
const SERVER_SCRIPTS = fs
  .readdirSync(EXAMPLES)
  .filter((name) => name !== 'cluster' && fs.existsSync(path.join(EXAMPLES, name, 'server.js')))
  .sort();

test('there are example servers to check', () => {
  expect(SERVER_SCRIPTS).toEqual(expect.arrayContaining(['demo', 'echo', 'koa-chat', 'sse-express']));
});

test.each(SERVER_SCRIPTS)('examples/%s/server.js', async (name) => {
  const started: http.Server[] = [];
  const realListen = http.Server.prototype.listen;
  const listen = jest.spyOn(http.Server.prototype, 'listen').mockImplementation(function (this: http.Server, ...args: unknown[]) {
    started.push(this);
    return realListen.apply(this, args as Parameters<http.Server['listen']>);
  });
  const log = jest.spyOn(console, 'log').mockImplementation(() => {});
  const signals = ['SIGINT', 'SIGTERM'].map((signal) => [signal, process.listeners(signal as NodeJS.Signals)] as const);
  const port = process.env.PORT;
  process.env.PORT = '0';
  try {
    jest.isolateModules(() => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      require(path.join(EXAMPLES, name, 'server.js'));
    });
    expect(started).toHaveLength(1);
    const server = started[0]!;
    if (!server.listening) await new Promise((resolve) => server.once('listening', resolve));
    const interval = (server as { connectionsCheckingInterval?: number }).connectionsCheckingInterval;
    expect({ headersTimeout: server.headersTimeout, connectionsCheckingInterval: interval }).toEqual({
      headersTimeout: 20_000,
      connectionsCheckingInterval: 5_000,
    });
    await new Promise((resolve) => server.close(resolve));
  } finally {
    if (port === undefined) delete process.env.PORT;
    else process.env.PORT = port;
    listen.mockRestore();
    log.mockRestore();
    // The example's own signal handlers would outlive the test.
    for (const [signal, before] of signals) {
      for (const handler of process.listeners(signal as NodeJS.Signals)) {
        if (!before.includes(handler)) process.off(signal, handler);
      }
    }
  }
});

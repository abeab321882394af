import WS from 'ws';
import { permessageDeflate } from '../../src/index.js';
import { startEchoServer } from '../helpers/echo-server.js';

test('ws client with perMessageDeflate against hatchway permessageDeflate', async () => {
  const server = await startEchoServer({ extensions: [permessageDeflate({ threshold: 0 })] });
  try {
    const client = new WS(server.url, { perMessageDeflate: true });
    await new Promise((r) => client.once('open', r));
    expect(client.extensions).toMatch(/permessage-deflate/);
    const got: string[] = [];
    const done = new Promise<void>((r) => client.on('message', (d) => { got.push(d.toString()); if (got.length === 4) r(); }));
    client.send('hello hello hello hello');
    client.send('x'.repeat(100000));
    client.send('κόσμε'.repeat(50));
    client.send('');
    await done;
    expect(got).toEqual(['hello hello hello hello', 'x'.repeat(100000), 'κόσμε'.repeat(50), '']);
    const closed = new Promise((r) => client.on('close', (c) => r(c)));
    client.close(1000);
    expect(await closed).toBe(1000);
  } finally {
    await server.close();
  }
});

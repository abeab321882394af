/**
 * Jest wiring for the client suite: one raw listening server per test file; each test starts
 * an echo client (./echo-client) against it and gets the accepted socket, to answer the opening
 * handshake by hand (RFC 6455 §4.2.2) and drive the connection as a RawPeer (./raw-server).
 * Every socket and client is gone after each test.
 */
import * as net from 'node:net';
import { Client, type ClientOptions } from '../../../src/index.js';
import { parseRequest, switching, type RawRequest } from '../../client/helpers.js';
import { readHead } from '../shared/http-head.js';
import { DEFAULT_TIMEOUT_MS, withTimeout } from '../shared/waits.js';
import { echoClient, type EchoClient } from './echo-client.js';
import { RawPeer } from './raw-server.js';

export interface ConnectOptions {
  protocols?: string[];
  clientOptions?: ClientOptions;
  path?: string;
  /** Extra 101 header lines (without CRLF). */
  responseHeaders?: string[];
  /** Bytes written right after the 101, in the same write. */
  afterResponse?: Buffer;
  /** RawPeer.allowedRsv for this connection (4 when the 101 agrees to permessage-deflate). */
  allowedRsv?: number;
}

export interface Connection {
  peer: RawPeer;
  client: EchoClient;
}

export interface Accepted {
  socket: net.Socket;
  request: RawRequest;
  /** Bytes that came after the request head. */
  rest: Buffer;
  client: EchoClient;
}

export interface ClientHarness {
  readonly port: number;
  readonly url: string;
  /** Starts an echo client, answers its handshake with a correct 101, and waits for `open`. */
  connect(options?: ConnectOptions): Promise<Connection>;
  /** Starts an echo client and hands over its socket (paused) and request head, unanswered. */
  accept(options?: ConnectOptions): Promise<Accepted>;
}

type Arrival = Omit<Accepted, 'client'>;

/** One raw server for the file; every socket and client is gone after each test. */
export function useClientHarness(): ClientHarness {
  let server: net.Server | undefined;
  let port = 0;
  const incoming: Array<(arrival: Arrival) => void> = [];
  const sockets = new Set<net.Socket>();
  const clients = new Set<Client>();

  beforeAll(async () => {
    server = net.createServer((socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => undefined);
      socket.setNoDelay(true);
      // Paused at the end of the head until the test has a RawPeer listening.
      readHead(socket).then(
        ({ head, rest }) => {
          const take = incoming.shift();
          if (take === undefined) return void socket.destroy();
          take({ socket, request: parseRequest(head), rest });
        },
        () => socket.destroy(),
      );
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    port = (server.address() as net.AddressInfo).port;
  });

  afterEach(async () => {
    const waits: Array<Promise<unknown>> = [];
    for (const client of clients) {
      if (client.readyState !== Client.CLOSED) {
        waits.push(new Promise((resolve) => client.once('close', resolve)));
        client.terminate();
      }
    }
    clients.clear();
    for (const socket of sockets) socket.destroy();
    sockets.clear();
    incoming.length = 0;
    await Promise.all(waits);
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => (server === undefined ? resolve() : server.close(() => resolve())));
  });

  const harness: ClientHarness = {
    get port() {
      return port;
    },
    get url() {
      return `ws://127.0.0.1:${port}`;
    },
    async accept(options = {}) {
      const arrived = new Promise<Arrival>((resolve) => incoming.push(resolve));
      const client = echoClient(`${harness.url}${options.path ?? '/'}`, options.protocols ?? null, options.clientOptions);
      clients.add(client.client);
      const arrival = await withTimeout(arrived, DEFAULT_TIMEOUT_MS, () => `the client to connect; log: ${client.log.join(', ')}`);
      return { ...arrival, client };
    },
    async connect(options = {}) {
      const { socket, request, rest, client } = await harness.accept(options);
      const peer = new RawPeer(socket, request, rest);
      peer.allowedRsv = options.allowedRsv ?? 0;
      const opened = new Promise<void>((resolve, reject) => {
        client.client.once('open', () => resolve());
        client.client.once('close', () => reject(new Error(`the client closed before open; log: ${client.log.join(', ')}`)));
      });
      opened.catch(() => undefined);
      socket.write(Buffer.concat([Buffer.from(switching(request, options.responseHeaders), 'latin1'), options.afterResponse ?? Buffer.alloc(0)]));
      await withTimeout(opened, DEFAULT_TIMEOUT_MS, 'the client to open');
      return { peer, client };
    },
  };
  return harness;
}

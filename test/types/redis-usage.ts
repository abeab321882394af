/**
 * Type tests for `hatchway/redis`: the clients of both libraries, as their own types declare them,
 * are accepted as they are (no cast), in each major version the broker supports.
 */
import { createClient } from 'redis';
import { createClient as createClient5 } from 'redis5';
import { Redis } from 'ioredis';
import { Redis as Redis5 } from 'ioredis5';
import { Hub } from 'hatchway';
import { redisBroker, type RedisBrokerOptions } from 'hatchway/redis';

export const nodeRedis = new Hub({ broker: redisBroker({ client: createClient({ url: 'redis://127.0.0.1:6379' }) }) });
export const nodeRedis5 = new Hub({ broker: redisBroker({ client: createClient5() }) });
export const ioredis = new Hub({ broker: redisBroker({ client: new Redis(), history: 100, historyTtl: 3600 }) });
export const ioredis5 = new Hub({ broker: redisBroker({ client: new Redis5({ lazyConnect: true }), prefix: 'app' }) });

export const options: RedisBrokerOptions = { client: createClient(), onError: (error: Error) => console.error(error.message) };

// @ts-expect-error: a client is required
redisBroker({});
// @ts-expect-error: not a Redis client
redisBroker({ client: { get: () => 1 } });

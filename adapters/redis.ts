/**
 * `hatchway/redis`: `redisBroker({ client })` for `new Hub({ broker })`. It takes a node-redis or an
 * ioredis client the application made; neither library is imported here or anywhere in hatchway.
 */
export * from '../src/redis/index.js';

/** `hatchway/redis`: a Hub's topics on Redis, across processes and machines. */
export { redisBroker, RedisBroker, type RedisBrokerOptions } from './redis-broker.js';
export type { RedisClientLike, NodeRedisClientLike, IoRedisClientLike } from './redis-connection.js';

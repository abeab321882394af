/**
 * The two Lua scripts the broker runs, each one atomic step in Redis. `publish` numbers, keeps and
 * fans out an event in one go, so that the order of the stream is the order of the channel and no
 * event is kept without being announced or announced without being kept. `read` answers a topic's
 * epoch, top sequence and kept events from a sequence on, from one consistent moment. Scripts go by
 * their SHA1 (EVALSHA) and are sent whole only when Redis does not know them yet (after a restart).
 */
import { createHash } from 'node:crypto';
import type { RedisConnection } from './redis-connection.js';

export interface Script {
  readonly source: string;
  readonly sha: string;
}

function script(source: string): Script {
  return { source, sha: createHash('sha1').update(source).digest('hex') };
}

/**
 * KEYS: meta, stream. ARGV: channel, history cap, TTL in seconds (0: none), a new epoch, the payload,
 * the publish's token. A topic without meta (new, or lost) starts a new epoch at sequence 1, and
 * drops a stream left from before so that its ids start over too. The token stays with the entry:
 * when a reply is lost, `FIND` tells whether the event was taken. Returns { epoch, seq }.
 */
export const PUBLISH = script(`
local epoch = redis.call('HGET', KEYS[1], 'e')
if not epoch then
  epoch = ARGV[4]
  redis.call('DEL', KEYS[2])
  redis.call('HSET', KEYS[1], 'e', epoch)
end
local seq = redis.call('HINCRBY', KEYS[1], 's', 1)
redis.call('XADD', KEYS[2], 'MAXLEN', ARGV[2], seq .. '-0', 'd', ARGV[5], 't', ARGV[6])
if tonumber(ARGV[3]) > 0 then
  redis.call('EXPIRE', KEYS[1], ARGV[3])
  redis.call('EXPIRE', KEYS[2], ARGV[3])
end
redis.call('PUBLISH', ARGV[1], epoch .. ':' .. seq .. ':' .. ARGV[5])
return {epoch, seq}
`);

/**
 * KEYS: meta, stream. ARGV: the first sequence wanted, the most entries to return (0: none, the
 * position only). Returns { epoch ('' when the topic has none), top sequence, entries }, the entries
 * as XRANGE gives them: { '<seq>-0', { 'd', payload } }.
 */
export const READ = script(`
local meta = redis.call('HMGET', KEYS[1], 'e', 's')
if not meta[1] then return {'', 0, {}} end
local entries = {}
if tonumber(ARGV[2]) > 0 then
  entries = redis.call('XRANGE', KEYS[2], ARGV[1] .. '-0', '+', 'COUNT', ARGV[2])
end
return {meta[1], tonumber(meta[2] or '0'), entries}
`);

/**
 * KEYS: meta, stream. ARGV: a publish's token. Returns { epoch, seq of the entry with that token
 * (0: none), 1 when the stream was never trimmed (so an absent token was never taken) }.
 */
export const FIND = script(`
local epoch = redis.call('HGET', KEYS[1], 'e')
if not epoch then return {'', 0, 1} end
local entries = redis.call('XREVRANGE', KEYS[2], '+', '-')
for _, entry in ipairs(entries) do
  local fields = entry[2]
  for i = 1, #fields, 2 do
    if fields[i] == 't' and fields[i + 1] == ARGV[1] then
      return {epoch, tonumber((string.gsub(entry[1], '-0$', ''))), 1}
    end
  end
end
local top = tonumber(redis.call('HGET', KEYS[1], 's') or '0')
local first = entries[#entries]
local untrimmed = (first == nil and top == 0) or (first ~= nil and first[1] == '1-0')
return {epoch, 0, untrimmed and 1 or 0}
`);

export async function runScript(connection: RedisConnection, which: Script, keys: readonly string[], args: readonly string[]): Promise<unknown> {
  const tail = [String(keys.length), ...keys, ...args];
  try {
    return await connection.command(['EVALSHA', which.sha, ...tail], keys[0]!);
  } catch (error) {
    if (!String((error as Error | null)?.message).startsWith('NOSCRIPT')) throw error;
    return connection.command(['EVAL', which.source, ...tail], keys[0]!);
  }
}

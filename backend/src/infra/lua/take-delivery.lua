-- Takes a delivery's copy in one source for another, in one step on the first one's slot (the
-- delivery store's writes, infra/delivery-writes.ts): marks it moved (`rev` 'moved', the real
-- one kept in `rev0`, `movedTo` the taker, its TTL and places in the active and finished sets
-- kept in `ttl0`, `activeScore`, `finishedScore`), takes it out of those sets, lets it expire
-- after ARGV[3] s, counts one more in the source's epoch (so a writer holding the source's
-- states in memory fails its next compare-and-set), and returns {'taken', its fields, its
-- trail's points, oldest first}. A copy already taken by this taker is returned again (a taker
-- that stopped half-way), and so is any with ARGV[4] '1' (a copy taking itself back); one taken
-- by another returns {'elsewhere', that source}; none returns nil.
-- KEYS: hash, trail, active, finished, epoch.
-- ARGV: delivery id, taker's source, seconds kept, '1' to take it whoever took it before.
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
local rev = redis.call('HGET', KEYS[1], 'rev')
if rev == 'moved' then
  local to = redis.call('HGET', KEYS[1], 'movedTo') or ''
  if to ~= ARGV[2] and ARGV[4] ~= '1' then return { 'elsewhere', to } end
else
  local ttl = redis.call('TTL', KEYS[1])
  redis.call('HSET', KEYS[1], 'rev', 'moved', 'rev0', rev or '', 'movedTo', ARGV[2], 'ttl0', ttl)
  local a = redis.call('ZSCORE', KEYS[3], ARGV[1])
  if a then redis.call('HSET', KEYS[1], 'activeScore', a) end
  local f = redis.call('ZSCORE', KEYS[4], ARGV[1])
  if f then redis.call('HSET', KEYS[1], 'finishedScore', f) end
  redis.call('ZREM', KEYS[3], ARGV[1])
  redis.call('ZREM', KEYS[4], ARGV[1])
  redis.call('EXPIRE', KEYS[1], ARGV[3])
  redis.call('EXPIRE', KEYS[2], ARGV[3])
  redis.call('INCR', KEYS[5])
end
-- A trail is a list; one written before 2026-12-07 is a sorted set (infra/lua/live-chunk.lua).
local trail
if redis.call('TYPE', KEYS[2]).ok == 'zset' then
  trail = redis.call('ZRANGE', KEYS[2], 0, -1)
else
  trail = redis.call('LRANGE', KEYS[2], 0, -1)
end
return { 'taken', redis.call('HGETALL', KEYS[1]), trail }

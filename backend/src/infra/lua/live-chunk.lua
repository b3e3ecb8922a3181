-- Writes live-push chunks: each delivery's messages, state, trail and place in the active set,
-- and each partition's applied offset, all at once, but only while every partition's stored
-- offset and every delivery's stored revision are still the ones the caller's in-memory state
-- was built on (a compare-and-set). Keys are built here from the delivery ids, the same way as
-- infra/delivery-keys.ts, so that a fix costs a dozen short arguments, its message sent once.
-- The arguments are written by encodeLiveChunk (infra/live-chunk.ts), which documents them.
-- Returns 1 when written, 0 (having changed nothing) when a stored value had moved on.
local P = ARGV[1]
local trailLength = tonumber(ARGV[2])
local retention = ARGV[3]
local offsets = P .. 'lp:offsets'
-- The chunks: each its partition's offsets field ('' for none), expected and next offset, and
-- how many of the deliveries below are its own (they follow in the chunks' order).
local chunks = tonumber(ARGV[4])
local deliveries = 0
local i = 5
for _ = 1, chunks do
  if ARGV[i] ~= '' and (redis.call('HGET', offsets, ARGV[i]) or '') ~= ARGV[i + 1] then return 0 end
  deliveries = deliveries + tonumber(ARGV[i + 3])
  i = i + 4
end
local first = i
local HEADER = 11

-- A delivery's arguments: id, stored rev, seq, rev, messages, position (1-based index into its
-- messages, 0 for none), trail points, trim ('1' or ''), active score ('' unchanged, '-' to
-- leave the set), extra fields, lifetime ('' unchanged, 'e' expire, 'p' persist, 't' expire
-- the trail); then its messages, its trail's (rev, point) pairs, its extra (field, value) pairs.
local function size(j)
  return HEADER + tonumber(ARGV[j + 4]) + 2 * tonumber(ARGV[j + 6]) + 2 * tonumber(ARGV[j + 9])
end

local j = first
for _ = 1, deliveries do
  if (redis.call('HGET', P .. 'dlv:' .. ARGV[j], 'rev') or '') ~= ARGV[j + 1] then return 0 end
  j = j + size(j)
end

-- Messages first: a script that fails part-way (scripts do not roll back) then leaves messages
-- sent twice on the retry, which customers drop by rev, rather than state written whose
-- messages the retry would judge old and never send. One feed message per chunk, on its
-- partition's channel, each customer message framed as <id length>:<id><json>\n
-- (domain/live-feed.ts reads them).
j = first
i = 5
for _ = 1, chunks do
  local parts = {}
  for _ = 1, tonumber(ARGV[i + 3]) do
    local id = ARGV[j]
    local head = #id .. ':' .. id
    for m = 1, tonumber(ARGV[j + 4]) do
      parts[#parts + 1] = head
      parts[#parts + 1] = ARGV[j + HEADER + m - 1]
      parts[#parts + 1] = '\n'
    end
    j = j + size(j)
  end
  if #parts > 0 then
    local source = ARGV[i] ~= '' and ARGV[i] or '-'
    redis.call('PUBLISH', P .. 'feed:' .. source, table.concat(parts))
  end
  i = i + 4
end

local add, remove, finished = {}, {}, {}
j = first
for _ = 1, deliveries do
  local id = ARGV[j]
  local key = P .. 'dlv:' .. id
  local trail = key .. ':trail'
  local messages = tonumber(ARGV[j + 4])
  local points = tonumber(ARGV[j + 6])
  local extra = tonumber(ARGV[j + 9])
  local fields = { 'seq', ARGV[j + 2], 'rev', ARGV[j + 3] }
  local position = tonumber(ARGV[j + 5])
  if position > 0 then
    fields[#fields + 1] = 'position'
    fields[#fields + 1] = ARGV[j + HEADER + position - 1]
  end
  local at = j + HEADER + messages + 2 * points
  for e = 0, 2 * extra - 1 do fields[#fields + 1] = ARGV[at + e] end
  redis.call('HSET', key, unpack(fields))
  if points > 0 then
    redis.call('ZADD', trail, unpack(ARGV, j + HEADER + messages, j + HEADER + messages + 2 * points - 1))
  end
  if ARGV[j + 7] == '1' then redis.call('ZREMRANGEBYRANK', trail, 0, -(trailLength + 1)) end
  local active = ARGV[j + 8]
  if active == '-' then
    remove[#remove + 1] = id
    -- The finished set lists delivered and cancelled ones (by their trip time) for ops.
    finished[#finished + 1] = redis.call('HGET', key, 'statusTs') or '0'
    finished[#finished + 1] = id
  elseif active ~= '' then
    add[#add + 1] = active
    add[#add + 1] = id
  end
  local life = ARGV[j + 10]
  if life == 'e' then
    redis.call('EXPIRE', key, retention)
    redis.call('EXPIRE', trail, retention)
  elseif life == 'p' then
    redis.call('PERSIST', key)
    redis.call('PERSIST', trail)
    redis.call('ZREM', P .. 'finished', id)
  elseif life == 't' then
    redis.call('EXPIRE', trail, retention)
  end
  j = j + size(j)
end

-- The active set in calls of at most 4,000 arguments (unpack's C stack holds about 8,000).
local active = P .. 'active'
for s = 1, #add, 4000 do redis.call('ZADD', active, unpack(add, s, math.min(s + 3999, #add))) end
for s = 1, #remove, 4000 do redis.call('ZREM', active, unpack(remove, s, math.min(s + 3999, #remove))) end
for s = 1, #finished, 4000 do
  redis.call('ZADD', P .. 'finished', unpack(finished, s, math.min(s + 3999, #finished)))
end

i = 5
for _ = 1, chunks do
  if ARGV[i] ~= '' then redis.call('HSET', offsets, ARGV[i], ARGV[i + 2]) end
  i = i + 4
end
return 1

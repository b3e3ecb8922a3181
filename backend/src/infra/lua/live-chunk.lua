-- Writes live-push chunks: each delivery's messages, state, trail and place in its source's
-- active set, and each partition's applied offset, all at once, but only while what the
-- caller's in-memory state was built on is unchanged (a compare-and-set): for a partition's
-- chunk, its stored offset and epoch (bumped when a delivery is taken from it by another
-- partition), so no delivery of it is read; for a chunk without a partition, each delivery's
-- stored revision. A chunk's keys are built here under its source's root
-- (infra/delivery-keys.ts), so that a fix costs a dozen short arguments, its message sent
-- once. On a Redis Cluster a call holds the chunks of one source only, one hash slot, whose
-- offset key is KEYS[1]; a standalone Redis takes several sources.
-- The arguments are written by encodeChunk (infra/live-chunk.ts), which documents them.
-- Returns 1 when written, 0 (having changed nothing) when a stored value had moved on.
local trailLength = tonumber(ARGV[1])
local retention = ARGV[2]
-- How the feed is published: PUBLISH, or SPUBLISH on a cluster (a source's channel is in its
-- keys' slot, so a call's channels are all on this node).
local publish = ARGV[3]
-- The chunks: each its root, '1' when fenced by its offset, expected and next offset, how many
-- of the deliveries below are its own (they follow in the chunks' order), its feed channel, its
-- feed frame (its customer messages, framed by the caller; '' for none), its expected epoch, and
-- how many arguments its deliveries take.
local chunks = tonumber(ARGV[4])
local CHUNK = 9
local i = 5
for _ = 1, chunks do
  if ARGV[i + 1] == '1' then
    local R = ARGV[i]
    if (redis.call('GET', R .. 'offset') or '') ~= ARGV[i + 2] then return 0 end
    if (redis.call('GET', R .. 'epoch') or '') ~= ARGV[i + 7] then return 0 end
  end
  i = i + CHUNK
end
local first = i
local HEADER = 10

-- A delivery's arguments: id, stored rev (checked for a chunk without a partition only), seq,
-- rev, position (2 when where its latest position's message is in the chunk's frame follows,
-- 1 when that message follows itself, else 0), trail points, trim ('1' or ''), active score
-- ('' unchanged, '-' to leave the set), extra fields, lifetime ('' unchanged, 'e' expire, 'p'
-- persist, 't' expire the trail); then that message's first byte in the frame and its length
-- in bytes (or the message), its trail's points, its extra (field, value) pairs.
local function size(j)
  return HEADER + tonumber(ARGV[j + 4]) + tonumber(ARGV[j + 5]) + 2 * tonumber(ARGV[j + 8])
end

-- Calls command on key with list[from .. to], in calls of at most 4,000 values: unpack's C
-- stack holds about 8,000, and a chunk may carry thousands of one delivery's points (a phone
-- sending what it buffered offline) or of a partition's deliveries. Pairs (score, member) stay
-- together when from is odd.
local function inPieces(command, key, list, from, to)
  for s = from, to, 4000 do
    redis.call(command, key, unpack(list, s, math.min(s + 3999, to)))
  end
end

-- Appends ARGV[p .. p + n - 1] to a trail, a list, oldest first. A trail written before
-- 2026-12-07 (tenth session) is a sorted set scored by revision, which cost a scan of every
-- point on each ZADD: it is made a list of the same points, in order, with its TTL, the first
-- time it is written.
local function push(trail, p, n)
  local last = p + n - 1
  local head = math.min(p + 3999, last)
  local r = redis.pcall('RPUSH', trail, unpack(ARGV, p, head))
  if type(r) == 'table' and r.err then
    if redis.call('TYPE', trail).ok ~= 'zset' then error(r) end
    local ttl = redis.call('PTTL', trail)
    local old = redis.call('ZRANGE', trail, 0, -1)
    redis.call('DEL', trail)
    inPieces('RPUSH', trail, old, 1, #old)
    inPieces('RPUSH', trail, ARGV, p, head)
    if ttl > 0 then redis.call('PEXPIRE', trail, ttl) end
  end
  inPieces('RPUSH', trail, ARGV, head + 1, last)
end

-- A chunk without a partition checks each delivery's stored revision; a fenced one was checked
-- above, and its deliveries are stepped over whole.
local j = first
i = 5
for _ = 1, chunks do
  if ARGV[i + 1] ~= '1' then
    local R = ARGV[i]
    for _ = 1, tonumber(ARGV[i + 4]) do
      if (redis.call('HGET', R .. 'dlv:' .. ARGV[j], 'rev') or '') ~= ARGV[j + 1] then return 0 end
      j = j + size(j)
    end
  else
    j = j + tonumber(ARGV[i + 8])
  end
  i = i + CHUNK
end

-- Messages first: a script that fails part-way (scripts do not roll back) then leaves messages
-- sent twice on the retry, which customers drop by rev, rather than state written whose
-- messages the retry would judge old and never send. One feed message per chunk, on its
-- source's channel (domain/live-feed.ts reads them).
i = 5
for _ = 1, chunks do
  if ARGV[i + 6] ~= '' then redis.call(publish, ARGV[i + 5], ARGV[i + 6]) end
  i = i + CHUNK
end

j = first
i = 5
for _ = 1, chunks do
  local R = ARGV[i]
  local frame = ARGV[i + 6]
  local add, remove, finished = {}, {}, {}
  for _ = 1, tonumber(ARGV[i + 4]) do
    local id = ARGV[j]
    local key = R .. 'dlv:' .. id
    local trail = key .. ':trail'
    local position = tonumber(ARGV[j + 4])
    local points = tonumber(ARGV[j + 5])
    local extra = tonumber(ARGV[j + 8])
    local at = j + HEADER + position + points
    local message
    if position == 2 then
      local from = tonumber(ARGV[j + HEADER])
      message = string.sub(frame, from, from + tonumber(ARGV[j + HEADER + 1]) - 1)
    elseif position == 1 then
      message = ARGV[j + HEADER]
    end
    -- Nearly every fix: a position and nothing else, written without building a table.
    if extra == 0 and message then
      redis.call('HSET', key, 'seq', ARGV[j + 2], 'rev', ARGV[j + 3], 'position', message)
    else
      local fields = { 'seq', ARGV[j + 2], 'rev', ARGV[j + 3] }
      if message then
        fields[#fields + 1] = 'position'
        fields[#fields + 1] = message
      end
      for e = 0, 2 * extra - 1 do fields[#fields + 1] = ARGV[at + e] end
      redis.call('HSET', key, unpack(fields))
    end
    if points > 0 then push(trail, j + HEADER + position, points) end
    if ARGV[j + 6] == '1' then redis.call('LTRIM', trail, -trailLength, -1) end
    local active = ARGV[j + 7]
    if active == '-' then
      remove[#remove + 1] = id
      -- The finished set lists delivered and cancelled ones (by their trip time) for ops.
      finished[#finished + 1] = redis.call('HGET', key, 'statusTs') or '0'
      finished[#finished + 1] = id
    elseif active ~= '' then
      add[#add + 1] = active
      add[#add + 1] = id
    end
    local life = ARGV[j + 9]
    if life == 'e' then
      redis.call('EXPIRE', key, retention)
      redis.call('EXPIRE', trail, retention)
    elseif life == 'p' then
      redis.call('PERSIST', key)
      redis.call('PERSIST', trail)
      redis.call('ZREM', R .. 'finished', id)
    elseif life == 't' then
      redis.call('EXPIRE', trail, retention)
    end
    j = at + 2 * extra
  end
  local activeKey = R .. 'active'
  inPieces('ZADD', activeKey, add, 1, #add)
  inPieces('ZREM', activeKey, remove, 1, #remove)
  inPieces('ZADD', R .. 'finished', finished, 1, #finished)
  if ARGV[i + 1] == '1' then redis.call('SET', R .. 'offset', ARGV[i + 3]) end
  i = i + CHUNK
end
return 1

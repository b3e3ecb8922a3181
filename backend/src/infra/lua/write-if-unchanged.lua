-- Applies a list of Redis commands atomically, but only while some hash fields still hold the
-- values the caller read: an optimistic write of state the caller keeps in memory (one
-- partition's deliveries, fenced by the partition's applied offset).
--
-- ARGV: n, then n triples (key, field, expected; '' for a missing field), then the commands.
-- A command is its argument count followed by the command and its arguments; a count of 0
-- starts a run of one command repeated: name, arguments per call, calls, then the arguments.
-- Returns 1 when the commands ran, 0 (and changes nothing) when a field had changed.
local n = tonumber(ARGV[1])
local i = 2
for _ = 1, n do
  if (redis.call('HGET', ARGV[i], ARGV[i + 1]) or '') ~= ARGV[i + 2] then return 0 end
  i = i + 3
end
local last = #ARGV
while i <= last do
  local count = tonumber(ARGV[i])
  if count > 0 then
    redis.call(unpack(ARGV, i + 1, i + count))
    i = i + count + 1
  else
    local name, arity, calls = ARGV[i + 1], tonumber(ARGV[i + 2]), tonumber(ARGV[i + 3])
    local j = i + 4
    for _ = 1, calls do
      redis.call(name, unpack(ARGV, j, j + arity - 1))
      j = j + arity
    end
    i = j
  end
end
return 1

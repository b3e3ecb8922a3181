import { SESSION_ORDER_LUA } from './session-order-lua.js';

/**
 * The Redis Lua script that applies one chunk of one partition to the analytics aggregates.
 * Everything it does happens atomically (Redis runs a script to the end before any other
 * command), and that is where the exactly-once effect comes from:
 *
 * 1. It reads the partition's last applied offset and skips every record at or below it, so a
 *    chunk redelivered after a crash between this write and the Kafka commit, after a rebalance,
 *    by a zombie member or by an offset reset changes nothing.
 * 2. It skips a record that is not newer than its driver's last one by the contract's
 *    (driver, session, seq) rule (the shared Lua `judge`, see infra/session-order-lua.ts):
 *    within a session, seq at or below the last (producer duplicates, stale resends); or a record
 *    of a session the driver has superseded. A new session (the app restarted, seq from 1) counts
 *    at once. The per-driver state is kept by this same script.
 * 3. It applies the effects of the rest, including the per-driver last fix the next distance is
 *    measured from, and stores the chunk's last offset, in the same step.
 *
 * Segment and histogram rules mirror domain/analytics.ts (`segment`, `observeDuration`), which
 * the tests use as the reference. Keys are built from the prefix in ARGV[1], so this needs a
 * standalone Redis (or a cluster where the prefix is a hash tag).
 *
 * ARGV: prefix, offsets field (`topic:partition`), the chunk's last offset (invalid records
 * included), config JSON {retentionS, driverTtlS, tripTtlS, maxSpeedMps, maxGapMs, bounds},
 * records JSON: [offset, 'p', driverId, session, seq, ts, lat, lng, minute, second, heatWindow,
 * cell] or [offset, 't', driverId, session, seq, ts, status, deliveryId].
 * Returns {applied, duplicates, replays, stale}.
 *
 * A driver's last fix carries over into a new session: the phone restarted, the courier kept
 * driving, and the segment rules judge the step like any other.
 */
export const APPLY_ANALYTICS_CHUNK = `${SESSION_ORDER_LUA}
local P = ARGV[1]
local field = ARGV[2]
local chunkLast = tonumber(ARGV[3])
local cfg = cjson.decode(ARGV[4])
local recs = cjson.decode(ARGV[5])
local offsetsKey = P .. 'offsets'
local done = tonumber(redis.call('HGET', offsetsKey, field) or '-1')
local function num(x) return string.format('%.17g', x) end

local R = 6371008.8
local function rad(d) return d * math.pi / 180 end
local function haversine(lat1, lng1, lat2, lng2)
  local s1 = math.sin(rad(lat2 - lat1) / 2)
  local s2 = math.sin(rad(lng2 - lng1) / 2)
  local h = s1 * s1 + math.cos(rad(lat1)) * math.cos(rad(lat2)) * s2 * s2
  return 2 * R * math.asin(math.min(1, math.sqrt(h)))
end
local bounds = cfg.bounds
local function observe(key, ms)
  local s = math.max(0, ms) / 1000
  local b = #bounds
  for i = 1, #bounds do
    if s <= bounds[i] then b = i - 1 break end
  end
  redis.call('HINCRBY', key, 'b' .. b, 1)
  redis.call('HINCRBY', key, 'count', 1)
  redis.call('HINCRBYFLOAT', key, 'sumS', num(s))
end

local t = { fixes = 0, tripEvents = 0, duplicates = 0, replays = 0, stale = 0, sessions = 0,
  outliers = 0, completed = 0, cancelled = 0, distanceM = 0, movingMs = 0 }
local byDriver = {}
local timed = {}
local drivers = {}
for _, r in ipairs(recs) do
  if tonumber(r[1]) <= done then
    t.replays = t.replays + 1
  else
    local driver = r[3]
    local dk = P .. 'drv:' .. driver
    local st = redis.call('HMGET', dk, 'seq', 'lat', 'lng', 'ts', 'session', 'superseded')
    local c = { seq = tonumber(st[1]), session = st[5] or '', superseded = decodeSuperseded(st[6]) }
    local verdict = judge(c, r[4], r[5])
    if verdict == 'd' then
      t.duplicates = t.duplicates + 1
    elseif verdict == 's' then
      t.stale = t.stale + 1
    else
      if verdict == 'n' then
        t.sessions = t.sessions + 1
        redis.call('HSET', dk, 'session', c.session, 'superseded', encodeSuperseded(c.superseded))
      elseif not st[5] then
        redis.call('HSET', dk, 'session', c.session)
      end
      drivers[dk] = true
      local seq = r[5]
      local ts = r[6]
      if r[2] == 'p' then
        local lat, lng = r[7], r[8]
        t.fixes = t.fixes + 1
        local fk, hk, wk = P .. 'fps:' .. r[9], P .. 'hll:' .. r[9], P .. 'heat:' .. r[11]
        redis.call('HINCRBY', fk, r[10], 1)
        redis.call('PFADD', hk, driver)
        redis.call('HINCRBY', wk, r[12], 1)
        timed[fk] = true
        timed[hk] = true
        timed[wk] = true
        byDriver[driver] = byDriver[driver] or 0
        if st[2] then
          local m = haversine(tonumber(st[2]), tonumber(st[3]), lat, lng)
          local ms = ts - tonumber(st[4])
          if ms > 0 and ms <= cfg.maxGapMs and m / (ms / 1000) <= cfg.maxSpeedMps then
            t.distanceM = t.distanceM + m
            t.movingMs = t.movingMs + ms
            byDriver[driver] = byDriver[driver] + m
          else
            t.outliers = t.outliers + 1
          end
        end
        redis.call('HSET', dk, 'seq', num(seq), 'lat', num(lat), 'lng', num(lng), 'ts', num(ts))
      else
        t.tripEvents = t.tripEvents + 1
        redis.call('HSET', dk, 'seq', num(seq))
        local status = r[7]
        local tk = P .. 'trip:' .. r[8]
        if status == 'assigned' then
          redis.call('DEL', tk)
          redis.call('HSET', tk, 'a', num(ts))
          redis.call('EXPIRE', tk, cfg.tripTtlS)
        elseif status == 'picked_up' then
          redis.call('HSET', tk, 'p', num(ts))
          redis.call('EXPIRE', tk, cfg.tripTtlS)
        elseif status == 'delivered' then
          t.completed = t.completed + 1
          local trip = redis.call('HMGET', tk, 'a', 'p')
          if trip[1] then observe(P .. 'hist:a', ts - tonumber(trip[1])) end
          if trip[2] then observe(P .. 'hist:p', ts - tonumber(trip[2])) end
          redis.call('DEL', tk)
        else
          t.cancelled = t.cancelled + 1
          redis.call('DEL', tk)
        end
      end
    end
  end
end

for k in pairs(timed) do redis.call('EXPIRE', k, cfg.retentionS) end
for k in pairs(drivers) do redis.call('EXPIRE', k, cfg.driverTtlS) end
for d, m in pairs(byDriver) do redis.call('ZINCRBY', P .. 'dist', num(m), d) end
local totals = P .. 'totals'
for _, f in ipairs({ 'fixes', 'tripEvents', 'duplicates', 'replays', 'stale', 'sessions', 'outliers', 'completed', 'cancelled', 'movingMs' }) do
  if t[f] ~= 0 then redis.call('HINCRBY', totals, f, t[f]) end
end
if t.distanceM ~= 0 then redis.call('HINCRBYFLOAT', totals, 'distanceM', num(t.distanceM)) end
if chunkLast > done then redis.call('HSET', offsetsKey, field, ARGV[3]) end
return { t.fixes + t.tripEvents, t.duplicates, t.replays, t.stale }
`;

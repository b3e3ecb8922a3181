import { SUPERSEDED_SESSIONS_KEPT } from '../domain/driver-session.js';

/**
 * The Lua copy of `judgeRecord` (domain/driver-session.ts), prepended to the scripts that
 * de-duplicate records in Redis (live-push's delivery updates, the analytics chunk): the rule
 * has to run inside them to be atomic with the state it guards. session-order-lua.int.test.ts
 * holds it to the TypeScript one.
 *
 * A cursor is a table `{ session = string, seq = number|nil, superseded = { newest first } }`;
 * `seq == nil` means nothing was seen yet. `judge(c, session, seq)` updates it in place and
 * returns 'a' (applied), 'n' (new session, applied), 'd' (duplicate) or 's' (stale), and sets
 * `c.supersededChanged` when `superseded` must be written back (`encodeSuperseded`).
 */
export const SESSION_ORDER_LUA = `
local SESSIONS_KEPT = ${SUPERSEDED_SESSIONS_KEPT}
local function decodeSuperseded(raw)
  if not raw or raw == '' then return {} end
  return cjson.decode(raw)
end
local function encodeSuperseded(list)
  -- cjson writes an empty table as {}, which decodes back to an empty list all the same.
  return cjson.encode(list)
end
local function judge(c, session, seq)
  if c.seq == nil then
    c.session, c.seq = session, seq
    return 'a'
  end
  if session == c.session then
    if seq > c.seq then
      c.seq = seq
      return 'a'
    end
    return 'd'
  end
  for i = 1, #c.superseded do
    if c.superseded[i] == session then return 's' end
  end
  table.insert(c.superseded, 1, c.session)
  if #c.superseded > SESSIONS_KEPT then table.remove(c.superseded) end
  c.session, c.seq, c.supersededChanged = session, seq, true
  return 'n'
end
`;

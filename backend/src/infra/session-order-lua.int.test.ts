import { afterAll, beforeAll, expect, inject, it } from 'vitest';
// The simulator's seeded PRNG: same seed, same streams.
import { createRng } from '../../../driver-simulator/src/rng.js';
import { judgeRecord, type SessionCursor } from '../domain/driver-session.js';
import { testLogger } from '../testing/fixtures.js';
import { createRedis, type RedisClient } from './redis.js';
import { SESSION_ORDER_LUA } from './session-order-lua.js';

let redis: RedisClient;
beforeAll(async () => {
  redis = await createRedis({ url: inject('redisUrl'), log: testLogger(), name: 'session-lua' });
});
afterAll(async () => {
  await redis.quit();
});

/** Runs the Lua `judge` over a stream of [session, seq] and returns its verdict letters. */
const JUDGE_STREAM = `${SESSION_ORDER_LUA}
local c = { session = '', superseded = {} }
local out = {}
for _, r in ipairs(cjson.decode(ARGV[1])) do out[#out + 1] = judge(c, r[1], r[2]) end
return table.concat(out)
`;

const LETTER = { applied: 'a', 'new-session': 'n', duplicate: 'd', stale: 's' } as const;

it('judges streams of restarts, duplicates and late records exactly as judgeRecord', async () => {
  const rnd = createRng(11);
  for (let stream = 0; stream < 50; stream++) {
    // Sessions are restarted now and then, old ones come back late, seqs repeat and go back.
    const records: [string, number][] = [];
    let session = 0;
    let seq = 0;
    for (let i = 0; i < 200; i++) {
      const p = rnd();
      if (p < 0.05) [session, seq] = [session + 1, 0];
      const s = p > 0.9 ? Math.floor(rnd() * (session + 1)) : session;
      seq = p > 0.8 ? Math.max(0, seq - Math.floor(rnd() * 3)) : seq + 1;
      // Session 0 is the default session (no `session` field): '' on the Lua side.
      records.push([s === 0 ? '' : `s${s}`, seq]);
    }
    let cursor: SessionCursor | undefined;
    const want = records
      .map(([s, q]) => {
        const j = judgeRecord(cursor, s === '' ? { seq: q } : { session: s, seq: q });
        cursor = j.cursor;
        return LETTER[j.verdict];
      })
      .join('');
    const got = await redis.eval(JUDGE_STREAM, 0, JSON.stringify(records));
    expect(got).toBe(want);
  }
});

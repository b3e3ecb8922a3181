import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, testNamespace } from '../testing/test-context.js';
import { createMergedWriter, writeIfUnchanged } from './write-if-unchanged.js';

let t: Awaited<ReturnType<typeof createTestContext>>;
let P: string;

beforeAll(async () => {
  t = await createTestContext(['live-push'], testNamespace('write-if-unchanged'));
  P = t.ctx.config.redis.prefix;
});
afterAll(async () => {
  await t.close();
});

describe('createMergedWriter', () => {
  it('sends the writes of one event-loop turn as one script call', async () => {
    const write = createMergedWriter(t.ctx.redis);
    // Loaded first, so that each call below is one EVALSHA.
    await write([], [['HSET', `${P}m:warm`, 'f', 1]]);
    const monitor = t.ctx.redis.duplicate();
    const calls: string[] = [];
    const m = await monitor.monitor();
    m.on('monitor', (_time: string, args: string[]) => {
      if (/^evalsha$/i.test(args[0] ?? '') && args.some((a) => a.startsWith(`${P}m`)))
        calls.push(args.join(' '));
    });
    try {
      const answers = await Promise.all(
        [0, 1, 2].map((i) =>
          write(
            [{ key: `${P}m:offsets`, field: `p${i}`, expected: '' }],
            [['HSET', `${P}m:offsets`, `p${i}`, 10 + i]],
          ),
        ),
      );
      expect(answers).toEqual([true, true, true]);
      expect(await t.ctx.redis.hgetall(`${P}m:offsets`)).toEqual({ p0: '10', p1: '11', p2: '12' });
      await expect.poll(() => calls.length).toBe(1);
    } finally {
      m.disconnect();
      monitor.disconnect();
    }
  });

  it('gives each write its own answer when one condition of a merged call fails', async () => {
    const write = createMergedWriter(t.ctx.redis);
    await writeIfUnchanged(t.ctx.redis, [], [['HSET', `${P}f:offsets`, 'p1', 5]]);
    const answers = await Promise.all([
      write(
        [{ key: `${P}f:offsets`, field: 'p0', expected: '' }],
        [['HSET', `${P}f:offsets`, 'p0', 1]],
      ),
      // Stale: p1 is 5 by now.
      write(
        [{ key: `${P}f:offsets`, field: 'p1', expected: '' }],
        [['HSET', `${P}f:offsets`, 'p1', 1]],
      ),
      write(
        [{ key: `${P}f:offsets`, field: 'p2', expected: '' }],
        [['HSET', `${P}f:offsets`, 'p2', 1]],
      ),
    ]);
    expect(answers).toEqual([true, false, true]);
    expect(await t.ctx.redis.hgetall(`${P}f:offsets`)).toEqual({ p0: '1', p1: '5', p2: '1' });
  });
});

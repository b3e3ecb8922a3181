import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { createTestContext, testNamespace } from '../testing/test-context.js';
import { WireArgs, wireScript } from './redis-script.js';

let t: Awaited<ReturnType<typeof createTestContext>>;
const onCluster = inject('redisUrl').includes('+cluster://');

beforeAll(async () => {
  t = await createTestContext(['live-push'], testNamespace('redis-script'));
});
afterAll(async () => {
  await t.close();
});

// Echoes its key and arguments, with each argument's length in bytes as Lua sees it.
const echo = wireScript(`
local out = { KEYS[1] }
for i = 1, #ARGV do out[#out + 1] = ARGV[i] .. '/' .. #ARGV[i] end
return out
`);

const args = (...xs: (string | number)[]) => {
  const a = new WireArgs();
  for (const x of xs) a.add(x);
  return a;
};

it('sends its arguments as they are: numbers, empty strings, multi-byte text, CRLF, and appended ones', async () => {
  const key = `${t.ctx.config.redis.prefix}echo`;
  // Long ones too, past the first buffer: ASCII and not.
  const long = 'x'.repeat(5000);
  const wide = 'é🚚'.repeat(1500);
  const a = args(42, -1.5, '', 'Zürich ⌖ 🚚', 'line\r\nnext', long);
  a.append(args('tail', 0, wide));
  expect(a.count).toBe(9);
  expect(await echo.call(t.redis, [key], a)).toEqual([
    key,
    '42/2',
    '-1.5/4',
    '/0',
    `Zürich ⌖ 🚚/${Buffer.byteLength('Zürich ⌖ 🚚')}`,
    'line\r\nnext/10',
    `${long}/5000`,
    'tail/4',
    '0/1',
    `${wide}/${Buffer.byteLength(wide)}`,
  ]);
});

it.skipIf(onCluster)('loads the script again when the server lost it (NOSCRIPT)', async () => {
  const key = `${t.ctx.config.redis.prefix}flushed`;
  expect(await echo.call(t.redis, [key], args('a'))).toEqual([key, 'a/1']);
  await t.redis.script('FLUSH');
  expect(await echo.call(t.redis, [key], args('b'))).toEqual([key, 'b/1']);
});

it('answers errors as errors', async () => {
  const failing = wireScript(`return redis.error_reply('FSTEST ' .. ARGV[1])`);
  await expect(
    failing.call(t.redis, [`${t.ctx.config.redis.prefix}x`], args('no')),
  ).rejects.toThrow('FSTEST no');
});

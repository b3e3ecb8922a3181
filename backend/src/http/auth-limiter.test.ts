import { expect, it } from 'vitest';
import { createAuthLimiter } from './auth-limiter.js';

it('blocks an address for a window after too many failures within one, others untouched', () => {
  const limiter = createAuthLimiter({ maxFailures: 3, windowMs: 60_000 });
  const t0 = 1_000_000;
  limiter.failed('a', t0);
  limiter.failed('a', t0 + 1000);
  expect(limiter.retryAfterMs('a', t0 + 1000)).toBe(0);
  limiter.failed('a', t0 + 2000);
  expect(limiter.retryAfterMs('a', t0 + 2000)).toBe(60_000);
  expect(limiter.retryAfterMs('a', t0 + 32_000)).toBe(30_000);
  expect(limiter.retryAfterMs('b', t0 + 2000)).toBe(0);
  expect(limiter.retryAfterMs('a', t0 + 62_000)).toBe(0);
});

it('counts failures per window: slow guessing stays below the limit', () => {
  const limiter = createAuthLimiter({ maxFailures: 3, windowMs: 10_000 });
  for (let i = 0; i < 20; i++) limiter.failed('a', i * 6_000);
  expect(limiter.retryAfterMs('a', 20 * 6_000)).toBe(0);
});

it('forgets the oldest addresses past its bound, so a spray of addresses cannot grow it', () => {
  const limiter = createAuthLimiter({ maxFailures: 1, windowMs: 60_000, maxTracked: 2 });
  limiter.failed('a', 0);
  limiter.failed('b', 0);
  limiter.failed('c', 0);
  expect(limiter.retryAfterMs('a', 1)).toBe(0);
  expect(limiter.retryAfterMs('b', 1)).toBeGreaterThan(0);
  expect(limiter.retryAfterMs('c', 1)).toBeGreaterThan(0);
});

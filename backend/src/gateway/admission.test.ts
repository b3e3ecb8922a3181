import { describe, expect, it } from 'vitest';
import { createAdmission } from './admission.js';

describe('handshake admission', () => {
  it('admits a second of burst, then one per interval, and queues the rest at that rate', () => {
    let t = 1_000_000;
    let r = 0;
    const sequence = [0, 0.5, 1, 0.25, 0.75];
    const a = createAdmission(100, { now: () => t, random: () => sequence[r++ % 5]! });
    const waits = Array.from({ length: 1100 }, () => a.take());
    expect(waits.slice(0, 100).every((w) => w === 0)).toBe(true);
    const told = waits.slice(100);
    expect(told.every((w) => w > 0)).toBe(true);
    expect(a.shed).toBe(1000);
    // 1,000 turned away at 100/s: told to come back over about 10 s, never all at once.
    expect(Math.max(...told)).toBeGreaterThan(9_000);
    expect(Math.max(...told)).toBeLessThanOrEqual(10_000);
    const perSecond = new Map<number, number>();
    for (const w of told)
      perSecond.set(Math.floor(w / 1000), (perSecond.get(Math.floor(w / 1000)) ?? 0) + 1);
    // They come back at the rate that can be admitted, 100 a second.
    expect([...perSecond.values()].every((n) => n <= 101)).toBe(true);

    t += 50; // five intervals later: five admitted, then turned away again
    expect(Array.from({ length: 6 }, () => a.take()).filter((w) => w === 0)).toHaveLength(5);
    t += 5_000; // refilled, but never beyond one second of burst
    expect(Array.from({ length: 101 }, () => a.take()).filter((w) => w === 0)).toHaveLength(100);
  });

  it('caps the suggested wait at 30 s', () => {
    const a = createAdmission(1, { now: () => 0, random: () => 1 });
    a.take();
    const waits = Array.from({ length: 100 }, () => a.take());
    expect(Math.max(...waits)).toBe(30_000);
  });
});

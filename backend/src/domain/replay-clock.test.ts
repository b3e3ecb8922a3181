import { describe, expect, it } from 'vitest';
import { createReplayClock } from './replay-clock.js';

describe('replay clock', () => {
  it('runs at speed, holds still while paused, and seeks', () => {
    const c = createReplayClock(1_000_000, 10, 0);
    expect(c.at(100)).toBe(1_001_000);
    expect(c.dueIn(1_002_000, 100)).toBe(100);
    c.pause(100);
    expect(c.at(5_000)).toBe(1_001_000);
    expect(c.dueIn(1_002_000, 5_000)).toBe(Infinity);
    expect(c.dueIn(1_000_500, 5_000)).toBe(0);
    c.play(5_000);
    c.setSpeed(60, 5_000);
    expect(c.at(5_100)).toBe(1_007_000);
    c.seek(2_000_000, 6_000);
    expect(c.at(6_010)).toBe(2_000_600);
    expect(c.playing).toBe(true);
    expect(c.speed).toBe(60);
  });
});

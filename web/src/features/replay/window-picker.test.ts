import { describe, expect, it } from 'vitest';
import { fromLocalInput, toLocalInput, windowProblem } from './window-picker.js';

describe('window picker', () => {
  it('round-trips a time through a datetime-local value, to the second', () => {
    const at = Date.UTC(2025, 5, 1, 12, 34, 56);
    expect(toLocalInput(at)).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/);
    expect(fromLocalInput(toLocalInput(at))).toBe(at);
    expect(fromLocalInput('')).toBeNaN();
  });

  it('refuses empty, reversed, future and too long windows', () => {
    const now = 100 * 3600_000;
    expect(windowProblem(now - 60_000, now, now)).toBeNull();
    expect(windowProblem(Number.NaN, now, now)).toMatch(/both/);
    expect(windowProblem(now, now - 1, now)).toMatch(/before/);
    expect(windowProblem(now + 1, now + 2, now)).toMatch(/past/);
    expect(windowProblem(now - 25 * 3600_000, now, now)).toMatch(/at most 24 hours/);
  });
});

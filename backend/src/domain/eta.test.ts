import { describe, expect, it } from 'vitest';
import { addSpeed, etaRange, pushSpeed, speedOf } from './eta.js';

describe('etaRange', () => {
  it('brackets the time at the recent mean speed', () => {
    // 3 km at a steady 8 m/s is 375 s; the range is ±25 % of the pace.
    const r = etaRange(3000, [8, 8, 8, 8]);
    expect(r).toEqual({ minS: 300, maxS: 500 });
    expect(r.minS).toBeLessThanOrEqual(375);
    expect(r.maxS).toBeGreaterThanOrEqual(375);
  });

  it('ignores standing still and bounds implausible speeds', () => {
    expect(etaRange(1200, [0, 0, 40, 40])).toEqual({ minS: 100, maxS: 100 }); // capped at 12 m/s
    expect(etaRange(1200, [0, 0])).toEqual({ minS: 160, maxS: 267 }); // no pace yet: 6 m/s
  });

  it('adds the pickup wait still ahead', () => {
    expect(etaRange(3000, [8], { waitS: [60, 300] })).toEqual({ minS: 360, maxS: 800 });
  });

  it('keeps a bounded speed history', () => {
    let h: number[] = [];
    for (let i = 0; i < 40; i++) h = pushSpeed(h, i, 30);
    expect(h).toHaveLength(30);
    expect(h[0]).toBe(10);
  });

  it('keeps the same history in place as pushSpeed does anew', () => {
    let fresh: number[] = [];
    const kept: number[] = [];
    for (let i = 0; i < 40; i++) {
      fresh = pushSpeed(fresh, i * 0.7, 30);
      addSpeed(kept, i * 0.7, 30);
      expect(kept).toEqual(fresh);
    }
  });

  it('takes the reported speed, else measures it from the previous fix', () => {
    const prev = { lat: 52.5, lng: 13.4, ts: 0 };
    expect(speedOf({ lat: 52.5001, lng: 13.4, ts: 1000, speedMps: 3 }, prev)).toBe(3);
    expect(speedOf({ lat: 52.5001, lng: 13.4, ts: 2000 }, prev)).toBeCloseTo(5.6, 1);
    expect(speedOf({ lat: 52.5001, lng: 13.4, ts: 0 }, prev)).toBeUndefined();
    expect(speedOf({ lat: 52.5001, lng: 13.4, ts: 0 }, null)).toBeUndefined();
  });
});

import { expect, it } from 'vitest';
import { decodeTrailPoint, encodeTrailPoint } from './trail-point.js';

it('writes a trail point in at most 64 bytes and reads it back exactly, old JSON members too', () => {
  const points = [
    { lat: 43.73145678912345, lng: 7.419876543219876, ts: 1_796_619_001_946, seq: 123_456 },
    { lat: -33.8688, lng: 151.2093, ts: 0, seq: 0 },
    { lat: 1e-7, lng: -179.99999999999997, ts: 1, seq: 2 ** 31 },
  ];
  for (const p of points) {
    const member = encodeTrailPoint(p);
    expect(member.length).toBeLessThanOrEqual(64);
    expect(decodeTrailPoint(member)).toEqual(p);
    expect(decodeTrailPoint(JSON.stringify(p))).toEqual(p);
  }
});

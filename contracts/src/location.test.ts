import { describe, expect, it } from 'vitest';
import { decodeLocationRecord, encodeLocationRecord, type LocationRecord } from './location.js';

const position: LocationRecord = {
  type: 'position',
  v: 1,
  driverId: 'drv-00042',
  deliveryId: 'dlv-1',
  seq: 1234,
  ts: 1763784742123,
  lat: 52.52,
  lng: 13.405,
  speedMps: 8.3,
  headingDeg: 270,
  accuracyM: 5,
};

const decode = (v: unknown) => decodeLocationRecord(Buffer.from(JSON.stringify(v)));

describe('decodeLocationRecord', () => {
  it('round-trips the DESIGN.md examples', () => {
    expect(decodeLocationRecord(encodeLocationRecord(position))).toEqual({
      ok: true,
      value: position,
    });
    const trip = {
      type: 'trip',
      v: 1,
      driverId: 'drv-00042',
      deliveryId: 'dlv-1',
      seq: 1235,
      ts: 1763784742999,
      status: 'assigned',
      pickup: { lat: 52.5, lng: 13.4 },
      dropoff: { lat: 52.51, lng: 13.41 },
    };
    expect(decode(trip)).toEqual({ ok: true, value: trip });
  });

  it('requires pickup and dropoff on assigned only', () => {
    const base = { type: 'trip', v: 1, driverId: 'd', deliveryId: 'x', seq: 1, ts: 1 };
    const r = decode({ ...base, status: 'assigned' });
    expect(r.ok).toBe(false);
    expect(!r.ok && r.error).toMatch(/pickup and dropoff/);
    expect(decode({ ...base, status: 'delivered' }).ok).toBe(true);
  });

  it('accepts a session of 1-64 characters on both kinds', () => {
    const trip = { type: 'trip', v: 1, driverId: 'd', deliveryId: 'x', seq: 1, ts: 1 };
    for (const session of ['a', 'x'.repeat(64)]) {
      expect(decode({ ...position, session })).toEqual({
        ok: true,
        value: { ...position, session },
      });
      expect(decode({ ...trip, status: 'delivered', session }).ok).toBe(true);
    }
  });

  it.each([
    ['empty session', Buffer.from(JSON.stringify({ ...position, session: '' })), /session/],
    [
      'long session',
      Buffer.from(JSON.stringify({ ...position, session: 'x'.repeat(65) })),
      /session/,
    ],
    ['numeric session', Buffer.from(JSON.stringify({ ...position, session: 7 })), /session/],
    ['empty', Buffer.alloc(0), /empty/],
    ['bad JSON', Buffer.from('{"type":'), /invalid JSON/],
    ['invalid UTF-8', Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), /UTF-8/],
    ['huge', Buffer.alloc(1024 * 1024, 0x20), /exceeds/],
    ['out of range', Buffer.from(JSON.stringify({ ...position, lat: 91 })), /lat/],
    ['NaN as null', Buffer.from(JSON.stringify({ ...position, lng: NaN })), /lng/],
    ['wrong type', Buffer.from(JSON.stringify({ ...position, seq: '7' })), /seq/],
    ['unknown kind', Buffer.from(JSON.stringify({ ...position, type: 'teleport' })), /type/],
    ['fractional seq', Buffer.from(JSON.stringify({ ...position, seq: 1.5 })), /seq/],
  ])('rejects %s with a reason', (_name, value, reason) => {
    const r = decodeLocationRecord(value);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.error).toMatch(reason);
  });
});

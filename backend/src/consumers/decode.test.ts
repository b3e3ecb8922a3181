import { describe, expect, it } from 'vitest';
import { encodeLocationRecord } from '@fleetstream/contracts';
import { loadConfig } from '../config.js';
import type { AppContext } from '../context.js';
import { decodeConsumed } from './decode.js';

const ctx = {
  config: loadConfig(['live-push'], {
    RECORD_MAX_FUTURE_MS: '60000',
    RECORD_MAX_AGE_MS: '3600000',
  }),
} as AppContext;
const broker = 1_763_784_742_000;
const consumed = (ts: number) => ({
  topic: 't',
  partition: 0,
  offset: '1',
  key: 'drv',
  timestamp: broker,
  value: encodeLocationRecord({
    type: 'position',
    v: 1,
    driverId: 'drv',
    deliveryId: null,
    seq: 1,
    ts,
    lat: 52.5,
    lng: 13.4,
  }),
});

describe('decodeConsumed', () => {
  it('accepts device times within the tolerance, either way', () => {
    expect(decodeConsumed(ctx, consumed(broker + 59_000)).ok).toBe(true);
    expect(decodeConsumed(ctx, consumed(broker - 3_599_000)).ok).toBe(true);
  });
  it('dead-letters fixes from the future beyond the clock-skew tolerance', () => {
    const r = decodeConsumed(ctx, consumed(broker + 61_000));
    expect(r).toEqual({
      ok: false,
      error: "ts is 61 s ahead of the broker's time (tolerance 60 s)",
    });
  });
  it('dead-letters fixes older than the maximum age', () => {
    expect(decodeConsumed(ctx, consumed(broker - 3_601_000)).ok).toBe(false);
  });
});

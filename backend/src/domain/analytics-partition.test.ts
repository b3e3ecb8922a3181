import { describe, expect, it } from 'vitest';
import { analyticsTrace } from '../testing/analytics-trace.js';
import { computeGroundTruth } from './analytics.js';
import { applyAnalyticsChunk, emptyPartitionState, forgetQuiet } from './analytics-partition.js';

describe('applyAnalyticsChunk', () => {
  it('sums to the reference model over any chunking, and skips what it already applied', () => {
    const trace = analyticsTrace({ drivers: 6, steps: 300, startTs: 1_763_784_000_000 });
    const truth = computeGroundTruth(trace);
    const state = emptyPartitionState();
    const records = trace.map((record, offset) => ({ offset, record }));
    let fixes = 0;
    let duplicates = 0;
    let distanceM = 0;
    let replays = 0;
    for (let i = 0, size = 1; i < records.length; i += size, size = (size * 7) % 97) {
      const chunk = records.slice(i, i + size);
      const fx = applyAnalyticsChunk(state, chunk, chunk.at(-1)!.offset);
      fixes += fx.totals.fixes;
      duplicates += fx.totals.duplicates;
      distanceM += fx.distanceM;
      // The same chunk again, as after a crash before the commit: nothing is applied twice.
      replays += applyAnalyticsChunk(state, chunk, chunk.at(-1)!.offset).totals.replays;
    }
    expect(fixes).toBe(truth.fixes);
    expect(duplicates).toBe(truth.duplicatesSkipped);
    expect(distanceM).toBeCloseTo(truth.distanceM, 6);
    expect(replays).toBe(records.length);
    expect(state.applied).toBe(records.length - 1);
  });
});

describe('forgetQuiet', () => {
  it('forgets drivers and trips quiet past their time to live, by device time', () => {
    const state = emptyPartitionState();
    const cursor = { session: '', seq: 1, superseded: [] };
    state.drivers.set('old', { cursor, seenTs: 0 });
    state.drivers.set('recent', { cursor, seenTs: 9_000 });
    state.trips.set('abandoned', { assigned: 0, seenTs: 0 });
    state.trips.set('open', { assigned: 8_000, seenTs: 8_000 });
    expect(forgetQuiet(state, 10_000, { driverTtlMs: 5_000, tripTtlMs: 5_000 })).toEqual({
      drivers: ['old'],
      trips: ['abandoned'],
    });
    expect([...state.drivers.keys()]).toEqual(['recent']);
    expect([...state.trips.keys()]).toEqual(['open']);
  });
});

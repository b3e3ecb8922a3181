import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LocationRecordSchema } from './location.js';
import { parseLocationRecordFast } from './location-fast-path.js';

// Values a field may be mutated to: every type JSON has, and the schema's boundaries.
const anyJson = fc.oneof(
  fc.constantFrom(
    null,
    true,
    '',
    'x',
    'a'.repeat(64),
    'a'.repeat(65),
    0,
    -0.5,
    1,
    1.5,
    -1,
    89.999,
    90,
    90.0001,
    -90,
    180,
    -180.01,
    149.9,
    150,
    150.1,
    359.99,
    360,
    100_000,
    100_001,
    Number.MAX_SAFE_INTEGER,
    Number.MAX_SAFE_INTEGER + 2,
    'position',
    'trip',
    'assigned',
    'picked_up',
    'delivered',
    'cancelled',
    'unknown',
    [],
    {},
    { lat: 1, lng: 2 },
    { lat: 91, lng: 2 },
    { lat: 1 },
  ),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.integer(),
  fc.string({ maxLength: 70 }),
);

const position = fc.record(
  {
    type: fc.constant('position'),
    v: fc.constant(1),
    driverId: fc.string({ minLength: 1, maxLength: 64 }),
    deliveryId: fc.option(fc.string({ minLength: 1, maxLength: 64 })),
    session: fc.string({ minLength: 1, maxLength: 64 }),
    seq: fc.nat(),
    ts: fc.integer({ min: 1 }),
    lat: fc.double({ min: -90, max: 90, noNaN: true }),
    lng: fc.double({ min: -180, max: 180, noNaN: true }),
    speedMps: fc.double({ min: 0, max: 150, noNaN: true }),
    headingDeg: fc.double({ min: 0, max: 359.9, noNaN: true }),
    accuracyM: fc.double({ min: 0, max: 100_000, noNaN: true }),
  },
  { requiredKeys: ['type', 'v', 'driverId', 'deliveryId', 'seq', 'ts', 'lat', 'lng'] },
);
const latLng = fc.record({
  lat: fc.double({ min: -90, max: 90, noNaN: true }),
  lng: fc.double({ min: -180, max: 180, noNaN: true }),
});
const trip = fc.record(
  {
    type: fc.constant('trip'),
    v: fc.constant(1),
    driverId: fc.string({ minLength: 1, maxLength: 64 }),
    deliveryId: fc.string({ minLength: 1, maxLength: 64 }),
    session: fc.string({ minLength: 1, maxLength: 64 }),
    seq: fc.nat(),
    ts: fc.integer({ min: 1 }),
    status: fc.constantFrom('assigned', 'picked_up', 'delivered', 'cancelled'),
    pickup: latLng,
    dropoff: latLng,
  },
  { requiredKeys: ['type', 'v', 'driverId', 'deliveryId', 'seq', 'ts', 'status'] },
);

/** A valid record with up to three fields replaced, removed or added. */
const mutated = fc
  .tuple(
    fc.oneof(position, trip),
    fc.array(
      fc.tuple(
        fc.constantFrom(
          'type',
          'v',
          'driverId',
          'deliveryId',
          'session',
          'seq',
          'ts',
          'lat',
          'lng',
          'speedMps',
          'headingDeg',
          'accuracyM',
          'status',
          'pickup',
          'dropoff',
          'extra',
        ),
        fc.option(anyJson),
      ),
      { maxLength: 3 },
    ),
  )
  .map(([record, edits]) => {
    const out: Record<string, unknown> = { ...record };
    for (const [key, value] of edits) {
      if (value === null) delete out[key];
      else out[key] = value;
    }
    return out;
  });

/** Through JSON, as a consumer sees it (-0 becomes 0, and so on). */
const asConsumed = (x: unknown): unknown => JSON.parse(JSON.stringify(x));

describe('parseLocationRecordFast', () => {
  it('accepts exactly what the schema accepts, and returns what the schema returns', () => {
    fc.assert(
      fc.property(mutated, (raw) => {
        const json = asConsumed(raw);
        const schema = LocationRecordSchema.safeParse(json);
        const fast = parseLocationRecordFast(json);
        if (schema.success) expect(fast).toStrictEqual(schema.data);
        else expect(fast).toBeNull();
      }),
      { seed: 20261202, numRuns: 20_000 },
    );
  });

  it('is fed both valid and invalid records (the property above would be weak otherwise)', () => {
    const sample = fc.sample(mutated, { seed: 7, numRuns: 2000 }).map(asConsumed);
    const valid = sample.filter((j) => LocationRecordSchema.safeParse(j).success).length;
    expect(valid).toBeGreaterThan(sample.length * 0.2);
    expect(valid).toBeLessThan(sample.length * 0.8);
  });

  it('refuses what is not a record object at all', () => {
    for (const json of [null, 1, 'x', [], [{ type: 'position' }], { type: 'position' }])
      expect(parseLocationRecordFast(json)).toBeNull();
  });
});

import type { LatLng, LocationRecord, PositionRecord, TripRecord } from './location.js';

/**
 * The same checks as `LocationRecordSchema` for one parsed JSON value, written out by hand:
 * every group decodes every record, and the schema's generic machinery cost more than the
 * JSON parse itself. Returns the record exactly as the schema would (unknown keys dropped), or
 * null when anything is off, and then the caller asks the schema, whose message says why. It
 * must never accept what the schema refuses: location-fast-path.test.ts checks both against
 * each other on seeded random mutations of valid records.
 */
export function parseLocationRecordFast(json: unknown): LocationRecord | null {
  if (!isObject(json) || json.v !== 1) return null;
  if (json.type === 'position') return position(json);
  if (json.type === 'trip') return trip(json);
  return null;
}

type Obj = Record<string, unknown>;

const isObject = (x: unknown): x is Obj => typeof x === 'object' && x !== null && !Array.isArray(x);
const isId = (x: unknown): x is string => typeof x === 'string' && x.length >= 1 && x.length <= 64;
const inRange = (x: unknown, min: number, max: number): x is number =>
  typeof x === 'number' && x >= min && x <= max;
const isSeq = (x: unknown): x is number => Number.isSafeInteger(x) && (x as number) >= 0;
const isTs = (x: unknown): x is number => Number.isSafeInteger(x) && (x as number) > 0;
const optional = (x: unknown, check: (x: unknown) => boolean) => x === undefined || check(x);

const TRIP_STATUS = new Set(['assigned', 'picked_up', 'delivered', 'cancelled']);

function position(j: Obj): PositionRecord | null {
  const { driverId, deliveryId, session, seq, ts, lat, lng, speedMps, headingDeg, accuracyM } = j;
  if (!isId(driverId) || !(deliveryId === null || isId(deliveryId))) return null;
  if (!optional(session, isId) || !isSeq(seq) || !isTs(ts)) return null;
  if (!inRange(lat, -90, 90) || !inRange(lng, -180, 180)) return null;
  if (!optional(speedMps, (x) => inRange(x, 0, 150))) return null;
  if (!optional(headingDeg, (x) => inRange(x, 0, 360) && x < 360)) return null;
  if (!optional(accuracyM, (x) => inRange(x, 0, 100_000))) return null;
  const out: PositionRecord = { type: 'position', v: 1, driverId, deliveryId, seq, ts, lat, lng };
  if (session !== undefined) out.session = session as string;
  if (speedMps !== undefined) out.speedMps = speedMps as number;
  if (headingDeg !== undefined) out.headingDeg = headingDeg as number;
  if (accuracyM !== undefined) out.accuracyM = accuracyM as number;
  return out;
}

function latLng(x: unknown): LatLng | null {
  if (!isObject(x) || !inRange(x.lat, -90, 90) || !inRange(x.lng, -180, 180)) return null;
  return { lat: x.lat, lng: x.lng };
}

function trip(j: Obj): TripRecord | null {
  const { driverId, deliveryId, session, seq, ts, status, pickup, dropoff } = j;
  if (!isId(driverId) || !isId(deliveryId) || !optional(session, isId)) return null;
  if (!isSeq(seq) || !isTs(ts) || typeof status !== 'string' || !TRIP_STATUS.has(status))
    return null;
  const out: TripRecord = {
    type: 'trip',
    v: 1,
    driverId,
    deliveryId,
    seq,
    ts,
    status: status as TripRecord['status'],
  };
  if (session !== undefined) out.session = session as string;
  if (pickup !== undefined) {
    const p = latLng(pickup);
    if (!p) return null;
    out.pickup = p;
  }
  if (dropoff !== undefined) {
    const d = latLng(dropoff);
    if (!d) return null;
    out.dropoff = d;
  }
  if (status === 'assigned' && (!out.pickup || !out.dropoff)) return null;
  return out;
}

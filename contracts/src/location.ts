import { z } from 'zod';
import { parseLocationRecordFast } from './location-fast-path.js';

/** Largest record value we try to decode; anything bigger is dead-lettered unread. */
export const MAX_LOCATION_RECORD_BYTES = 16 * 1024;

const id = z.string().min(1).max(64);

/**
 * The driver app's session: an id (1–64 characters) the app picks when it starts, so a
 * reinstalled or rebooted app, whose `seq` starts again from 1, is told apart from stale records.
 *
 * Order and de-duplication are per (driver, session, seq). Which session is newer is decided by
 * the Kafka log, never by the device clock (phones are skewed, and a new phone's clock is not the
 * old one's): a driver's records are on one partition in produce order, so the first record of a
 * session the driver has not sent before supersedes the driver's current session, and from then
 * on a record of a superseded session is stale and skipped. Within a session a record is applied
 * only when its seq is above the session's last one, as before. A record without `session`
 * belongs to the driver's default session, so producers that never send one keep today's meaning.
 * Consumers remember a driver's last few superseded sessions (at least 16).
 */
export const SessionSchema = id;

export const LatLngSchema = z.object({
  lat: z.number().min(-90).max(90),
  lng: z.number().min(-180).max(180),
});
export type LatLng = z.infer<typeof LatLngSchema>;

/** A GPS fix from a driver app. `ts` is the device fix time in epoch ms. */
export const PositionRecordSchema = z.object({
  type: z.literal('position'),
  v: z.literal(1),
  driverId: id,
  /** The delivery the driver is on, or null between deliveries. */
  deliveryId: id.nullable(),
  /** The app's session (see {@link SessionSchema}); absent = the driver's default session. */
  session: SessionSchema.optional(),
  /** Per driver session, strictly increasing across positions and trip events. */
  seq: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
  ts: z.number().int().positive(),
  lat: z.number().min(-90).max(90),
  lng: z.number().min(-180).max(180),
  /** Ground speed; optional because not every device reports it. */
  speedMps: z.number().min(0).max(150).optional(),
  headingDeg: z.number().min(0).lt(360).optional(),
  /** Horizontal accuracy radius (68 %). */
  accuracyM: z.number().min(0).max(100_000).optional(),
});
export type PositionRecord = z.infer<typeof PositionRecordSchema>;

export const TRIP_STATUSES = ['assigned', 'picked_up', 'delivered', 'cancelled'] as const;
export type TripStatus = (typeof TRIP_STATUSES)[number];

/** A trip lifecycle event; pickup and dropoff are required on `assigned`. */
export const TripRecordSchema = z
  .object({
    type: z.literal('trip'),
    v: z.literal(1),
    driverId: id,
    deliveryId: id,
    /** The app's session (see {@link SessionSchema}); absent = the driver's default session. */
    session: SessionSchema.optional(),
    /** Per driver session, strictly increasing across positions and trip events. */
    seq: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
    ts: z.number().int().positive(),
    status: z.enum(TRIP_STATUSES),
    pickup: LatLngSchema.optional(),
    dropoff: LatLngSchema.optional(),
  })
  .refine((r) => r.status !== 'assigned' || (r.pickup !== undefined && r.dropoff !== undefined), {
    message: 'pickup and dropoff are required when status is "assigned"',
    path: ['status'],
  });
export type TripRecord = z.infer<typeof TripRecordSchema>;

export const LocationRecordSchema = z.discriminatedUnion('type', [
  PositionRecordSchema,
  TripRecordSchema,
]);
/** Any record on `delivery-location`. */
export type LocationRecord = z.infer<typeof LocationRecordSchema>;

export type DecodeResult<T> = { ok: true; value: T } | { ok: false; error: string };

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Decodes a raw Kafka value into a record, or says exactly why not. Never throws: invalid input
 * is data to dead-letter, not an exception.
 */
export function decodeLocationRecord(
  value: Uint8Array | null | undefined,
): DecodeResult<LocationRecord> {
  if (value == null || value.byteLength === 0) return { ok: false, error: 'empty value' };
  if (value.byteLength > MAX_LOCATION_RECORD_BYTES) {
    return {
      ok: false,
      error: `value of ${value.byteLength} bytes exceeds ${MAX_LOCATION_RECORD_BYTES}`,
    };
  }
  let text: string;
  try {
    text = utf8.decode(value);
  } catch {
    return { ok: false, error: 'value is not valid UTF-8' };
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    return { ok: false, error: `invalid JSON: ${(err as Error).message}` };
  }
  // Valid records, nearly all of them, take the hand-written check; the schema explains the rest.
  const fast = parseLocationRecordFast(json);
  if (fast) return { ok: true, value: fast };
  const parsed = LocationRecordSchema.safeParse(json);
  if (!parsed.success) return { ok: false, error: formatIssues(parsed.error) };
  return { ok: true, value: parsed.data };
}

/** `path: message; path: message`, the first `limit` of them: short enough for a header or a log line. */
export function formatIssues(error: z.ZodError, limit = 5): string {
  return error.issues
    .slice(0, limit)
    .map((i) => `${i.path.length > 0 ? i.path.join('.') : '(root)'}: ${i.message}`)
    .join('; ');
}

/** Serialises a record for Kafka; the schema is the source of truth for what is valid. */
export function encodeLocationRecord(record: LocationRecord): Buffer {
  return Buffer.from(JSON.stringify(record));
}

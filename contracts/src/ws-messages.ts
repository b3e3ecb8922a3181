import { z } from 'zod';
import { LatLngSchema, TRIP_STATUSES } from './location.js';
import { MILESTONES } from './notification.js';

/** A route as [lat, lng] pairs: compact on the wire. */
export const RouteSchema = z.array(z.tuple([z.number(), z.number()]));
export type Route = z.infer<typeof RouteSchema>;

/** A point of the driven trail. */
export const TrailPointSchema = z.object({
  lat: z.number(),
  lng: z.number(),
  ts: z.number(),
  seq: z.number(),
});
export type TrailPoint = z.infer<typeof TrailPointSchema>;

/** A delivery as the customer sees it. */
export const DeliveryViewSchema = z.object({
  deliveryId: z.string(),
  driverId: z.string(),
  status: z.enum(TRIP_STATUSES),
  pickup: LatLngSchema.nullable(),
  dropoff: LatLngSchema.nullable(),
  /** Device time of the last trip event, epoch ms. */
  statusTs: z.number(),
});
export type DeliveryView = z.infer<typeof DeliveryViewSchema>;

/** A live position of the delivery's driver. `seq` is the driver's record seq (per session). */
export const PositionMessageSchema = z.object({
  type: z.literal('position'),
  deliveryId: z.string(),
  driverId: z.string(),
  seq: z.number(),
  /**
   * The delivery's update count: rises by one with every update live-push applies, across the
   * driver's sessions. Order a delivery's messages by it: `seq` starts again from 1 when the
   * driver app restarts (a new session). Absent from servers older than sessions.
   */
  rev: z.number().optional(),
  ts: z.number(),
  lat: z.number(),
  lng: z.number(),
  speedMps: z.number().optional(),
  headingDeg: z.number().optional(),
  accuracyM: z.number().optional(),
  /** When live-push applied it, epoch ms: ts → appliedAt is pipeline latency. */
  appliedAt: z.number(),
  /** Road distance left to the dropoff, and the ETA range in seconds, when a route is known. */
  remainingM: z.number().optional(),
  etaMinS: z.number().optional(),
  etaMaxS: z.number().optional(),
  /**
   * The delivery's earlier fixes that were not sent on their own, oldest first, each
   * `[lat, lng, ts, seq]`: when live-push applies several fixes of a delivery at once (catching
   * up on a backlog, or a phone sending what it buffered offline), only the latest is sent, with
   * the ones before it here (the latest 200 at most), so a map can still draw the way. Absent
   * when none.
   */
  trail: z.array(z.tuple([z.number(), z.number(), z.number(), z.number()])).optional(),
});
export type PositionMessage = z.infer<typeof PositionMessageSchema>;

/** The delivery's status changed. */
export const StatusMessageSchema = z.object({
  type: z.literal('status'),
  deliveryId: z.string(),
  seq: z.number(),
  /**
   * The delivery's update count: rises by one with every update live-push applies, across the
   * driver's sessions. Order a delivery's messages by it: `seq` starts again from 1 when the
   * driver app restarts (a new session). Absent from servers older than sessions.
   */
  rev: z.number().optional(),
  status: z.enum(TRIP_STATUSES),
  ts: z.number(),
  pickup: LatLngSchema.nullable(),
  dropoff: LatLngSchema.nullable(),
  /** The planned route for the rest of the delivery (via the pickup while heading there). */
  route: RouteSchema.nullable().optional(),
});
export type StatusMessage = z.infer<typeof StatusMessageSchema>;

/** A customer notification (picked up, nearby, arrived, delivered, delayed). */
export const NotificationMessageSchema = z.object({
  type: z.literal('notification'),
  id: z.string(),
  deliveryId: z.string(),
  milestone: z.enum(MILESTONES),
  ts: z.number(),
  message: z.string(),
});
export type NotificationMessage = z.infer<typeof NotificationMessageSchema>;

/** First message on every customer connection: the whole current state. */
export const SnapshotMessageSchema = z.object({
  type: z.literal('snapshot'),
  delivery: DeliveryViewSchema,
  position: PositionMessageSchema.nullable(),
  /** Oldest first. */
  trail: z.array(TrailPointSchema),
  /** Seq of the last update this snapshot includes (of the driver's current session). */
  seq: z.number(),
  /** The delivery's update count at this snapshot; live messages at or below it are already in it. */
  rev: z.number().optional(),
  /** Notifications so far, oldest first. */
  notifications: z.array(NotificationMessageSchema).default([]),
  route: RouteSchema.nullable().optional(),
});

/**
 * Where a delivery's message stands in its order: `rev`, or `seq` from a server older than
 * driver sessions (whose deliveries' `rev` starts from their seq, so the two never disagree).
 */
export const messageOrder = (m: { seq: number; rev?: number }) => m.rev ?? m.seq;

/** The fixes a position carries (its `trail`) as trail points, oldest first; none when absent. */
export const carriedFixes = (m: { trail?: readonly (readonly number[])[] }): TrailPoint[] =>
  (m.trail ?? []).map(([lat, lng, ts, seq]) => ({ lat: lat!, lng: lng!, ts: ts!, seq: seq! }));

/** Sent every few seconds on an otherwise quiet socket, so clients can tell a dead link. */
export const HeartbeatMessageSchema = z.object({ type: z.literal('heartbeat'), at: z.number() });
export type HeartbeatMessage = z.infer<typeof HeartbeatMessageSchema>;
export type SnapshotMessage = z.infer<typeof SnapshotMessageSchema>;

/** Every message the server sends on /ws/track, told apart by `type`. */
export const TrackServerMessageSchema = z.discriminatedUnion('type', [
  SnapshotMessageSchema,
  PositionMessageSchema,
  StatusMessageSchema,
  NotificationMessageSchema,
  HeartbeatMessageSchema,
]);
export type TrackServerMessage = z.infer<typeof TrackServerMessageSchema>;

/**
 * A /ws/track handshake the gateway cannot set up now (too many at once, e.g. everyone coming
 * back after a restart) is accepted and closed with 1013 "Try Again Later" and a reason that
 * says when: `overloaded; retry in <ms> ms`. Clients wait that long instead of their backoff.
 */
export const TRY_AGAIN_LATER = 1013;
export const tryAgainReason = (retryInMs: number) => `overloaded; retry in ${retryInMs} ms`;
/** The wait a 1013 close asks for, or null for any other close. */
export function retryHintMs(code: number, reason: string): number | null {
  if (code !== TRY_AGAIN_LATER) return null;
  const m = /retry in (\d{1,6}) ms/.exec(reason);
  return m ? Number(m[1]) : null;
}

/** Body of GET /api/config: what the web app needs before it can draw a map. */
export const PublicConfigSchema = z.object({
  tileUrl: z.string().nullable(),
  tileAttribution: z.string(),
  /** After this long without a fix the courier is shown as estimated, then stale. @default 10 */
  staleAfterS: z.number().default(10),
  /** How long the marker keeps moving on its own when a fix is late. @default 5 */
  deadReckonS: z.number().default(5),
  /**
   * How often the gateway pings (and sends a heartbeat to) customer sockets; a page that hears
   * nothing for two intervals treats the link as half-open and reconnects. @default 15000
   */
  pingIntervalMs: z.number().int().positive().default(15_000),
});
export type PublicConfig = z.infer<typeof PublicConfigSchema>;

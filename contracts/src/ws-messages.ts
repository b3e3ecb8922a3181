import { z } from 'zod';
import { LatLngSchema, TRIP_STATUSES } from './location.js';
import { MILESTONES } from './notification.js';

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

/** A live position of the delivery's driver. `seq` is the driver's record seq. */
export const PositionMessageSchema = z.object({
  type: z.literal('position'),
  deliveryId: z.string(),
  driverId: z.string(),
  seq: z.number(),
  ts: z.number(),
  lat: z.number(),
  lng: z.number(),
  speedMps: z.number().optional(),
  headingDeg: z.number().optional(),
  accuracyM: z.number().optional(),
  /** When live-push applied it, epoch ms: ts → appliedAt is pipeline latency. */
  appliedAt: z.number(),
});
export type PositionMessage = z.infer<typeof PositionMessageSchema>;

/** The delivery's status changed. */
export const StatusMessageSchema = z.object({
  type: z.literal('status'),
  deliveryId: z.string(),
  seq: z.number(),
  status: z.enum(TRIP_STATUSES),
  ts: z.number(),
  pickup: LatLngSchema.nullable(),
  dropoff: LatLngSchema.nullable(),
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
  /** Highest seq this snapshot includes; live messages at or below it are already in it. */
  seq: z.number(),
  /** Notifications so far, oldest first. */
  notifications: z.array(NotificationMessageSchema).default([]),
});
export type SnapshotMessage = z.infer<typeof SnapshotMessageSchema>;

/** Every message the server sends on /ws/track, told apart by `type`. */
export const TrackServerMessageSchema = z.discriminatedUnion('type', [
  SnapshotMessageSchema,
  PositionMessageSchema,
  StatusMessageSchema,
  NotificationMessageSchema,
]);
export type TrackServerMessage = z.infer<typeof TrackServerMessageSchema>;

/** Body of GET /api/deliveries. */
export const DeliveryListSchema = z.object({
  deliveries: z.array(
    z.object({
      deliveryId: z.string(),
      driverId: z.string(),
      status: z.enum(TRIP_STATUSES),
      trackingUrl: z.string(),
    }),
  ),
});
export type DeliveryList = z.infer<typeof DeliveryListSchema>;

/** Body of GET /api/config: what the web app needs before it can draw a map. */
export const PublicConfigSchema = z.object({
  tileUrl: z.string().nullable(),
  tileAttribution: z.string(),
});
export type PublicConfig = z.infer<typeof PublicConfigSchema>;

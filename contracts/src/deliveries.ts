import { z } from 'zod';
import { TRIP_STATUSES } from './location.js';

/**
 * `status` of GET /api/deliveries: `active` (assigned or picked up, the default), a trip status,
 * `offline` (active, with a courier silent past COURIER_OFFLINE_AFTER_S) or `all`.
 */
export const DELIVERY_FILTERS = ['active', ...TRIP_STATUSES, 'offline', 'all'] as const;
export type DeliveryFilter = (typeof DELIVERY_FILTERS)[number];

/**
 * `sort` of GET /api/deliveries: `updated` newest record first (the default), `stale` oldest
 * record first (the silent couriers on top), `id` by delivery id, `status` by trip status then
 * newest first.
 */
export const DELIVERY_SORTS = ['updated', 'stale', 'id', 'status'] as const;
export type DeliverySort = (typeof DELIVERY_SORTS)[number];

/** `limit` of GET /api/deliveries. @default 100, at most 1000 */
export const DELIVERY_PAGE_DEFAULT = 100;
export const DELIVERY_PAGE_MAX = 1000;

export const DeliveryRowSchema = z.object({
  deliveryId: z.string(),
  driverId: z.string(),
  status: z.enum(TRIP_STATUSES),
  trackingUrl: z.string(),
  /** Device time of the delivery's last record (position or trip event), epoch ms. */
  lastSeenTs: z.number(),
  /** Still in the active set (not delivered, cancelled or abandoned). */
  active: z.boolean(),
  /** Active, and its courier silent past COURIER_OFFLINE_AFTER_S (live-push's lag discounted). */
  offline: z.boolean(),
});
export type DeliveryRow = z.infer<typeof DeliveryRowSchema>;

/**
 * Deliveries per trip status among those matching `q` (whatever `status` says), and how many of
 * the active ones are offline (they count under their trip status too). Delivered and cancelled
 * ones are those finished within the last 2 h (they stay readable that long).
 */
export const DeliveryCountsSchema = z.object({
  assigned: z.number(),
  picked_up: z.number(),
  delivered: z.number(),
  cancelled: z.number(),
  offline: z.number(),
});
export type DeliveryCounts = z.infer<typeof DeliveryCountsSchema>;

/**
 * Body of GET /api/deliveries: one page, `next` the opaque cursor of the page after it (pass it
 * back with the same `status`, `q` and `sort`), null on the last page.
 */
export const DeliveryListSchema = z.object({
  deliveries: z.array(DeliveryRowSchema),
  next: z.string().nullable(),
  counts: DeliveryCountsSchema,
});
export type DeliveryList = z.infer<typeof DeliveryListSchema>;

/** A delivery that left the active set because its courier sent nothing for too long. */
export const AbandonedDeliverySchema = z.object({
  /** When it was dropped, epoch ms. */
  at: z.number(),
  deliveryId: z.string(),
  driverId: z.string(),
  status: z.enum(TRIP_STATUSES),
  /** Device time of its last record. */
  lastSeenTs: z.number(),
});
export type AbandonedDelivery = z.infer<typeof AbandonedDeliverySchema>;

/** Body of GET /api/deliveries/abandoned: the most recent first, and how many ever. */
export const AbandonedListSchema = z.object({
  abandoned: z.array(AbandonedDeliverySchema),
  total: z.number(),
  abandonAfterS: z.number(),
});
export type AbandonedList = z.infer<typeof AbandonedListSchema>;

import { z } from 'zod';

export const MILESTONES = ['picked_up', 'nearby', 'arrived', 'delivered', 'delayed'] as const;
export type Milestone = (typeof MILESTONES)[number];

/**
 * A customer notification on `delivery-notifications` (key = deliveryId). The id is
 * deterministic — `<deliveryId>:<milestone>` (and `:<n>` for the n-th delay) — so every
 * consumer and sink can recognise a repeat.
 */
export const NotificationRecordSchema = z.object({
  type: z.literal('notification'),
  v: z.literal(1),
  id: z.string().min(1).max(200),
  deliveryId: z.string().min(1).max(64),
  driverId: z.string().min(1).max(64),
  milestone: z.enum(MILESTONES),
  /** Device time of the record that triggered it, epoch ms. */
  ts: z.number().int().positive(),
  /** A sentence for the customer. */
  message: z.string().max(500),
});
export type NotificationRecord = z.infer<typeof NotificationRecordSchema>;

export const notificationId = (deliveryId: string, milestone: Milestone, n?: number) =>
  n === undefined ? `${deliveryId}:${milestone}` : `${deliveryId}:${milestone}:${n}`;

/** Body of GET /api/ops/notifications/parked: what the sink could not take yet. */
export const ParkedSummarySchema = z.object({
  /** Parked notifications, dead-lettered ones included. */
  parked: z.number().int().nonnegative(),
  /** Of those, no longer retried on their own (refused, or undelivered past the dead-letter time). */
  dead: z.number().int().nonnegative(),
  /** How long the oldest has waited, null when none is parked. */
  oldestAgeMs: z.number().nonnegative().nullable(),
});
export type ParkedSummary = z.infer<typeof ParkedSummarySchema>;

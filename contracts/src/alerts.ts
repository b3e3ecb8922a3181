import { z } from 'zod';

/**
 * Alert rules of the ops role, one alert per rule and consumer group at a time:
 * - `time-lag`: the oldest unconsumed record is older than a threshold;
 * - `status`: the group's Burrow-style status is one of the alerting ones (STOP, STALL, REWIND);
 * - `catch-up`: a group that is behind would take too long to catch up at current rates, or
 *   cannot catch up at all (consumes slower than records arrive);
 * - `retention-risk`: at current rates, the group's committed offset falls below the log start
 *   offset (records deleted unread by retention) sooner than a threshold.
 */
export const ALERT_RULES = ['time-lag', 'status', 'catch-up', 'retention-risk'] as const;
export type AlertRule = (typeof ALERT_RULES)[number];

export const ALERT_STATES = ['firing', 'resolved'] as const;
export type AlertState = (typeof ALERT_STATES)[number];

/**
 * One alert: from the poll it fired to the poll it resolved. Its id is
 * `<rule>:<groupId>:<firedAt>`.
 */
export const AlertSchema = z.object({
  id: z.string(),
  rule: z.enum(ALERT_RULES),
  groupId: z.string(),
  state: z.enum(ALERT_STATES),
  /** When the alert entered its current state, epoch ms. */
  since: z.number(),
  firedAt: z.number(),
  /** null while firing. */
  resolvedAt: z.number().nullable(),
  /** What the rule saw at the latest transition, in words. */
  detail: z.string(),
});
export type Alert = z.infer<typeof AlertSchema>;

/** Body of GET /api/ops/alerts: firing alerts and history, newest first. */
export const AlertListSchema = z.object({ alerts: z.array(AlertSchema) });
export type AlertList = z.infer<typeof AlertListSchema>;

/**
 * What the alert webhook receives, once per transition: the alert as it is after the
 * transition, with `id` = `<alertId>:<state>` (also sent as the `Idempotency-Key` header), so a
 * receiver can drop a repeat.
 */
export const AlertEventSchema = AlertSchema.extend({
  type: z.literal('alert'),
  alertId: z.string(),
});
export type AlertEvent = z.infer<typeof AlertEventSchema>;

export const alertEventId = (alertId: string, state: AlertState) => `${alertId}:${state}`;

import { z } from 'zod';

/** Burrow-style health of a partition or group, best first. */
export const LAG_STATUSES = ['OK', 'WARN', 'REWIND', 'STALL', 'STOP'] as const;
export type LagStatus = (typeof LAG_STATUSES)[number];

export const PartitionLagSchema = z.object({
  partition: z.number(),
  /** null when the group never committed on this partition ("no commit"). */
  committed: z.number().nullable(),
  end: z.number(),
  low: z.number(),
  /** max(0, end − committed); for no commit, the records retained (end − low). */
  lag: z.number(),
  /** How old the oldest unconsumed record is, in ms (0 when caught up). */
  timeLagMs: z.number(),
  status: z.enum(LAG_STATUSES),
  /** Client id of the member that owns the partition, or null. */
  owner: z.string().nullable(),
  /** Committed offset below the low watermark: records expired unprocessed. */
  expired: z.boolean(),
  consumeRate: z.number(),
  produceRate: z.number(),
});
export type PartitionLag = z.infer<typeof PartitionLagSchema>;

export const GroupMemberSchema = z.object({
  memberId: z.string(),
  clientId: z.string(),
  host: z.string(),
  partitions: z.array(z.number()),
});

export const GroupLagSchema = z.object({
  groupId: z.string(),
  status: z.enum(LAG_STATUSES),
  /** Broker group state (Stable, PreparingRebalance, Empty, …). */
  state: z.string(),
  paused: z.boolean(),
  lag: z.number(),
  timeLagMs: z.number(),
  /** Records per second the group commits, and the topic receives. */
  consumeRate: z.number(),
  produceRate: z.number(),
  /** Seconds until lag is 0 at current rates; null when caught up or diverging. */
  catchUpEtaS: z.number().nullable(),
  diverging: z.boolean(),
  /**
   * Seconds until records expire unread at current rates (committed offset below the log
   * start); null when none are at risk. Set by the ops role's alerting; absent in older snapshots.
   */
  retentionRiskS: z.number().nullable().optional(),
  members: z.array(GroupMemberSchema),
  partitions: z.array(PartitionLagSchema),
});
export type GroupLag = z.infer<typeof GroupLagSchema>;

export const OpsEventSchema = z.object({
  at: z.number(),
  groupId: z.string(),
  kind: z.enum(['rebalance', 'paused', 'resumed', 'status']),
  detail: z.string(),
});
export type OpsEvent = z.infer<typeof OpsEventSchema>;

/** Body of GET /api/ops/lag, and the `snapshot` of ops WebSocket messages. */
export const LagSnapshotSchema = z.object({
  at: z.number(),
  topic: z.string(),
  groups: z.array(GroupLagSchema),
  /**
   * Customers currently seeing a position older than `staleAfterS` (the age of each active
   * delivery's last applied record), split by cause: the pipeline (live-push's time lag explains
   * the age), a silent courier (nothing for longer than `offlineAfterS` even with that lag
   * discounted), or a courier quiet for less than that. The new fields default to 0 so that a
   * snapshot written before them still parses.
   */
  impact: z.object({
    staleAfterS: z.number(),
    activeDeliveries: z.number(),
    /** laggingDeliveries + silentDeliveries + quietDeliveries. */
    staleDeliveries: z.number(),
    /** COURIER_OFFLINE_AFTER_S. */
    offlineAfterS: z.number().default(0),
    /** Live-push's time lag the split discounted (its slowest partition's), ms. */
    pipelineLagMs: z.number().default(0),
    /** Stale because live-push lags: with it caught up, their position would be fresh. */
    laggingDeliveries: z.number().default(0),
    /** Stale because their courier is silent (offline): what the pipeline cannot fix. */
    silentDeliveries: z.number().default(0),
    /** Stale, the courier quiet for less than offlineAfterS: not yet offline. */
    quietDeliveries: z.number().default(0),
  }),
  events: z.array(OpsEventSchema),
  settings: z.object({
    pollIntervalMs: z.number(),
    windowSamples: z.number(),
    warnMinLag: z.number(),
  }),
});
export type LagSnapshot = z.infer<typeof LagSnapshotSchema>;

/** One point of lag history per poll: totals per group and lag per partition. */
export const HistoryPointSchema = z.object({
  at: z.number(),
  groups: z.record(
    z.string(),
    z.object({
      lag: z.number(),
      timeLagMs: z.number(),
      consumeRate: z.number(),
      produceRate: z.number(),
      partitionLag: z.array(z.number()),
    }),
  ),
});
export type HistoryPoint = z.infer<typeof HistoryPointSchema>;

/** Messages on /ws/ops: the last 15 minutes first, then one update per poll. */
export const OpsServerMessageSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('history'),
    points: z.array(HistoryPointSchema),
    snapshot: LagSnapshotSchema.nullable(),
  }),
  z.object({ type: z.literal('update'), point: HistoryPointSchema, snapshot: LagSnapshotSchema }),
]);
export type OpsServerMessage = z.infer<typeof OpsServerMessageSchema>;

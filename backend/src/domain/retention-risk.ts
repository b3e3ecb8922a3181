/**
 * Retention risk, pure: how long until a group's committed offset falls below the log start
 * offset, i.e. until records are deleted before the group read them (klag's retention alert).
 * Two estimates per partition, the sooner wins:
 * - by time (`retention.ms`): the oldest unconsumed record is `timeLag` old and is deleted at
 *   about `retention.ms` of age. Its age grows by 1 − consumeRate / produceRate seconds per
 *   second (a group standing still ages at 1 s/s; one that consumes as fast as records arrive
 *   does not age at all). Kafka deletes whole segments, so the real deletion comes no sooner
 *   than this: a warning errs early.
 * - by the log start moving (retention.bytes, deleteRecords, or time retention under way): the
 *   log start gains on the committed offset at lowRate − consumeRate records per second.
 */
export interface PartitionRiskInput {
  /** null when the group never committed here: the oldest retained record is what waits. */
  committed: number | null;
  low: number;
  lag: number;
  timeLagMs: number;
  consumeRate: number;
  produceRate: number;
  /** Records per second the log start offset moves (deletion by retention). */
  lowRate: number;
}

/** Seconds until records of this partition expire unread; null when there is no such risk. */
export function partitionRetentionRiskS(
  p: PartitionRiskInput,
  retentionMs: number | null,
): number | null {
  if (p.lag <= 0) return null;
  // Already below the log start: records were lost unread (it stays so until the group moves).
  if (p.committed !== null && p.committed < p.low) return 0;
  const risks: number[] = [];
  if (retentionMs !== null && retentionMs > 0) {
    const ageing =
      p.produceRate > 0 ? 1 - p.consumeRate / p.produceRate : p.consumeRate > 0 ? 0 : 1;
    if (ageing > 0)
      risks.push(Math.max(0, retentionMs / 1000 - p.timeLagMs / 1000) / Math.min(1, ageing));
  }
  const gain = p.lowRate - p.consumeRate;
  if (gain > 0) risks.push(Math.max(0, (p.committed ?? p.low) - p.low) / gain);
  return risks.length === 0 ? null : Math.min(...risks);
}

/** A group's risk: its most exposed partition's. */
export function groupRetentionRiskS(
  partitions: readonly PartitionRiskInput[],
  retentionMs: number | null,
): number | null {
  let worst: number | null = null;
  for (const p of partitions) {
    const r = partitionRetentionRiskS(p, retentionMs);
    if (r !== null && (worst === null || r < worst)) worst = r;
  }
  return worst;
}

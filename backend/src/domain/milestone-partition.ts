import type { LocationRecord, NotificationRecord } from '@fleetstream/contracts';
import {
  applyRecord,
  checkStall,
  newDeliveryState,
  silentSince,
  type DeliveryState,
  type MilestoneSettings,
} from './milestones.js';

/** One record of a partition, with its offset (the source of what it decides). */
export interface PartitionRecord {
  offset: string;
  record: LocationRecord;
}

export interface DecidedNotification {
  sourceOffset: string;
  notification: NotificationRecord;
}

/**
 * Applies a partition's records in offset order. Each record goes to its delivery
 * ({@link applyRecord}); besides, the partition's clock (its newest time stamp so far, other
 * drivers' records included) tells when a courier en route has sent nothing for stallS: that
 * delay is decided at the record that moved the clock past it. Decided record by record, so the
 * outcome is the same however the records are split into chunks, and a replay of the whole
 * partition at once gives exactly what a worker decided chunk by chunk.
 *
 * `known` gives the states of deliveries seen before these records; `silent` must hold every
 * such delivery whose last fix is older than (newest time stamp here − stallS), or more.
 */
export function applyPartition(
  records: readonly PartitionRecord[],
  known: (deliveryId: string) => DeliveryState | undefined,
  silent: Iterable<DeliveryState>,
  settings: MilestoneSettings,
  remainingM?: (before: DeliveryState, r: LocationRecord) => number | undefined,
): { changed: Map<string, DeliveryState>; decided: DecidedNotification[] } {
  const stallMs = settings.stallS * 1000;
  const changed = new Map<string, DeliveryState>();
  const decided: DecidedNotification[] = [];
  // Deliveries that may fall silent within these records, with their current states.
  const watched = new Map<string, DeliveryState>();
  let nextCheck = Infinity;
  const watch = (s: DeliveryState) => {
    watched.set(s.deliveryId, s);
    const since = silentSince(s);
    if (since !== null) nextCheck = Math.min(nextCheck, since + stallMs);
  };
  for (const s of silent) watch(s);
  // States this call made, which nothing outside it holds yet: a later record of the same
  // delivery changes them in place rather than copying them (applyRecord's `owned`).
  const made = new Set<DeliveryState>();
  let clock = -Infinity;
  for (const { offset, record } of records) {
    if (record.deliveryId) {
      const id = record.deliveryId;
      const before =
        changed.get(id) ?? watched.get(id) ?? known(id) ?? newDeliveryState(id, record.driverId);
      const d = applyRecord(
        before,
        record,
        settings,
        remainingM?.(before, record),
        made.has(before),
      );
      // A record not applied leaves `before` as it was, which may be the caller's.
      if (d.state !== before) made.add(d.state);
      changed.set(id, d.state);
      watch(d.state);
      for (const n of d.notifications) decided.push({ sourceOffset: offset, notification: n });
    }
    if (record.ts <= clock) continue;
    clock = record.ts;
    // Silent means a last fix strictly older than clock − stallS.
    if (clock <= nextCheck) continue;
    nextCheck = Infinity;
    for (const s of watched.values()) {
      const since = silentSince(s);
      if (since === null) continue;
      if (since + stallMs >= clock) {
        nextCheck = Math.min(nextCheck, since + stallMs);
        continue;
      }
      const d = checkStall(s, clock, settings);
      if (d.notifications.length === 0) continue;
      changed.set(s.deliveryId, d.state);
      watched.set(s.deliveryId, d.state);
      for (const n of d.notifications) decided.push({ sourceOffset: offset, notification: n });
    }
  }
  return { changed, decided };
}

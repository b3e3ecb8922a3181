import type { LocationRecord, TripStatus } from '@fleetstream/contracts';
// The simulator's seeded PRNG: same seed, same trace.
import { createRng as rng, M_PER_DEG_LAT, mPerDegLng } from '@fleetstream/geo';

export interface AnalyticsTraceOptions {
  drivers: number;
  /** Records per driver before duplicates. */
  steps: number;
  /** Device time of the first record. */
  startTs: number;
  seed?: number;
  /** Share of records sent a second time, some at once and some a few records later. @default 0.05 */
  duplicateRate?: number;
  /** A driver prefix, so traces of several tests never share a driver. @default 'drv' */
  driverPrefix?: string;
  /**
   * Drivers whose app restarts mid-delivery: the first this many drivers with a delivery that is
   * picked up and delivered. Halfway between the two, the app starts session `<driverId>.2`
   * with seq from 1 (the same phone, so device time goes on), and two records of the old
   * session arrive after it (late retries of the dead app: stale). Before the reboot, even
   * drivers send session `<driverId>.1`, odd ones none (the default session, an app older
   * than sessions). @default 0
   */
  reboots?: number;
}

/**
 * The records of one driver with its app restarted halfway between the first picked_up and the
 * delivered that follows it, or unchanged (no delivery like that). Uses no randomness, so the
 * traces of tests without reboots stay what they were.
 */
function rebootMidDelivery(records: LocationRecord[], driverIndex: number): LocationRecord[] {
  const pickedUp = records.findIndex((r) => r.type === 'trip' && r.status === 'picked_up');
  const delivered = records.findIndex(
    (r, i) =>
      i > pickedUp &&
      r.type === 'trip' &&
      r.status === 'delivered' &&
      r.deliveryId === records[pickedUp]!.deliveryId,
  );
  if (pickedUp < 0 || delivered < 0 || delivered - pickedUp < 4) return records;
  const at = pickedUp + Math.floor((delivered - pickedUp) / 2);
  const driverId = records[0]!.driverId;
  const before = records
    .slice(0, at)
    .map((r) => (driverIndex % 2 === 0 ? { ...r, session: `${driverId}.1` } : r));
  const after = records.slice(at).map((r, i) => ({ ...r, session: `${driverId}.2`, seq: i + 1 }));
  // The dead app's last two records, retried late: after the new session's first ones.
  return [...before, ...after.slice(0, 2), ...before.slice(-2), ...after.slice(2)];
}

/**
 * A fleet trace in production order for the analytics tests: drivers moving at 5-15 m/s with
 * one fix a second, trips going assigned → picked_up → delivered (some cancelled), GPS jumps
 * and silences that the outlier policy leaves out, and producer duplicates (the same record
 * sent again, at once or after later records of the driver).
 */
export function analyticsTrace(o: AnalyticsTraceOptions): LocationRecord[] {
  const rnd = rng(o.seed ?? 7);
  const duplicateRate = o.duplicateRate ?? 0.05;
  const prefix = o.driverPrefix ?? 'drv';
  const perDriver: LocationRecord[][] = [];
  let rebooting = o.reboots ?? 0;
  for (let d = 0; d < o.drivers; d++) {
    const driverId = `${prefix}-${String(d).padStart(4, '0')}`;
    const out: LocationRecord[] = [];
    let lat = 52.45 + rnd() * 0.1;
    let lng = 13.3 + rnd() * 0.2;
    let ts = o.startTs + Math.floor(rnd() * 1000);
    let trip = 0;
    let status: TripStatus | 'idle' = 'idle';
    let nextEventAt = 2 + Math.floor(rnd() * 5);
    for (let seq = 1; seq <= o.steps; seq++) {
      const deliveryId = `dlv-${driverId}-${trip}`;
      if (seq === nextEventAt) {
        const next: TripStatus =
          status === 'idle' || status === 'delivered' || status === 'cancelled'
            ? 'assigned'
            : status === 'assigned'
              ? rnd() < 0.2
                ? 'cancelled'
                : 'picked_up'
              : 'delivered';
        if (next === 'assigned') trip++;
        status = next;
        const id = `dlv-${driverId}-${trip}`;
        out.push({
          type: 'trip',
          v: 1,
          driverId,
          deliveryId: id,
          seq,
          ts,
          status: next,
          ...(next === 'assigned'
            ? {
                pickup: { lat: lat + 0.01, lng: lng + 0.01 },
                dropoff: { lat: lat - 0.01, lng: lng + 0.02 },
              }
            : {}),
        });
        nextEventAt = seq + 5 + Math.floor(rnd() * 40);
        continue;
      }
      // Usually one second and a plausible move; sometimes a jump or a long silence.
      const p = rnd();
      if (p < 0.01) {
        ts += 600_000;
      } else {
        ts += 1000;
      }
      const jump = p > 0.99 ? 0.05 : 0;
      const speed = 5 + rnd() * 10;
      const heading = rnd() * 2 * Math.PI;
      lat += (speed * Math.cos(heading)) / M_PER_DEG_LAT + jump;
      lng += (speed * Math.sin(heading)) / mPerDegLng(lat);
      out.push({
        type: 'position',
        v: 1,
        driverId,
        deliveryId: status === 'assigned' || status === 'picked_up' ? deliveryId : null,
        seq,
        ts,
        lat,
        lng,
        speedMps: Math.round(speed * 10) / 10,
        headingDeg: Math.floor((heading * 180) / Math.PI) % 360,
        accuracyM: 5,
      });
      if (jump) lat -= jump;
    }
    const rebooted = rebooting > 0 ? rebootMidDelivery(out, d) : out;
    if (rebooted !== out) rebooting--;
    // Producer duplicates: the same record again, right away or a few records later.
    const withDuplicates: LocationRecord[] = [];
    const pending: { at: number; record: LocationRecord }[] = [];
    rebooted.forEach((r, i) => {
      withDuplicates.push(r);
      if (rnd() < duplicateRate) pending.push({ at: i + Math.floor(rnd() * 4), record: r });
      for (const dup of pending.filter((x) => x.at === i)) withDuplicates.push(dup.record);
    });
    for (const dup of pending.filter((x) => x.at >= rebooted.length))
      withDuplicates.push(dup.record);
    perDriver.push(withDuplicates);
  }
  // Interleave drivers the way a live fleet does, one record of each in turn.
  const trace: LocationRecord[] = [];
  for (let i = 0; perDriver.some((rs) => i < rs.length); i++)
    for (const rs of perDriver) if (i < rs.length) trace.push(rs[i]!);
  return trace;
}

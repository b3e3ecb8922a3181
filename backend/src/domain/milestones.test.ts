import { describe, expect, it } from 'vitest';
import type { LatLng, LocationRecord, NotificationRecord } from '@fleetstream/contracts';
import {
  DEFAULT_MILESTONE_SETTINGS as S,
  applyRecord,
  checkStall,
  newDeliveryState,
  silentSince,
  type DeliveryState,
} from './milestones.js';
import {
  applyPartition,
  type DecidedNotification,
  type PartitionRecord,
} from './milestone-partition.js';

const dropoff: LatLng = { lat: 52.52, lng: 13.405 };
const METRE_LAT = 1 / 111_320;
const T0 = 1_763_784_742_000;

/** A trace builder for one delivery: positions `metres` north of the dropoff, one per second. */
function trace() {
  let seq = 0;
  let ts = T0;
  const records: LocationRecord[] = [];
  const trip = (status: 'assigned' | 'picked_up' | 'delivered' | 'cancelled') =>
    records.push({
      type: 'trip',
      v: 1,
      driverId: 'drv',
      deliveryId: 'dlv',
      seq: ++seq,
      ts,
      status,
      ...(status === 'assigned' ? { pickup: dropoff, dropoff } : {}),
    });
  const at = (northM: number, seconds = 1, eastM = 0) => {
    for (let i = 0; i < seconds; i++) {
      ts += 1000;
      records.push({
        type: 'position',
        v: 1,
        driverId: 'drv',
        deliveryId: 'dlv',
        seq: ++seq,
        ts,
        lat: dropoff.lat + northM * METRE_LAT,
        lng: dropoff.lng + (eastM * METRE_LAT) / Math.cos((dropoff.lat * Math.PI) / 180),
        speedMps: 8,
      });
    }
  };
  /** Drive from `fromM` to `toM` north of the dropoff at 8 m/s. */
  const drive = (fromM: number, toM: number) => {
    const steps = Math.ceil(Math.abs(toM - fromM) / 8);
    for (let i = 1; i <= steps; i++) at(fromM + ((toM - fromM) * i) / steps);
  };
  /** Assigned, then picked up `northM` north of the dropoff. */
  const pickedUp = (northM: number) => {
    trip('assigned');
    at(northM, 5);
    trip('picked_up');
  };
  return { records, trip, at, drive, pickedUp, now: () => ts };
}

function run(records: LocationRecord[]): { state: DeliveryState; out: NotificationRecord[] } {
  let state = newDeliveryState('dlv', 'drv');
  const out: NotificationRecord[] = [];
  for (const r of records) {
    const d = applyRecord(state, r, S);
    state = d.state;
    out.push(...d.notifications);
  }
  return { state, out };
}

describe('milestone detection', () => {
  it('notifies a full delivery once each, in order, with deterministic ids', () => {
    const t = trace();
    t.pickedUp(3000);
    t.drive(3000, 0);
    t.at(0, 30);
    t.trip('delivered');
    const { out } = run(t.records);
    expect(out.map((n) => n.id)).toEqual([
      'dlv:picked_up',
      'dlv:nearby',
      'dlv:arrived',
      'dlv:delivered',
    ]);
    expect(run(t.records).out).toEqual(out);
  });

  it('carries a delivery through a driver app restart: each milestone once, old session skipped', () => {
    const t = trace();
    t.trip('assigned');
    t.at(3000, 5);
    t.trip('picked_up');
    t.drive(3000, 0);
    t.at(0, 30);
    t.trip('delivered');
    const plain = run(t.records).out;
    // The app restarts during the approach: seq from 1 in a new session; then two records of
    // the dead app arrive late, and the new session's records come in twice.
    const at = t.records.findIndex((r) => r.type === 'trip' && r.status === 'picked_up') + 200;
    const before = t.records.slice(0, at);
    const after = t.records.slice(at).map((r, i) => ({ ...r, session: 'b', seq: i + 1 }));
    const rebooted = [...before, after[0]!, ...before.slice(-2), ...after.flatMap((r) => [r, r])];
    const { out, state } = run(rebooted);
    expect(out).toEqual(plain);
    expect(state).toMatchObject({ session: 'b', superseded: [''], lastSeq: after.length });
  });

  it('a drive-by does not trigger arrived', () => {
    const t = trace();
    t.trip('assigned');
    t.trip('picked_up');
    t.drive(800, -800); // straight through the dropoff at 8 m/s: ~15 s inside a 60 m radius
    const { out } = run(t.records);
    expect(out.map((n) => n.milestone)).not.toContain('arrived');
  });

  it('GPS noise around the dropoff does not trigger arrived twice', () => {
    const t = trace();
    t.trip('assigned');
    t.trip('picked_up');
    t.drive(500, 0);
    for (let i = 0; i < 120; i++) t.at(i % 10 === 0 ? 90 : (i % 7) * 5 - 15, 1, (i % 5) * 4); // wobble, with outliers
    const { out } = run(t.records);
    expect(out.filter((n) => n.milestone === 'arrived')).toHaveLength(1);
  });

  it('sends nearby only a minute after picked up, even for a trip that starts close', () => {
    const t = trace();
    t.pickedUp(600);
    const pickedUpAt = t.now();
    t.drive(600, 100);
    t.at(100, 60);
    const { out } = run(t.records);
    const nearby = out.find((n) => n.milestone === 'nearby')!;
    expect(nearby).toBeDefined();
    expect(nearby.ts - pickedUpAt).toBeGreaterThanOrEqual(S.nearbyAfterPickupS * 1000);
    expect(nearby.ts - pickedUpAt).toBeLessThan(S.nearbyAfterPickupS * 1000 + 2000);
  });

  it('sends nearby only within the radius, however good the ETA', () => {
    const t = trace();
    t.pickedUp(3000);
    // 8 m/s: 1.1 km (1.43 km by road) is under 4 minutes away even at the slow end of the
    // ETA range (6 m/s), under the 5-minute ETA but outside the 1 km radius.
    t.drive(3000, 1100);
    t.at(1100, 70);
    expect(run(t.records).out.map((n) => n.milestone)).toEqual(['picked_up']);
    t.drive(1100, 600);
    const { out } = run(t.records);
    const nearby = out.find((n) => n.milestone === 'nearby')!;
    const at = t.records.find((r) => r.ts === nearby.ts && r.type === 'position')!;
    expect(at.type === 'position' && (at.lat - dropoff.lat) / METRE_LAT).toBeLessThanOrEqual(
      S.nearbyRadiusM / S.detourFactor + 1,
    );
  });

  it('nearby never comes after arrived', () => {
    const t = trace();
    t.trip('assigned');
    t.trip('picked_up');
    t.at(10, 40); // arrives without ever being "far"
    t.at(2000, 5); // an outlier far away after arrival
    t.at(10, 5);
    const { out } = run(t.records);
    const ms = out.map((n) => n.milestone);
    expect(ms).toContain('arrived');
    const arrivedAt = ms.indexOf('arrived');
    expect(ms.slice(arrivedAt)).not.toContain('nearby');
  });

  it('delayed fires once per stall, again after moving and stalling anew', () => {
    const t = trace();
    t.trip('assigned');
    t.at(3000, 200); // standing still 200 s: one delay
    t.at(3000, 200); // still the same stall: no second notification
    t.drive(3000, 2500); // moves again
    t.at(2500, 200); // a new stall
    const { out } = run(t.records);
    expect(out.filter((n) => n.milestone === 'delayed').map((n) => n.id)).toEqual([
      'dlv:delayed:1',
      'dlv:delayed:2',
    ]);
  });

  it('notices a courier who stopped sending, from the partition clock', () => {
    const t = trace();
    t.trip('assigned');
    t.at(3000, 3);
    const { state } = run(t.records);
    expect(checkStall(state, t.now() + 60_000, S).notifications).toHaveLength(0);
    const late = checkStall(state, t.now() + 181_000, S);
    expect(late.notifications.map((n) => n.id)).toEqual(['dlv:delayed:1']);
    expect(checkStall(late.state, t.now() + 400_000, S).notifications).toHaveLength(0);
  });

  it('ignores duplicates and late records', () => {
    const t = trace();
    t.trip('assigned');
    t.trip('picked_up');
    const dup = [...t.records, t.records[1]!, t.records[1]!];
    expect(run(dup).out.map((n) => n.id)).toEqual(['dlv:picked_up']);
  });

  it('a cancelled delivery gets no further milestones', () => {
    const t = trace();
    t.trip('assigned');
    t.trip('cancelled');
    t.at(3000, 400);
    expect(run(t.records).out).toEqual([]);
  });
});

describe('applyPartition', () => {
  /**
   * A partition: courier A (delivery dlv) goes quiet after 10 s and moves again 400 s later;
   * an idle driver without a delivery keeps the partition's clock going, one fix a second.
   */
  function partition(): PartitionRecord[] {
    const a = trace();
    a.trip('assigned');
    a.at(3000, 10);
    const quiet = a.records.length;
    for (let i = 0; i < 400; i++) a.at(3000); // ts only: these fixes are never sent
    a.drive(3000, 2800);
    const sent = [...a.records.slice(0, quiet), ...a.records.slice(quiet + 400)];
    const idle: LocationRecord[] = Array.from({ length: 520 }, (_, i) => ({
      type: 'position',
      v: 1,
      driverId: 'idle',
      deliveryId: null,
      seq: i + 1,
      ts: T0 + (i + 1) * 1000,
      lat: 52.5,
      lng: 13.4,
    }));
    return [...sent, ...idle]
      .sort((x, y) => x.ts - y.ts || x.driverId.localeCompare(y.driverId))
      .map((record, i) => ({ offset: String(i), record }));
  }

  /** What a worker decides chunk by chunk, keeping states and last fixes as the store does. */
  function inChunks(records: PartitionRecord[], size: number): DecidedNotification[] {
    const states = new Map<string, DeliveryState>();
    const watch = new Map<string, number>();
    const decided: DecidedNotification[] = [];
    for (let i = 0; i < records.length; i += size) {
      const chunk = records.slice(i, i + size);
      const before = Math.max(...chunk.map((r) => r.record.ts)) - S.stallS * 1000;
      const silent = [...watch].filter(([, ts]) => ts < before).map(([id]) => states.get(id)!);
      const d = applyPartition(chunk, (id) => states.get(id), silent, S);
      for (const [id, st] of d.changed) {
        states.set(id, st);
        const since = silentSince(st);
        if (since === null) watch.delete(id);
        else watch.set(id, since);
      }
      decided.push(...d.decided);
    }
    return decided;
  }

  it("decides a silent courier's delay at the record that moves the clock past it", () => {
    const records = partition();
    const { decided } = applyPartition(records, () => undefined, [], S);
    expect(decided.map((d) => d.notification.id)).toEqual(['dlv:delayed:1']);
    const at = records[Number(decided[0]!.sourceOffset)]!.record;
    // A's last fix (the trip at +0 s, fixes at +1…+10 s); silent means strictly older than
    // clock − stallS, so the idle driver's fix one second past that decides it.
    const lastFix = Math.max(
      ...records
        .filter((r) => r.record.deliveryId)
        .slice(0, 11)
        .map((r) => r.record.ts),
    );
    expect(at.ts).toBe(lastFix + S.stallS * 1000 + 1000);
    expect(decided[0]!.notification.ts).toBe(at.ts);
  });

  it('decides the same, at the same records, however the partition is chunked', () => {
    const records = partition();
    const whole = applyPartition(records, () => undefined, [], S).decided;
    for (const size of [1, 2, 7, 64, 181, 500]) expect(inChunks(records, size)).toEqual(whole);
  });

  it('leaves the states it is given as they were, and ends in the same states however chunked', () => {
    const records = partition();
    const whole = applyPartition(records, () => undefined, [], S).changed;
    const half = Math.floor(records.length / 2);
    const first = applyPartition(records.slice(0, half), () => undefined, [], S).changed;
    const given = structuredClone(first);
    const second = applyPartition(
      records.slice(half),
      (id) => first.get(id),
      [...first.values()],
      S,
    ).changed;
    // The second half changes its states in place past their first copy, never those given.
    expect(first).toEqual(given);
    expect(new Map([...first, ...second])).toEqual(whole);
  });

  it('leaves a given state as it was when its first record in the chunk is a duplicate', () => {
    const records = partition();
    const half = Math.floor(records.length / 2);
    const first = applyPartition(records.slice(0, half), () => undefined, [], S).changed;
    const given = structuredClone(first);
    // A producer's retry: the delivery's last record of the first half again, then the rest.
    const last = records.slice(0, half).findLast((r) => r.record.deliveryId === 'dlv')!;
    const rest = records.slice(half).map((r, i) => ({ ...r, offset: String(half + 1 + i) }));
    const second = applyPartition(
      [{ offset: String(half), record: last.record }, ...rest],
      (id) => first.get(id),
      [...first.values()],
      S,
    ).changed;
    expect(first).toEqual(given);
    expect(second.get('dlv')!.lastSeq).toBeGreaterThan(given.get('dlv')!.lastSeq);
  });
});

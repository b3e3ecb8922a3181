import { randomUUID } from 'node:crypto';
import type { PositionRecord, TripRecord } from '@fleetstream/contracts';
import { pino } from 'pino';
import type { DeliveryUpdate } from '../infra/delivery-store.js';

/** A name no other test uses: every test gets its own topics, groups and Redis keys. */
export const uniqueName = (label: string) => `t-${label}-${randomUUID().slice(0, 8)}`;

/** A quiet logger for tests; set TEST_LOG_LEVEL=debug to see it. */
export const testLogger = () => pino({ level: process.env.TEST_LOG_LEVEL ?? 'warn' });

/** A delivery assigned to its own driver (`drv-<deliveryId>`), now. */
export const assignedTrip = (deliveryId: string, seq = 1): TripRecord => ({
  type: 'trip',
  v: 1,
  driverId: `drv-${deliveryId}`,
  deliveryId,
  seq,
  ts: Date.now(),
  status: 'assigned',
  pickup: { lat: 52.5, lng: 13.4 },
  dropoff: { lat: 52.51, lng: 13.41 },
});

/** That driver's position `seq`, now, `stepDeg` further north per seq. */
export const deliveryPosition = (
  deliveryId: string,
  seq: number,
  stepDeg = 1e-5,
): PositionRecord & { deliveryId: string } => ({
  type: 'position',
  v: 1,
  driverId: `drv-${deliveryId}`,
  deliveryId,
  seq,
  ts: Date.now(),
  lat: 52.5 + seq * stepDeg,
  lng: 13.4,
  speedMps: 5,
  headingDeg: 0,
  accuracyM: 5,
});

/** A live-push update: position `seq` of delivery `id` at device time `ts`. */
export const positionUpdate = (
  id: string,
  seq: number,
  ts: number,
  stepDeg?: number,
): DeliveryUpdate => ({
  type: 'position',
  position: { ...deliveryPosition(id, seq, stepDeg), ts },
});

/**
 * Live-push updates: positions of delivery `id` with these seqs (device time `ts0` + seq
 * seconds), at offsets from `from` of one partition.
 */
export const partitionPositions = (id: string, from: number, seqs: number[], ts0: number) => ({
  updates: seqs.map((seq) => positionUpdate(id, seq, ts0 + seq * 1000)),
  offsets: seqs.map((_, i) => from + i),
});

/** `perDriver` position records for each of `drivers` drivers, seq 1..perDriver, interleaved. */
export function positionTrace(
  drivers: number,
  perDriver: number,
  startTs = 1_763_784_742_000,
): PositionRecord[] {
  const out: PositionRecord[] = [];
  for (let seq = 1; seq <= perDriver; seq++) {
    for (let d = 0; d < drivers; d++) {
      out.push({
        type: 'position',
        v: 1,
        driverId: `drv-${String(d).padStart(5, '0')}`,
        deliveryId: `dlv-${d}`,
        seq,
        ts: startTs + seq * 1000,
        lat: 52.5 + d * 1e-4,
        lng: 13.4 + seq * 1e-5,
        speedMps: 8,
        headingDeg: 90,
        accuracyM: 5,
      });
    }
  }
  return out;
}

/**
 * A trip update as the live-push store takes it: status `status` of `deliveryId` at `ts`,
 * with pickup, drop-off and a two-point route when it is the assignment.
 */
export const tripUpdate = (
  deliveryId: string,
  seq: number,
  ts: number,
  status: TripRecord['status'],
): DeliveryUpdate => ({
  type: 'trip',
  trip: {
    type: 'trip',
    v: 1,
    driverId: `drv-${deliveryId}`,
    deliveryId,
    seq,
    ts,
    status,
    ...(status === 'assigned'
      ? { pickup: { lat: 52.5, lng: 13.4 }, dropoff: { lat: 52.52, lng: 13.42 } }
      : {}),
  },
  route: status === 'assigned' ? [[52.5, 13.4] as [number, number], [52.52, 13.42]] : null,
});

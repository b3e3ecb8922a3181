import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  encodeLocationRecord,
  type AbandonedList,
  type DeliveryList,
  type LagSnapshot,
  type LocationRecord,
} from '@fleetstream/contracts';
import * as livePush from '../consumers/live-push.js';
import { startOpsApi } from '../testing/ops-api-server.js';
import { createTestContext, testNamespace, TEST_OPS_TOKEN } from '../testing/test-context.js';
import * as ops from './lag-monitor.js';

// Short thresholds, so couriers go offline and deliveries are abandoned within the test.
const env = testNamespace('impact', {
  OPS_POLL_INTERVAL_MS: '500',
  OPS_STALE_AFTER_S: '3',
  COURIER_OFFLINE_AFTER_S: '5',
  DELIVERY_ABANDON_AFTER_S: '12',
});
const COURIERS = 300;
const SILENCED = 100;
const deliveryId = (i: number) => `dlv-imp-${String(i).padStart(3, '0')}`;
/** Couriers sending nothing at the moment. */
const silent = new Set<number>();

const cleanups: Array<() => Promise<void>> = [];
let base = '';
let producing = true;

beforeAll(async () => {
  const g = await createTestContext(['gateway'], env, 'gateway');
  const w = await createTestContext(['live-push'], env, 'live-push');
  const o = await createTestContext(['ops'], env, 'ops');
  const api = await startOpsApi(g.ctx);
  const stopW = await livePush.start(w.ctx);
  const stopO = await ops.start(o.ctx);
  base = api.base;
  // Every courier not silenced sends a fix a second; a delivery's first record assigns it.
  const producer = await w.ctx.producers.start();
  const seqs = new Array<number>(COURIERS).fill(0);
  const done = (async () => {
    while (producing) {
      const records: LocationRecord[] = [];
      for (let i = 0; i < COURIERS; i++) {
        if (silent.has(i)) continue;
        const common = { v: 1 as const, driverId: `drv-imp-${i}`, deliveryId: deliveryId(i) };
        const seq = ++seqs[i]!;
        records.push(
          seq === 1
            ? {
                ...common,
                type: 'trip',
                seq,
                ts: Date.now(),
                status: 'assigned',
                pickup: { lat: 52.5, lng: 13.4 },
                dropoff: { lat: 52.52, lng: 13.42 },
              }
            : {
                ...common,
                type: 'position',
                seq,
                ts: Date.now(),
                lat: 52.5,
                lng: 13.4 + seq * 1e-5,
              },
        );
      }
      await producer.send(
        w.ctx.config.topics.location,
        records.map((r) => ({ key: r.driverId, value: encodeLocationRecord(r) })),
      );
      await new Promise((r) => setTimeout(r, 1000));
    }
  })();
  cleanups.push(
    async () => {
      producing = false;
      await done;
      await producer.stop();
    },
    stopO,
    stopW,
    api.close,
    o.close,
    w.close,
    g.close,
  );
}, 60_000);
afterAll(async () => {
  for (const c of cleanups) await c();
});

const auth = { Authorization: `Bearer ${TEST_OPS_TOKEN}` };
const getJson = async <T>(path: string) =>
  (await (await fetch(`${base}${path}`, { headers: auth })).json()) as T;
const impact = async () => {
  const res = await fetch(`${base}/api/ops/lag`, { headers: auth });
  return res.status === 200 ? ((await res.json()) as LagSnapshot).impact : null;
};

it(
  'counts 100 silenced couriers as silent, not fresh, then drops their deliveries as abandoned',
  { timeout: 120_000 },
  async () => {
    // Everyone sending: all fresh.
    await expect
      .poll(impact, { timeout: 30_000, interval: 250 })
      .toMatchObject({ activeDeliveries: COURIERS, staleDeliveries: 0, silentDeliveries: 0 });

    for (let i = 0; i < SILENCED; i++) silent.add(i);
    const silencedIds = [...silent].map(deliveryId).sort();
    // Stale after 3 s (the courier quiet), silent past 5 s: never fresh meanwhile.
    await expect.poll(impact, { timeout: 20_000, interval: 250 }).toMatchObject({
      activeDeliveries: COURIERS,
      staleDeliveries: SILENCED,
      silentDeliveries: SILENCED,
      laggingDeliveries: 0,
      quietDeliveries: 0,
      offlineAfterS: 5,
    });

    // The deliveries list agrees: the same 100 are offline.
    const offline = await getJson<DeliveryList>('/api/deliveries?status=offline&limit=1000');
    expect(offline.deliveries.map((d) => d.deliveryId).sort()).toEqual(silencedIds);
    expect(offline.deliveries.every((d) => d.offline && d.active)).toBe(true);
    expect(offline.counts).toMatchObject({ assigned: COURIERS, offline: SILENCED });

    // Past DELIVERY_ABANDON_AFTER_S they leave the active set, once each, with an event.
    await expect
      .poll(async () => (await getJson<AbandonedList>('/api/deliveries/abandoned')).total, {
        timeout: 20_000,
        interval: 250,
      })
      .toBe(SILENCED);
    const abandoned = await getJson<AbandonedList>('/api/deliveries/abandoned');
    expect(abandoned.abandonAfterS).toBe(12);
    expect(abandoned.abandoned.map((e) => e.deliveryId).sort()).toEqual(silencedIds);
    expect(abandoned.abandoned.every((e) => e.status === 'assigned' && e.driverId !== '')).toBe(
      true,
    );
    await expect
      .poll(impact, { timeout: 5_000, interval: 250 })
      .toMatchObject({ activeDeliveries: COURIERS - SILENCED, silentDeliveries: 0 });
    await expect
      .poll(async () => (await getJson<DeliveryList>('/api/deliveries?limit=1')).counts, {
        timeout: 5_000,
        interval: 250,
      })
      .toMatchObject({ assigned: COURIERS - SILENCED, offline: 0 });
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toContain(`fleetstream_deliveries_abandoned_total ${SILENCED}`);
    expect(metrics).toContain(`fleetstream_active_deliveries ${COURIERS - SILENCED}`);
    expect(metrics).toContain('fleetstream_stale_deliveries{cause="silent"} 0');

    // A courier that comes back puts its delivery back.
    silent.delete(0);
    await expect
      .poll(
        async () =>
          (await getJson<DeliveryList>(`/api/deliveries?q=${deliveryId(0)}`)).deliveries.map(
            (d) => [d.deliveryId, d.offline],
          ),
        { timeout: 10_000, interval: 250 },
      )
      .toEqual([[deliveryId(0), false]]);
  },
);

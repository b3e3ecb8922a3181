import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeliveryList, TripRecord } from '@fleetstream/contracts';
import type { DeliveryUpdate } from '../../infra/delivery-store.js';
import { startOpsApi } from '../../testing/ops-api-server.js';
import { createTestContext, testNamespace, TEST_OPS_TOKEN } from '../../testing/test-context.js';

/** 10,000 active deliveries (every 50th with a courier silent for 2 min) and 300 finished. */
const ACTIVE = 10_000;
const pad = (i: number) => String(i).padStart(5, '0');
const now = Date.now();
const seeded = Array.from({ length: ACTIVE }, (_, i) => ({
  deliveryId: `dlv-${pad(i)}`,
  // Couriers numbered apart from their deliveries, so a courier search finds other numbers.
  driverId: `drv-${pad((i * 7) % ACTIVE)}`,
  status: i % 10 < 3 ? ('picked_up' as const) : ('assigned' as const),
  ts: i % 50 === 0 ? now - 120_000 - i : now - 1_000 - i,
}));
const finished = Array.from({ length: 300 }, (_, i) => ({
  deliveryId: `dlv-f${pad(i)}`,
  driverId: `drv-f${pad(i)}`,
  status: i < 200 ? ('delivered' as const) : ('cancelled' as const),
  ts: now - 10_000 - i,
}));

function updatesOf(d: {
  deliveryId: string;
  driverId: string;
  status: TripRecord['status'];
  ts: number;
}) {
  const base = { v: 1 as const, driverId: d.driverId, deliveryId: d.deliveryId };
  const trip = (seq: number, status: TripRecord['status'], ts: number): DeliveryUpdate => ({
    type: 'trip',
    trip: {
      ...base,
      type: 'trip',
      seq,
      ts,
      status,
      ...(status === 'assigned'
        ? { pickup: { lat: 52.5, lng: 13.4 }, dropoff: { lat: 52.52, lng: 13.42 } }
        : {}),
    },
  });
  const out = [trip(1, 'assigned', d.ts - 2_000)];
  if (d.status !== 'assigned') out.push(trip(2, d.status, d.ts - 1_000));
  if (d.status === 'assigned' || d.status === 'picked_up')
    out.push({
      type: 'position',
      position: { ...base, type: 'position', seq: 3, ts: d.ts, lat: 52.5, lng: 13.4 },
    });
  return out;
}

let t: Awaited<ReturnType<typeof createTestContext>>;
let api: Awaited<ReturnType<typeof startOpsApi>>;
let cold: Awaited<ReturnType<typeof startOpsApi>>;

beforeAll(async () => {
  t = await createTestContext(['gateway'], testNamespace('deliveries-api'));
  api = await startOpsApi(t.ctx);
  // A second API that reads the index for every request: the cost of a cold request.
  cold = await startOpsApi(t.ctx, { maxAgeMs: 0 });
  // Written with the store's own writes, 500 deliveries a call.
  const all = [...seeded, ...finished];
  for (let i = 0; i < all.length; i += 500)
    await api.store.applyUpdates(all.slice(i, i + 500).flatMap(updatesOf), now);
}, 120_000);
afterAll(async () => {
  await api?.close();
  await cold?.close();
  await t?.close();
});

const auth = { Authorization: `Bearer ${TEST_OPS_TOKEN}` };
async function get(query: string, server = api) {
  const res = await fetch(`${server.base}/api/deliveries${query}`, { headers: auth });
  return {
    status: res.status,
    body: (await res.json()) as DeliveryList & { error?: { message: string } },
  };
}
async function timed(query: string, server = api) {
  const started = performance.now();
  const r = await get(query, server);
  return { ...r, ms: performance.now() - started };
}
/** Every row of a query, following `next`. */
async function everyPage(query: string) {
  const rows: DeliveryList['deliveries'] = [];
  let pages = 0;
  let cursor: string | null = '';
  while (cursor !== null) {
    const sep = query ? '&' : '?';
    const { status, body } = await get(`${query}${cursor ? `${sep}cursor=${cursor}` : ''}`);
    expect(status).toBe(200);
    rows.push(...body.deliveries);
    cursor = body.next;
    pages++;
  }
  return { rows, pages };
}

describe('GET /api/deliveries at 10,000 active deliveries', () => {
  it('answers as before without parameters: the 100 most recently updated active ones', async () => {
    const { status, body, ms } = await timed('');
    expect(status).toBe(200);
    expect(body.deliveries).toHaveLength(100);
    expect(body.deliveries[0]).toEqual({
      deliveryId: 'dlv-00001',
      driverId: 'drv-00007',
      status: 'picked_up',
      trackingUrl: expect.stringMatching(/^\/track\/dlv-00001\?t=/) as string,
      lastSeenTs: now - 1_001,
      active: true,
      offline: false,
    });
    const ts = body.deliveries.map((d) => d.lastSeenTs);
    expect(ts).toEqual([...ts].sort((a, b) => b - a));
    expect(body.counts).toEqual({
      assigned: 7000,
      picked_up: 3000,
      delivered: 200,
      cancelled: 100,
      offline: 200,
    });
    expect(body.next).toEqual(expect.any(String));
    const coldRuns = [];
    for (let i = 0; i < 5; i++) coldRuns.push((await timed('', cold)).ms);
    const warm = [];
    for (let i = 0; i < 5; i++) warm.push((await timed('?limit=1000&sort=id')).ms);
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    // Reported, not asserted (a shared 2-core machine): see the issue note.
    console.info(
      `GET /api/deliveries at ${ACTIVE} active: first ${ms.toFixed(1)} ms; index read each time ` +
        `(median of 5) ${median(coldRuns).toFixed(1)} ms; cached, limit=1000 (median of 5) ` +
        `${median(warm).toFixed(1)} ms`,
    );
  });

  it('pages through every active delivery exactly once, whatever the sort and page size', async () => {
    for (const [query, pages] of [
      ['?limit=1000', 10],
      ['?limit=777&sort=id', 13],
      ['?limit=1000&sort=stale', 10],
      ['?limit=1000&sort=status', 10],
    ] as const) {
      const all = await everyPage(query);
      expect(all.pages).toBe(pages);
      expect(all.rows).toHaveLength(ACTIVE);
      expect(new Set(all.rows.map((d) => d.deliveryId))).toEqual(
        new Set(seeded.map((d) => d.deliveryId)),
      );
    }
    const byId = (await everyPage('?limit=1000&sort=id')).rows.map((d) => d.deliveryId);
    expect(byId).toEqual([...byId].sort());
    const all = await everyPage('?status=all&limit=1000');
    expect(all.rows).toHaveLength(ACTIVE + finished.length);
  });

  it('searches delivery and courier ids, case-insensitively, and filters by status', async () => {
    const match = (q: string) =>
      [...seeded, ...finished].filter((d) => d.deliveryId.includes(q) || d.driverId.includes(q));
    const { body } = await get('?q=%20DRV-00042&status=all');
    expect(body.deliveries.map((d) => d.driverId)).toEqual(['drv-00042']);
    const byText = await get('?q=0042&status=all&limit=1000');
    expect(byText.body.deliveries.map((d) => d.deliveryId).sort()).toEqual(
      match('0042')
        .map((d) => d.deliveryId)
        .sort(),
    );
    expect(byText.body.counts.assigned + byText.body.counts.picked_up).toBe(
      match('0042').filter((d) => d.status === 'assigned' || d.status === 'picked_up').length,
    );

    const pickedUp = await everyPage('?status=picked_up&limit=1000');
    expect(pickedUp.rows).toHaveLength(3000);
    expect(pickedUp.rows.every((d) => d.status === 'picked_up')).toBe(true);
    const offline = await get('?status=offline&limit=1000');
    expect(offline.body.deliveries).toHaveLength(200);
    expect(offline.body.deliveries.every((d) => d.offline && d.lastSeenTs < now - 60_000)).toBe(
      true,
    );
    const delivered = await get('?status=delivered&limit=1000');
    expect(delivered.body.deliveries).toHaveLength(200);
    expect(delivered.body.deliveries.every((d) => !d.active && !d.offline)).toBe(true);
    expect((await get('?q=nobody')).body).toEqual({
      deliveries: [],
      next: null,
      counts: { assigned: 0, picked_up: 0, delivered: 0, cancelled: 0, offline: 0 },
    });
  });

  it('keeps limit within 1 to 1000 and refuses bad parameters with 400 and a message', async () => {
    expect((await get('?limit=1000')).body.deliveries).toHaveLength(1000);
    expect((await get('?limit=1')).body.deliveries).toHaveLength(1);
    const idCursor = (await get('?sort=id&limit=5')).body.next!;
    for (const [query, message] of [
      ['?limit=1001', 'limit must be an integer from 1 to 1000'],
      ['?limit=0', 'limit must be an integer from 1 to 1000'],
      ['?limit=abc', 'limit must be an integer from 1 to 1000'],
      ['?status=lost', 'status must be one of'],
      ['?sort=eta', 'sort must be one of'],
      ['?cursor=%%%', 'cursor is not one this API returned'],
      [`?cursor=${idCursor}`, 'cursor belongs to sort=id'],
      ['?q=a&q=b', 'q must be given once'],
    ] as const) {
      const { status, body } = await get(query);
      expect([query, status]).toEqual([query, 400]);
      expect(body.error?.message).toContain(message);
    }
    expect((await fetch(`${api.base}/api/deliveries`)).status).toBe(401);
  });
});

import type { Page } from 'playwright-core';
import { afterAll, expect, inject, it } from 'vitest';
import { encodeLocationRecord, type LocationRecord } from '@fleetstream/contracts';
import {
  createDeliveryStore,
  type DeliveryUpdate,
} from '@fleetstream/backend/infra/delivery-store';
import { createKafka } from '@fleetstream/kafka/client';
import { startProducer, type RecordProducer } from '@fleetstream/kafka/producer';
import { testLogger } from '@fleetstream/backend/testing/fixtures';
import { saveScreenshot, useBrowserStack } from '@fleetstream/testkit/browser-stack';
import { Redis } from '@fleetstream/testkit/clients';

const SEEDED = 10_000;
const OFFLINE_AFTER_S = 10;
const pad = (i: number) => String(i).padStart(5, '0');

/** 10,000 deliveries written with live-push's own store, heard from 0 to 20 s ago. */
async function seed(redisUrl: string, prefix: string) {
  const redis = new Redis(redisUrl);
  const store = createDeliveryStore(redis, { prefix });
  const now = Date.now();
  const updates: DeliveryUpdate[] = [];
  for (let i = 0; i < SEEDED; i++) {
    const common = {
      v: 1 as const,
      deliveryId: `dlv-s${pad(i)}`,
      driverId: `drv-s${pad((i * 7) % SEEDED)}`,
    };
    const ts = now - (i % 20) * 1000;
    updates.push({
      type: 'trip',
      trip: {
        ...common,
        type: 'trip',
        seq: 1,
        ts: ts - 2000,
        status: 'assigned',
        pickup: { lat: 52.5, lng: 13.4 },
        dropoff: { lat: 52.52, lng: 13.42 },
      },
    });
    if (i % 10 < 3)
      updates.push({
        type: 'trip',
        trip: { ...common, type: 'trip', seq: 2, ts: ts - 1000, status: 'picked_up' },
      });
    updates.push({
      type: 'position',
      position: { ...common, type: 'position', seq: 3, ts, lat: 52.5, lng: 13.4 },
    });
  }
  for (let i = 0; i < updates.length; i += 1500)
    await store.applyUpdates(updates.slice(i, i + 1500), now);
  redis.disconnect();
}

const t = useBrowserStack({
  // Every group runs, so the home page shows the whole pipeline at work.
  roles: ['gateway', 'live-push', 'analytics', 'notifications', 'ops'],
  env: {
    OPS_POLL_INTERVAL_MS: '1000',
    LOCATION_PARTITIONS: '12',
    COURIER_OFFLINE_AFTER_S: String(OFFLINE_AFTER_S),
  },
  fleet: ['--drivers', '30'],
  setup: (stack) => seed(stack.env.REDIS_URL!, stack.env.REDIS_PREFIX!),
});

/** One courier of our own, sending a fix a second until silenced. */
let producer: RecordProducer | undefined;
let watchSeq = 0;
let lastWatchFix = 0;
let watching: NodeJS.Timeout | undefined;
/** The send under way, if any: silencing the courier waits for it. */
let sending: Promise<void> = Promise.resolve();
async function startWatchedCourier() {
  const kafka = createKafka({
    brokers: inject('kafkaBrokers').split(','),
    clientId: 'watch',
    log: testLogger(),
  });
  producer = await startProducer(kafka);
  const send = async () => {
    const common = {
      v: 1 as const,
      driverId: 'drv-watch',
      deliveryId: 'dlv-watch',
      seq: ++watchSeq,
      ts: Date.now(),
    };
    const record: LocationRecord =
      watchSeq === 1
        ? {
            ...common,
            type: 'trip',
            status: 'assigned',
            pickup: { lat: 52.5, lng: 13.4 },
            dropoff: { lat: 52.52, lng: 13.42 },
          }
        : { ...common, type: 'position', lat: 52.5, lng: 13.4 + watchSeq * 1e-5 };
    await producer!.send(`${t.stack.namespace}delivery-location`, [
      { key: record.driverId, value: encodeLocationRecord(record) },
    ]);
    lastWatchFix = record.ts;
  };
  await send();
  watching = setInterval(() => {
    sending = send().catch(() => undefined);
  }, 1000);
}
afterAll(async () => {
  clearInterval(watching);
  await producer?.stop();
});

const rowIds = (page: Page) =>
  page.getByTestId('delivery-row').evaluateAll((rows) => rows.map((r) => r.dataset.deliveryId!));
const filterCount = async (page: Page, filter: string) =>
  Number(
    (await page.getByTestId(`filter-${filter}`).getByTestId('filter-count').textContent())!.replace(
      /,/g,
      '',
    ),
  );
const pageInfo = (page: Page) => page.getByTestId('page-info').textContent();
async function search(page: Page, text: string) {
  await page.getByTestId('delivery-search').fill(text);
}

it(
  'searches, filters and pages 10,000 deliveries, and shows a silenced courier offline in time',
  { timeout: 180_000 },
  async () => {
    await startWatchedCourier();
    const { page, errors } = await t.open(`/ops/deliveries#token=${t.stack.opsToken}`, {
      width: 1400,
      height: 1000,
    });
    await expect
      .poll(() => filterCount(page, 'active').catch(() => 0), { timeout: 20_000 })
      .toBeGreaterThanOrEqual(SEEDED);
    expect(await filterCount(page, 'picked_up')).toBeGreaterThanOrEqual(3000);
    expect(await rowIds(page)).toHaveLength(50);

    // Search: by delivery id, then by courier id (case does not matter).
    await search(page, 'DLV-S0042');
    // Most recently heard first: dlv-s00420 was heard last of them.
    await expect
      .poll(() => rowIds(page))
      .toEqual(Array.from({ length: 10 }, (_, k) => `dlv-s0042${k}`));
    expect(await pageInfo(page)).toBe('Page 1 · 1–10 of 10');
    await search(page, 'drv-s00007');
    await expect.poll(() => rowIds(page)).toEqual(['dlv-s00001']);
    await search(page, '');

    // Filter: picked up only.
    await page.getByTestId('filter-picked_up').click();
    await expect.poll(() => filterCount(page, 'picked_up')).toBeGreaterThanOrEqual(3000);
    await expect
      .poll(async () =>
        (await page.getByTestId('delivery-row').locator('td:nth-child(3)').allTextContents()).every(
          (text) => text.startsWith('picked up'),
        ),
      )
      .toBe(true);
    expect(await pageInfo(page)).toMatch(/^Page 1 · 1–50 of 3,0\d\d$/);

    // Pages of the seeded ones by id: three forward, one back; no row twice, in order, the
    // same page back.
    await page.getByTestId('filter-active').click();
    await search(page, 'dlv-s');
    await expect.poll(() => pageInfo(page)).toMatch(/ of 10,000$/);
    await page.getByTestId('delivery-sort').selectOption('id');
    // The whole first page by id: dlv-s00000 also heads the list sorted by update (it was heard
    // last), so its first row alone cannot tell the new sort's page from the old one.
    await expect
      .poll(() => rowIds(page))
      .toEqual(Array.from({ length: 50 }, (_, i) => `dlv-s${pad(i)}`));
    const seen: string[][] = [await rowIds(page)];
    for (let p = 2; p <= 4; p++) {
      await page.getByTestId('page-next').click();
      await expect
        .poll(() => pageInfo(page))
        .toMatch(new RegExp(`^Page ${p} · ${(p - 1) * 50 + 1}–${p * 50} of 10,000$`));
      await expect.poll(async () => (await rowIds(page))[0]).not.toBe(seen.at(-1)![0]);
      seen.push(await rowIds(page));
    }
    const flat = seen.flat();
    expect(new Set(flat).size).toBe(200);
    expect(flat).toEqual([...flat].sort());
    expect(flat[0]).toBe('dlv-s00000');
    await page.getByTestId('page-prev').click();
    await expect.poll(() => rowIds(page)).toEqual(seen[2]);
    expect(await page.getByTestId('delivery-replay').count()).toBe(50);

    // The watched courier: online while it sends, offline once silent past the threshold.
    await page.getByTestId('delivery-sort').selectOption('updated');
    await search(page, 'dlv-watch');
    await expect.poll(() => rowIds(page), { timeout: 20_000 }).toEqual(['dlv-watch']);
    expect(await page.getByTestId('offline-badge').count()).toBe(0);
    clearInterval(watching);
    // The last send may still be on its way: it counts from its own time.
    await sending;
    const silentSince = lastWatchFix;
    await page.getByTestId('offline-badge').waitFor({ timeout: (OFFLINE_AFTER_S + 15) * 1000 });
    const shownAfterMs = Date.now() - silentSince;
    // Never before the threshold; within it plus the list's cache (2 s), the page's refresh (5 s)
    // and live-push's lag.
    console.log(
      `silenced courier shown offline ${shownAfterMs} ms after its last fix (COURIER_OFFLINE_AFTER_S=${OFFLINE_AFTER_S})`,
    );
    expect(shownAfterMs).toBeGreaterThanOrEqual(OFFLINE_AFTER_S * 1000);
    expect(shownAfterMs).toBeLessThan((OFFLINE_AFTER_S + 10) * 1000);
    await search(page, '');
    await page.getByTestId('filter-offline').click();
    await expect.poll(() => filterCount(page, 'offline')).toBeGreaterThan(SEEDED / 2);
    await expect.poll(async () => (await rowIds(page))[0]).toBe('dlv-watch');
    // The list as ops opens it: the fleet's live couriers first, then the silent ones, flagged.
    await page.getByTestId('filter-active').click();
    await expect
      .poll(async () => (await rowIds(page))[0], { timeout: 10_000 })
      .not.toMatch(/^dlv-(s\d|watch)/);
    await saveScreenshot(page, 'ops-deliveries.png');
    expect(errors).toEqual([]);
    await page.close();
  },
);

it(
  'the home page shows the pipeline live with the token, and the static picture without',
  { timeout: 60_000 },
  async () => {
    const { page, errors } = await t.open(`/#token=${t.stack.opsToken}`, {
      width: 1400,
      height: 1000,
    });
    await expect
      .poll(() => page.getByTestId('pipeline-connection').textContent(), { timeout: 15_000 })
      .toBe('Live');
    await expect
      .poll(() => page.getByTestId('pipeline').getAttribute('data-live'), { timeout: 15_000 })
      .toBe('true');
    expect(await page.getByTestId('pipeline-partitions').textContent()).toBe('12 partitions');
    for (const group of ['live-push', 'analytics', 'notifications'])
      await expect
        .poll(() => page.getByTestId(`pipeline-group-${group}`).getByTestId('group-status').count())
        .toBe(1);
    await expect
      .poll(() => page.getByTestId('pipeline-produce-rate').textContent(), { timeout: 15_000 })
      .not.toMatch(/^0\.0 /);
    await expect
      .poll(() => page.getByTestId('demo-tracking').getAttribute('href'), { timeout: 15_000 })
      .toMatch(/^\/track\/.+\?t=/);
    // Old positions by cause: the seeded deliveries' couriers are all silent by now.
    await expect
      .poll(() => page.getByTestId('impact-silent').getAttribute('data-count'), { timeout: 15_000 })
      .not.toBeNull();
    expect(
      Number(await page.getByTestId('impact-silent').getAttribute('data-count')),
    ).toBeGreaterThan(SEEDED / 2);
    for (const href of ['/ops', '/ops/fleet', '/ops/deliveries', '/ops/analytics', '/ops/replay'])
      expect(await page.locator(`.home-links a[href="${href}"]`).count()).toBe(1);
    await saveScreenshot(page, 'home.png', true);
    expect(errors).toEqual([]);
    await page.close();

    const plain = await t.open('/');
    await plain.page.getByTestId('pipeline').waitFor();
    expect(await plain.page.getByTestId('pipeline').getAttribute('data-live')).toBe('false');
    expect(await plain.page.getByTestId('pipeline-connection').textContent()).toBe(
      'Static picture',
    );
    expect(await plain.page.locator('#home-ops-token').count()).toBe(1);
    expect(await plain.page.locator('.home-links a').count()).toBe(5);
    expect(plain.errors).toEqual([]);
    await plain.page.close();
  },
);

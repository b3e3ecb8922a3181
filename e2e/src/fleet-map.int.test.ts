import type { LocationRecord } from '@fleetstream/contracts';
import { expect, it } from 'vitest';
import { saveScreenshot, useBrowserStack } from '@fleetstream/testkit/browser-stack';
import { produceRecords } from '@fleetstream/testkit/produce-records';

/**
 * Issue 19's live fleet map in a real browser: 1,000 couriers moving at 1 Hz on one canvas,
 * the frame time measured while they move, and a courier that goes silent turning offline.
 */
const OFFLINE_AFTER_S = 10;
const t = useBrowserStack({
  roles: ['gateway', 'live-push'],
  env: { COURIER_OFFLINE_AFTER_S: String(OFFLINE_AFTER_S) },
  fleet: ['--drivers', '1000', '--seed', '19', '--no-faults'],
});

const silentFix = (seq: number): LocationRecord => ({
  type: 'position',
  v: 1,
  driverId: 'drv-goes-silent',
  deliveryId: null,
  seq,
  ts: Date.now(),
  lat: 43.7384,
  lng: 7.4246,
});

it(
  'draws 1,000 live couriers smoothly and shows a silent one as offline',
  { timeout: 180_000 },
  async () => {
    const { page, errors } = await t.open(`/ops/fleet#token=${t.stack.opsToken}`, {
      width: 1280,
      height: 900,
    });
    const count = async (id: string) => Number(await page.getByTestId(id).textContent());
    await expect
      .poll(() => count('fleet-total'), { timeout: 90_000, interval: 500 })
      .toBeGreaterThanOrEqual(1000);

    // Frame times while the couriers move (a snapshot a second redraws the canvas).
    // (In the page: infra has no DOM types, so the measuring code goes in as text.)
    const frames = await page.evaluate<number[]>(`new Promise((resolve) => {
      const deltas = [];
      let last = performance.now();
      const end = last + 5000;
      const step = (now) => {
        deltas.push(now - last);
        last = now;
        if (now < end) requestAnimationFrame(step);
        else resolve(deltas);
      };
      requestAnimationFrame(step);
    })`);
    const sorted = [...frames].sort((a, b) => a - b);
    const p95 = sorted[Math.floor(sorted.length * 0.95)]!;
    console.log(
      `fleet map: ${await count('fleet-total')} couriers, ${frames.length} frames in 5 s, ` +
        `frame time p50 ${sorted[Math.floor(sorted.length / 2)]!.toFixed(1)} ms, p95 ${p95.toFixed(1)} ms, ` +
        `max ${sorted.at(-1)!.toFixed(1)} ms`,
    );
    expect(p95).toBeLessThan(200);
    await saveScreenshot(page, 'fleet-map.png');

    // A courier sends a few fixes, then nothing: offline within the configured time.
    const offlineBefore = await count('fleet-count-offline');
    const topic = `${t.stack.namespace}delivery-location`;
    await produceRecords(t.stack.env.KAFKA_BROKERS!, topic, [silentFix(1), silentFix(2)]);
    const silentSince = Date.now();
    await expect
      .poll(() => count('fleet-count-offline'), {
        timeout: (OFFLINE_AFTER_S + 15) * 1000,
        interval: 250,
      })
      .toBe(offlineBefore + 1);
    console.log(`silent courier offline on the map after ${Date.now() - silentSince} ms`);

    await saveScreenshot(page, 'fleet-map-silent.png');
    expect(errors).toEqual([]);
    await page.close();
  },
);

import { expect, inject, it } from 'vitest';
import { saveScreenshot, useBrowserStack } from '@fleetstream/testkit/browser-stack';
import { quietKafka } from '@fleetstream/testkit/clients';

/** Completed trips of a few extra drivers, so the duration histogram has bars at once. */
async function produceCompletedTrips(brokers: string, topic: string): Promise<void> {
  const kafka = quietKafka('analytics-e2e', [brokers]);
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  const now = Date.now();
  const messages = Array.from({ length: 4 }, (_, i) => {
    const driverId = `drv-e2e-${i}`;
    const deliveryId = `dlv-e2e-${i}`;
    const base = { type: 'trip', v: 1, driverId, deliveryId };
    return [
      {
        ...base,
        seq: 1,
        ts: now - (20 + 5 * i) * 60_000,
        status: 'assigned',
        pickup: { lat: 52.52, lng: 13.4 },
        dropoff: { lat: 52.5, lng: 13.42 },
      },
      { ...base, seq: 2, ts: now - (12 + 2 * i) * 60_000, status: 'picked_up' },
      { ...base, seq: 3, ts: now - 60_000, status: 'delivered' },
    ].map((r) => ({ key: driverId, value: JSON.stringify(r) }));
  }).flat();
  await producer.send({ topic, acks: -1, messages });
  await producer.disconnect();
}

const t = useBrowserStack({
  roles: ['gateway', 'analytics'],
  fleet: ['--drivers', '8', '--rate', '2'],
  setup: (stack) =>
    produceCompletedTrips(inject('kafkaBrokers'), `${stack.namespace}delivery-location`),
});

it(
  'the analytics panel shows throughput, drivers, trip durations and the heat grid',
  { timeout: 120_000 },
  async () => {
    const { page, errors } = await t.open(`/ops/analytics#token=${t.stack.opsToken}`, {
      width: 1280,
      height: 1500,
    });

    const attr = (testId: string, name: string) =>
      page.getByTestId(testId).evaluate((el, n) => Number(el.getAttribute(n) ?? 0), name);
    await page.getByTestId('kpi-fixes').waitFor({ timeout: 30_000 });
    await expect
      .poll(() => attr('chart-throughput', 'data-total'), { timeout: 40_000, interval: 500 })
      .toBeGreaterThan(150);
    await expect
      .poll(() => attr('chart-active-drivers', 'data-peak'), { timeout: 20_000 })
      .toBeGreaterThan(0);
    await expect
      .poll(() => attr('chart-trip-durations', 'data-total'), { timeout: 20_000 })
      .toBeGreaterThanOrEqual(8);
    await expect
      .poll(() => page.locator('.heat-cell').count(), { timeout: 20_000 })
      .toBeGreaterThan(0);
    expect(await page.getByTestId('kpi-distance').textContent()).not.toBe('0 km');
    expect(await page.getByTestId('kpi-trips-completed').textContent()).not.toBe('0');
    // uPlot drew each chart into a canvas.
    expect(await page.locator('.chart canvas').count()).toBeGreaterThanOrEqual(3);

    await saveScreenshot(page, 'analytics.png', true);
    console.log(
      `analytics panel: ${await page.getByTestId('kpi-fixes').textContent()} fixes, ` +
        `${await page.locator('.heat-cell').count()} heat cells`,
    );
    expect(errors).toEqual([]);
    await page.close();
  },
);

import { expect, it } from 'vitest';
import { saveScreenshot, useBrowserStack } from '@fleetstream/testkit/browser-stack';

const t = useBrowserStack({
  roles: ['gateway', 'live-push'],
  fleet: ['--drivers', '5', '--rate', '2'],
});

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

it('a customer opens a tracking link and sees the courier move', { timeout: 120_000 }, async () => {
  const auth = { Authorization: `Bearer ${t.stack.opsToken}` };
  let trackingUrl = '';
  await expect
    .poll(
      async () => {
        const res = await fetch(`${t.stack.baseUrl}/api/deliveries`, { headers: auth });
        const body = (await res.json()) as {
          deliveries: { trackingUrl: string; status: string }[];
        };
        trackingUrl =
          body.deliveries.find((d) => d.status === 'assigned' || d.status === 'picked_up')
            ?.trackingUrl ?? '';
        return trackingUrl;
      },
      { timeout: 60_000, interval: 500 },
    )
    .not.toBe('');

  const { page, errors } = await t.open(trackingUrl, { width: 900, height: 700 });
  await expect
    .poll(() => page.getByTestId('connection-state').textContent(), { timeout: 10_000 })
    .toBe('Live');
  await page.locator('.marker-driver').waitFor({ timeout: 10_000 });

  const read = () =>
    page
      .getByTestId('driver-position')
      .evaluate((el) => `${el.dataset.lat},${el.dataset.lng},${el.dataset.seq}`);
  const first = await read();
  await expect.poll(read, { timeout: 10_000, interval: 200 }).not.toBe(first);

  await saveScreenshot(page, 'tracking.png');
  const latencies = () =>
    page.evaluate(
      () => (globalThis as { fleetstreamLatencies?: number[] }).fleetstreamLatencies ?? [],
    );
  await expect
    .poll(async () => (await latencies()).length, { timeout: 20_000 })
    .toBeGreaterThanOrEqual(20);
  const seen = await latencies();
  console.log(`fix-to-page latency: median ${median(seen)} ms over ${seen.length} positions`);
  expect(errors).toEqual([]);
  await page.close();
});

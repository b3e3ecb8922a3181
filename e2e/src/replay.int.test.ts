import type { Page } from 'playwright-core';
import { expect, it } from 'vitest';
import { saveScreenshot, useBrowserStack } from '@fleetstream/testkit/browser-stack';

/**
 * Issue 20 in a real browser: the fleet and one delivery replayed from the Kafka log. The fleet
 * runs at wall-clock pace and without faults (no --speedup, no clock skew): a replay finds its
 * window by the records' Kafka time and plays them on their device time, which a time-lapse
 * fleet or a skewed phone would put apart.
 */
const t = useBrowserStack({
  roles: ['gateway', 'live-push'],
  fleet: ['--drivers', '20', '--seed', '20', '--no-faults'],
});
const WINDOW_MS = 60_000;
const SPEED = 30;

type Deliveries = { deliveries: { deliveryId: string; status: string; trackingUrl: string }[] };

const clockAt = async (page: Page) =>
  Number((await page.getByTestId('replay-clock').getAttribute('data-at')) ?? Number.NaN);
const status = (page: Page) => page.getByTestId('replay-status').textContent();

it(
  'replays a minute of the fleet at 30×, then one delivery, from the log',
  { timeout: 180_000 },
  async () => {
    const auth = { Authorization: `Bearer ${t.stack.opsToken}` };
    const deliveries = async () => {
      const res = await fetch(`${t.stack.baseUrl}/api/deliveries`, { headers: auth });
      return ((await res.json()) as Deliveries).deliveries;
    };
    // The fleet is on the log once its deliveries show; a minute later, a whole minute is.
    await expect
      .poll(async () => (await deliveries()).length, { timeout: 60_000, interval: 500 })
      .toBeGreaterThan(0);
    const windowFrom = Date.now() + 2_000;
    const windowTo = windowFrom + WINDOW_MS;
    await expect
      .poll(() => Date.now(), { timeout: WINDOW_MS + 30_000, interval: 1_000 })
      .toBeGreaterThan(windowTo + 1_000);

    // (a) The fleet: a custom one-minute window at 30×.
    const { page, errors } = await t.open(`/ops/replay#token=${t.stack.opsToken}`, {
      width: 1280,
      height: 900,
    });
    await page.getByTestId('replay-custom').check();
    // datetime-local inputs take the browser's local time, to the second.
    const [from, to] = await page.evaluate(
      (ends) =>
        ends.map((ms) =>
          new Date(ms - new Date(ms).getTimezoneOffset() * 60_000).toISOString().slice(0, 19),
        ),
      [windowFrom, windowTo],
    );
    await page.getByTestId('replay-from').fill(from!);
    await page.getByTestId('replay-to').fill(to!);
    await page.getByTestId('replay-window-speed').selectOption(String(SPEED));
    await page.getByTestId('replay-start').click();

    // The clock appears with replay-start; from then the window plays in 60 s / 30 = 2 s.
    await expect.poll(() => clockAt(page), { timeout: 15_000, interval: 50 }).toBeGreaterThan(0);
    const startedAt = Date.now();
    const firstAt = await clockAt(page);
    await expect
      .poll(async () => Number(await page.getByTestId('replay-couriers').textContent()), {
        timeout: 5_000,
        interval: 100,
      })
      .toBeGreaterThan(0);
    await expect
      .poll(() => clockAt(page), { timeout: 5_000, interval: 100 })
      .toBeGreaterThan(firstAt);
    await expect.poll(() => status(page), { timeout: 5_000, interval: 100 }).toBe('ended');
    const playedMs = Date.now() - startedAt;
    console.log(`fleet replay: ${WINDOW_MS / 1000} s at ${SPEED}× played in ${playedMs} ms`);
    // Paced, not dumped: 60 s at 30× takes about 2 s (the backend test checks the pacing to
    // 50 ms; here a loaded machine may add to it).
    expect(playedMs).toBeGreaterThan(1_500);
    expect(playedMs).toBeLessThan(10_000);
    const couriers = Number(await page.getByTestId('replay-couriers').textContent());
    expect(couriers).toBeGreaterThan(0);
    expect(couriers).toBeLessThanOrEqual(20);
    const windowEnd = Number(await page.getByTestId('replay-seek').getAttribute('max'));
    expect(await clockAt(page)).toBeGreaterThanOrEqual(windowEnd - 2_000);
    await saveScreenshot(page, 'replay-fleet.png');

    // (b) One delivery, from its Replay link on the ops list (the tab keeps the ops token).
    const list = await deliveries();
    const chosen =
      list.find((d) => d.status === 'picked_up') ?? list.find((d) => d.status === 'assigned');
    expect(chosen).toBeDefined();
    await page.goto(`${t.stack.baseUrl}/ops/deliveries`);
    const link = page.locator('tr', { hasText: chosen!.deliveryId }).getByTestId('delivery-replay');
    await link.waitFor({ timeout: 15_000 });
    const href = await link.getAttribute('href');
    expect(href).toMatch(/[?&]replay=1$/);
    await page.goto(`${t.stack.baseUrl}${href}&speed=${SPEED}`);

    const trail = () =>
      page.getByTestId('driver-position').evaluate((el) => Number(el.dataset.trail));
    await expect.poll(() => clockAt(page), { timeout: 15_000, interval: 50 }).toBeGreaterThan(0);
    const tripFrom = await clockAt(page);
    await expect.poll(trail, { timeout: 10_000, interval: 100 }).toBeGreaterThan(0);
    await page.locator('.marker-driver').waitFor({ timeout: 10_000 });
    await expect.poll(() => clockAt(page), { timeout: 10_000 }).toBeGreaterThan(tripFrom);
    // The trip so far plays to its end; then, at 1×, from the start again: the trail starts
    // over and grows fix by fix.
    await expect.poll(() => status(page), { timeout: 30_000, interval: 100 }).toBe('ended');
    await page.getByTestId('replay-speed').selectOption('1');
    const seek = page.getByTestId('replay-seek');
    await seek.fill((await seek.getAttribute('min'))!);
    await expect.poll(() => status(page), { timeout: 10_000, interval: 100 }).toBe('playing');
    const restarted = await trail();
    await expect.poll(trail, { timeout: 15_000, interval: 200 }).toBeGreaterThan(restarted + 1);
    const at = await clockAt(page);
    await expect.poll(() => clockAt(page), { timeout: 5_000 }).toBeGreaterThan(at);
    await saveScreenshot(page, 'replay-delivery.png');
    expect(errors).toEqual([]);
    await page.close();
  },
);

import { expect, it } from 'vitest';
import { createParkedNotifications } from '@fleetstream/backend/infra/parked-notifications';
import { saveScreenshot, useBrowserStack } from '@fleetstream/testkit/browser-stack';
import { Redis } from '@fleetstream/testkit/clients';

const t = useBrowserStack({
  roles: ['gateway', 'live-push', 'ops'],
  env: { OPS_POLL_INTERVAL_MS: '1000', LOCATION_PARTITIONS: '12' },
  fleet: ['--drivers', '30'],
});

it(
  'the ops dashboard shows every group × 12 partitions with lag values and live charts',
  { timeout: 120_000 },
  async () => {
    const { page, errors } = await t.open(`/ops#token=${t.stack.opsToken}`, {
      width: 1400,
      height: 1100,
    });
    await expect
      .poll(() => page.getByRole('status').first().textContent(), { timeout: 15_000 })
      .toBe('Live');
    await expect
      .poll(() => page.getByTestId('partition-lag').count(), { timeout: 30_000 })
      .toBe(3 * 12);
    const group = page.getByTestId(`group-${t.stack.namespace}live-push`);
    await expect
      .poll(() => group.getByTestId('group-status').textContent(), { timeout: 30_000 })
      .toBe('OK');
    expect(await group.locator('.members li').count()).toBeGreaterThan(0);
    // uPlot draws on canvases; a few polls in, every chart has data.
    await expect.poll(() => page.locator('.chart canvas').count(), { timeout: 15_000 }).toBe(4);
    await expect
      .poll(() => page.locator('.chart .u-series').count(), { timeout: 15_000 })
      .toBeGreaterThan(4);

    // Undelivered notifications: two parked (one of them dead-lettered) show up, then go.
    const parkedCard = page.getByTestId('parked');
    await expect.poll(() => parkedCard.getByTestId('parked-count').textContent()).toBe('0');
    const redis = new Redis(t.stack.env.REDIS_URL!);
    const parked = createParkedNotifications(redis, t.stack.env.REDIS_PREFIX!);
    const note = (i: number) => ({
      type: 'notification' as const,
      v: 1 as const,
      id: `dlv-p${i}:delivered`,
      deliveryId: `dlv-p${i}`,
      driverId: `drv-p${i}`,
      milestone: 'delivered' as const,
      ts: Date.now(),
      message: 'Your order was delivered.',
    });
    const since = Date.now();
    await parked.park(
      { notification: note(1), reason: 'HTTP 503', parkedAt: since, attempts: 1 },
      since + 600_000,
    );
    await parked.park(
      { notification: note(2), reason: 'HTTP 422', parkedAt: since, attempts: 1 },
      null,
    );
    await expect
      .poll(() => parkedCard.getByTestId('parked-count').textContent(), { timeout: 10_000 })
      .toBe('2');
    expect(await parkedCard.getByTestId('parked-dead').textContent()).toBe('1');
    await saveScreenshot(page, 'ops-dashboard.png', true);
    await parked.remove(note(1).id);
    await parked.remove(note(2).id);
    await expect
      .poll(() => parkedCard.getByTestId('parked-count').textContent(), { timeout: 10_000 })
      .toBe('0');
    redis.disconnect();
    expect(errors).toEqual([]);
    await page.close();
  },
);

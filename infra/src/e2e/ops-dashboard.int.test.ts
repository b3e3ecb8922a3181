import { expect, it } from 'vitest';
import { saveScreenshot, useBrowserStack } from '../testing/browser-stack.js';

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

    await saveScreenshot(page, 'ops-dashboard.png', true);
    expect(errors).toEqual([]);
    await page.close();
  },
);

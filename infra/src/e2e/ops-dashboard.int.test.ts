import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { CHROMIUM_ARGS, CHROMIUM_PATH, ensureChromium } from '../browser.js';
import { repoRoot } from '../paths.js';
import { startTestStack, type TestStack } from '../testing/stack.js';

let stack: TestStack;
let browser: Browser;

beforeAll(async () => {
  ensureChromium();
  stack = await startTestStack({
    brokers: inject('kafkaBrokers'),
    redisUrl: inject('redisUrl'),
    roles: ['gateway', 'live-push', 'ops'],
    env: { OPS_POLL_INTERVAL_MS: '1000', LOCATION_PARTITIONS: '12' },
    web: true,
  });
  stack.spawn('simulator', 'driver-simulator/src/cli.ts', [
    '--drivers',
    '30',
    '--brokers',
    inject('kafkaBrokers'),
    '--topic',
    `${stack.namespace}delivery-location`,
    '--quiet',
  ]);
  browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: CHROMIUM_ARGS,
  });
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

it(
  'the ops dashboard shows every group × 12 partitions with lag values and live charts',
  { timeout: 120_000 },
  async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1100 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${stack.baseUrl}/ops#token=${stack.opsToken}`);
    await expect
      .poll(() => page.getByRole('status').first().textContent(), { timeout: 15_000 })
      .toBe('Live');
    await expect
      .poll(() => page.getByTestId('partition-lag').count(), { timeout: 30_000 })
      .toBe(3 * 12);
    const group = page.getByTestId(`group-${stack.namespace}live-push`);
    await expect
      .poll(() => group.getByTestId('group-status').textContent(), { timeout: 30_000 })
      .toBe('OK');
    // A few polls in, the charts have lines (uPlot draws on a canvas; its legend lists series).
    await expect.poll(() => page.locator('.chart canvas').count(), { timeout: 15_000 }).toBe(4);
    await new Promise((r) => setTimeout(r, 4000));
    expect(await group.locator('.members li').count()).toBeGreaterThan(0);

    fs.mkdirSync(path.join(repoRoot, 'artifacts'), { recursive: true });
    await page.screenshot({
      path: path.join(repoRoot, 'artifacts', 'ops-dashboard.png'),
      fullPage: true,
    });
    expect(errors).toEqual([]);
    await page.close();
  },
);
